// The call graph with indirect calls resolved from source alone: direct calls, calls through
// struct members (ops), the kernel's INDIRECT_CALL hints, and callbacks passed as arguments.
// Every indirect edge carries the evidence (file:line) that justifies it.
import type { KernelIndex } from '../index/model.ts';
import type { CallEdge, Confidence, PathResult } from './types.ts';
import { TypeResolver } from './typeResolver.ts';
import { RANK, searchPath, type PathOptions } from './pathSearch.ts';
import type { GraphQueries, ResolutionStats, UnresolvedCall } from './graphQueries.ts';

interface Binding {
  fn: string;
  file: string;
  line: number;
  /** How the member got the function: initializer, run-time store, compound literal, registration call. */
  how: string;
}

export type { UnresolvedCall, ResolutionStats } from './graphQueries.ts';
export type { PathOptions } from './pathSearch.ts';

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

export class CallGraph implements GraphQueries {
  readonly types: TypeResolver;
  /** `struct.member` → functions bound to it. */
  readonly bindings = new Map<string, Binding[]>();
  /** member → bindings in any struct (field-name fallback). */
  private readonly byMember = new Map<string, Binding[]>();
  private readonly out = new Map<string, CallEdge[]>();
  private readonly in = new Map<string, CallEdge[]>();
  readonly unresolved = new Map<string, UnresolvedCall[]>();
  readonly stats: ResolutionStats = { opsSites: 0, typed: 0, fieldName: 0, unresolved: 0, meanTargets: 0 };
  private readonly functionNames: Set<string>;

  constructor(readonly index: KernelIndex) {
    this.types = new TypeResolver(index);
    this.functionNames = new Set(index.functionNames());
    for (const f of index.allFacts()) for (const p of f.prototypes) this.functionNames.add(p.name);
    this.collectBindings();
    this.resolveIndirect();
  }

  isFunction(name: string): boolean {
    return this.functionNames.has(name);
  }

  private slots: Map<string, string[]> | undefined;
  /** The ops slots a function fills, as `instance.member` (`tcp_prot.sendmsg`); built once. */
  slotsOf(fn: string): readonly string[] {
    if (!this.slots) {
      this.slots = new Map();
      for (const { def } of this.index.opsInstances()) for (const [member, value] of Object.entries(def.members)) push(this.slots, value, `${def.name}.${member}`);
    }
    return this.slots.get(fn) ?? [];
  }

  private bind(struct: string | undefined, member: string, b: Binding): void {
    if (!this.functionNames.has(b.fn)) return;
    if (struct) push(this.bindings, `${struct}.${member}`, b);
    push(this.byMember, member, b);
  }

  private collectBindings(): void {
    const t = this.types;
    // 1. designated initializers (nested members through field types), compound literals
    for (const { file, def } of this.index.opsInstances()) {
      for (const [key, value] of Object.entries(def.members)) {
        const path = key.split('.');
        let struct: string | undefined = def.struct;
        for (let i = 0; struct && i < path.length - 1; i++) struct = t.fieldTag(struct, path[i]);
        this.bind(struct, path[path.length - 1], { fn: value, file, line: def.memberLines[key] ?? def.line, how: def.name.startsWith('(') ? 'compound literal' : `initializer ${def.name}` });
      }
    }
    // 2. run-time stores of a function, and stores of a parameter (registration helpers)
    const paramStores = new Map<string, { index: number; struct?: string; member: string; file: string; line: number }[]>();
    for (const f of this.index.allFacts()) {
      for (const s of f.stores) {
        const r = t.resolve(s.chain);
        if (s.param >= 0) push(paramStores, s.context, { index: s.param, struct: r.typed?.struct, member: r.member, file: f.file, line: s.line });
        else this.bind(r.typed?.struct, r.member, { fn: s.value, file: f.file, line: s.line, how: `assigned in ${s.context || 'file scope'}` });
      }
    }
    // a parameter passed on to a function that stores it is stored too (netif_napi_add → …_weight)
    const argsByCallee = new Map<string, { caller: string; file: string; line: number; index: number; name: string }[]>();
    for (const f of this.index.allFacts()) for (const a of f.args) push(argsByCallee, a.callee, { caller: a.caller, file: f.file, line: a.line, index: a.index, name: a.name });
    let frontier = [...paramStores.keys()];
    for (let round = 0; round < 4 && frontier.length; round++) {
      const next: string[] = [];
      for (const callee of frontier) {
        for (const st of paramStores.get(callee) ?? []) {
          for (const a of argsByCallee.get(callee) ?? []) {
            if (a.index !== st.index) continue;
            if (this.functionNames.has(a.name)) {
              this.bind(st.struct, st.member, { fn: a.name, file: a.file, line: a.line, how: `registered by ${a.caller} through ${callee}()` });
              continue;
            }
            // the caller forwards one of its own parameters
            const callerParams = this.paramNames(a.caller);
            const pi = callerParams.indexOf(a.name);
            if (pi >= 0) {
              const list = paramStores.get(a.caller) ?? [];
              if (!list.some((x) => x.index === pi && x.member === st.member && x.struct === st.struct)) {
                push(paramStores, a.caller, { ...st, index: pi });
                next.push(a.caller);
              }
            }
          }
        }
      }
      frontier = next;
    }
  }

  private readonly paramCache = new Map<string, string[]>();
  /** Parameter names of a function (from its signature) or a function-like macro. */
  paramNames(fn: string): string[] {
    let p = this.paramCache.get(fn);
    if (!p) {
      p = [];
      const d = this.index.functions(fn)[0];
      if (d) {
        const sig = d.def.signature;
        const open = sig.indexOf(fn + '(');
        if (open >= 0) {
          const inner = sig.slice(open + fn.length + 1, sig.lastIndexOf(')'));
          p = splitTopLevel(inner).map((x) => /(\w+)\s*(?:\[[^\]]*\])?\s*$/.exec(x.replace(/\(\s*\*\s*(\w+)\s*\)\s*\(.*$/, '$1'))?.[1] ?? '');
        }
      } else {
        const m = this.index.macros(fn).find((x) => x.def.params);
        if (m) p = m.def.params!;
      }
      this.paramCache.set(fn, p);
    }
    return p;
  }

  private resolveIndirect(): void {
    const t = this.types;
    let targetsTotal = 0;
    const add = (e: CallEdge) => {
      push(this.out, e.from, e);
      push(this.in, e.to, e);
    };
    // which parameters each function or macro calls
    const calledParams = new Map<string, { index: number; file: string; line: number }[]>();
    for (const f of this.index.allFacts()) {
      for (const pc of f.paramCalls) push(calledParams, pc.fn, { index: pc.index, file: f.file, line: pc.line });
      for (const m of f.macros) {
        if (!m.params) continue;
        m.params.forEach((p, index) => {
          if (p !== '...' && new RegExp(`\\b${p}\\s*\\(`).test(m.body)) push(calledParams, m.name, { index, file: f.file, line: m.line });
        });
      }
    }
    for (const f of this.index.allFacts()) {
      for (const mc of f.memberCalls) {
        this.stats.opsSites++;
        const r = t.resolve(mc.chain);
        let targets = r.typed ? this.bindings.get(`${r.typed.struct}.${r.typed.member}`) : undefined;
        let confidence: Confidence = 'typed';
        if (!targets?.length) {
          targets = this.byMember.get(r.member);
          confidence = 'field-name';
        }
        if (!targets?.length) {
          this.stats.unresolved++;
          push(this.unresolved, mc.caller, { caller: mc.caller, file: f.file, line: mc.line, chain: mc.chain });
          continue;
        }
        if (confidence === 'typed') this.stats.typed++;
        else this.stats.fieldName++;
        const seen = new Set<string>();
        for (const b of targets) {
          if (seen.has(b.fn)) continue;
          seen.add(b.fn);
          targetsTotal++;
          add({ from: mc.caller, to: b.fn, kind: 'ops', confidence, file: f.file, line: mc.line, evidence: { file: b.file, line: b.line }, via: `${r.typed?.struct ?? '?'}.${r.member}` });
        }
      }
      for (const h of f.hints) {
        for (const c of h.candidates) {
          if (this.functionNames.has(c)) add({ from: h.caller, to: c, kind: 'hint', confidence: 'exact', file: f.file, line: h.line, evidence: { file: f.file, line: h.line }, via: h.macro });
        }
      }
      for (const a of f.args) {
        if (!this.functionNames.has(a.name)) continue;
        const called = calledParams.get(a.callee)?.find((c) => c.index === a.index);
        if (called) add({ from: a.caller, to: a.name, kind: 'callback', confidence: 'exact', file: f.file, line: a.line, evidence: { file: called.file, line: called.line }, via: `${a.callee}() calls its argument ${a.index + 1}` });
      }
    }
    const resolved = this.stats.typed + this.stats.fieldName;
    this.stats.meanTargets = resolved ? targetsTotal / resolved : 0;
  }

  private readonly memo = { out: new Map<string, CallEdge[]>(), in: new Map<string, CallEdge[]>() };

  /** Every edge out of `fn`: direct calls first, then indirect ones, best confidence first. Do not mutate. */
  callees(fn: string): readonly CallEdge[] {
    return this.edges(fn, 'out');
  }

  /** Every edge into `fn`, in the same order. Do not mutate. */
  callers(fn: string): readonly CallEdge[] {
    return this.edges(fn, 'in');
  }

  private edges(fn: string, dir: 'out' | 'in'): CallEdge[] {
    let r = this.memo[dir].get(fn);
    if (!r) {
      const rows = dir === 'out' ? this.index.callees(fn) : this.index.callers(fn);
      const indirect = (dir === 'out' ? this.out : this.in).get(fn) ?? [];
      r = [...rows.map((c) => directEdge(c.from, c.to, c.file, c.line)), ...indirect.slice().sort((x, y) => RANK[x.confidence] - RANK[y.confidence])];
      this.memo[dir].set(fn, r);
    }
    return r;
  }

  unresolvedIn(fn: string): UnresolvedCall[] {
    return this.unresolved.get(fn) ?? [];
  }

  /** Shortest call path (BFS, bounded), then up to k-1 alternatives that avoid one edge of the best. */
  path(from: string, to: string, opts: PathOptions = {}): PathResult {
    return searchPath(this, from, to, opts);
  }
}

function directEdge(from: string, to: string, file: string, line: number): CallEdge {
  return { from, to, kind: 'direct', confidence: 'exact', file, line, evidence: { file, line } };
}

/** Split on commas outside parentheses. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out;
}

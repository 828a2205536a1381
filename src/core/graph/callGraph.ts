// The call graph with indirect calls resolved from source alone: direct calls, calls through
// struct members (ops), the kernel's INDIRECT_CALL hints, and callbacks passed as arguments.
// Every indirect edge carries the evidence (file:line) that justifies it.
import type { KernelIndex } from '../index/model.ts';
import type { FileFacts, OpsInstance } from '../index/facts.ts';
import type { FactCategory, FactsDiff } from '../index/factsDiff.ts';
import type { CallEdge, Confidence, PathResult } from './types.ts';
import { TypeResolver } from './typeResolver.ts';
import { ParamFlow } from './paramFlow.ts';
import { MacroCalls } from './macroCalls.ts';
import { isHintMacro } from '../index/extractFlow.ts';
import { RANK, searchPath, type PathOptions } from './pathSearch.ts';
import type { GraphQueries, ResolutionStats, UnresolvedCall } from './graphQueries.ts';

interface Binding {
  fn: string;
  file: string;
  line: number;
  /** How the member got the function: initializer, run-time store, compound literal, registration call. */
  how: string;
}

interface FileContribution {
  edges: CallEdge[];
  unresolved: UnresolvedCall[];
  opsSites: number;
  typed: number;
  fieldName: number;
  unresolvedCount: number;
  targets: number;
  /** `caller>callee` macro edges this file made (it has the first site of each in file order). */
  macroKeys: string[];
  /** Every such key the file's sites propose, made here or not. */
  proposed: Set<string>;
}

/** Adds (or with `by` -1 takes back) the names a file's facts use as values. */
function countValues(f: FileFacts, m: Map<string, number>, by: 1 | -1): void {
  const use = (n: string) => {
    const v = (m.get(n) ?? 0) + by;
    if (v) m.set(n, v);
    else m.delete(n);
  };
  for (const list of [f.opsInstances, f.localInstances]) for (const d of list) for (const v of Object.values(d.members)) use(v);
  for (const s of f.stores) use(s.value);
  for (const h of f.hints) for (const c of h.candidates) use(c);
  for (const a of f.args) use(a.name);
  for (const a of f.callArgs) use(a.fn);
  for (const r of f.returns) use(r.value);
}

/** Facts the resolver's global tables are made of (names, types, bindings, parameter calls): a change there is not local. */
const GLOBAL_FACTS = new Set<FactCategory>(['prototypes', 'structs', 'macros', 'opsInstances', 'localInstances', 'stores', 'copies', 'typedefs', 'paramCalls', 'returns']);

export type { UnresolvedCall, ResolutionStats } from './graphQueries.ts';
export type { PathOptions } from './pathSearch.ts';

/** A member name bound in more structs than this (`read`, `release`, `ndo_open`-like names) is no guess at all:
 *  the site stays unresolved rather than fan out to every one (mean targets per site 12.5 → 7.0 on 6.1, same run-time coverage). */
const FIELD_NAME_MAX_STRUCTS = 4;

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
  /** member → the structs that bind a function to a member of that name. */
  private readonly structsOf = new Map<string, Set<string>>();
  private readonly out = new Map<string, CallEdge[]>();
  private readonly in = new Map<string, CallEdge[]>();
  readonly unresolved = new Map<string, UnresolvedCall[]>();
  readonly stats: ResolutionStats = { opsSites: 0, typed: 0, fieldName: 0, unresolved: 0, meanTargets: 0 };
  private readonly functionNames: Set<string>;
  private readonly flow: ParamFlow;
  readonly macroCalls: MacroCalls;
  /** `struct.member\0fn` already bound (copies and registrations meet the same function many times). */
  private readonly bound = new Set<string>();

  constructor(readonly index: KernelIndex) {
    this.types = new TypeResolver(index);
    this.functionNames = new Set(index.functionNames());
    for (const f of index.allFacts()) {
      for (const p of f.prototypes) {
        this.functionNames.add(p.name);
        this.prototyped.add(p.name);
      }
      countValues(f, this.valueUses, 1);
    }
    const isFn = (n: string) => this.functionNames.has(n);
    this.flow = new ParamFlow(index, isFn, (fn) => this.paramNames(fn));
    this.macroCalls = new MacroCalls(index, isFn);
    this.collectBindings();
    this.resolveIndirect();
  }

  /** Names used as values anywhere (initializers, stores, arguments, hints, returns), with how often: a
   *  function defined or taken away under such a name changes bindings and callbacks, not only its own edges. */
  private readonly valueUses = new Map<string, number>();
  private readonly prototyped = new Set<string>();

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

  private bind(struct: string | undefined, member: string, b: Binding): boolean {
    if (!this.functionNames.has(b.fn)) return false;
    const key = `${struct ?? ''}.${member}\0${b.fn}`;
    if (this.bound.has(key)) return false;
    this.bound.add(key);
    if (struct) {
      push(this.bindings, `${struct}.${member}`, b);
      let set = this.structsOf.get(member);
      if (!set) this.structsOf.set(member, (set = new Set()));
      set.add(struct);
    }
    push(this.byMember, member, b);
    push(this.bindingsIn, b.file, b);
    return true;
  }

  private collectBindings(): void {
    const t = this.types;
    // 1. designated initializers (nested members through field types; `.hooks[NF_INET_LOCAL_IN]` binds `hooks`),
    //    compound literals, initialized struct locals
    const instances = (f: { file: string; def: OpsInstance }[], how: (d: OpsInstance) => string) => {
      for (const { file, def } of f) {
        for (const [key, value] of Object.entries(def.members)) {
          const path = key.split('.').filter((p) => !p.startsWith('[')).map((p) => p.replace(/\[.*$/, ''));
          if (!path.length) continue;
          let struct: string | undefined = def.struct;
          for (let i = 0; struct && i < path.length - 1; i++) struct = t.fieldTag(struct, path[i]);
          this.bind(struct, path[path.length - 1], { fn: value, file, line: def.memberLines[key] ?? def.line, how: how(def) });
        }
      }
    };
    instances(this.index.opsInstances(), (d) => (d.name.startsWith('(') ? 'compound literal' : `initializer ${d.name}`));
    const locals: { file: string; def: OpsInstance }[] = [];
    for (const f of this.index.allFacts()) for (const def of f.localInstances) locals.push({ file: f.file, def });
    instances(locals, (d) => `local initializer ${d.name}`);
    // 2. run-time stores of a function, and stores of a parameter (registration helpers): whatever reaches
    //    the parameter, passed by name, forwarded, or returned by a call in the argument
    for (const f of this.index.allFacts()) {
      for (const s of f.stores) {
        const r = t.resolve(s.chain);
        if (s.param < 0) {
          this.bind(r.typed?.struct, r.member, { fn: s.value, file: f.file, line: s.line, how: `assigned in ${s.context || 'file scope'}` });
          continue;
        }
        for (const a of this.flow.reaching(s.context, s.param))
          this.bind(r.typed?.struct, r.member, { fn: a.fn, file: a.file, line: a.line, how: `registered by ${a.caller} through ${s.context}()` });
      }
    }
    // 3. copies between typed members (`udp_sk(sk)->encap_rcv = cfg->encap_rcv`, `neigh->output = neigh->ops->output`),
    //    until nothing new arrives; an untyped side copies nothing (a member name alone is too weak)
    const copies: { to: string; member: string; from: string; file: string; line: number; context: string }[] = [];
    for (const f of this.index.allFacts()) {
      for (const c of f.copies) {
        const to = t.resolve(c.chain).typed;
        const from = t.resolve(c.from).typed;
        if (to && from) copies.push({ to: to.struct, member: to.member, from: `${from.struct}.${from.member}`, file: f.file, line: c.line, context: c.context });
      }
    }
    for (let round = 0, changed = true; changed && round < 6; round++) {
      changed = false;
      for (const c of copies) {
        for (const b of this.bindings.get(c.from)?.slice() ?? [])
          if (this.bind(c.to, c.member, { ...b, how: `${b.how}; copied to ${c.to}.${c.member} in ${c.context || 'file scope'} (${c.file}:${c.line})` })) changed = true;
      }
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
          // `int (*cb)(…)` and `int getfrag(…)` name `cb` and `getfrag`
          p = splitTopLevel(inner).map((x) => /(\w+)\s*(?:\[[^\]]*\])?\s*$/.exec(x.replace(/\(\s*\*\s*(\w+)\s*\)\s*\(.*$/, '$1').replace(/(\w+)\s*\(.*\)\s*$/, '$1'))?.[1] ?? '');
        }
      } else {
        const m = this.index.macros(fn).find((x) => x.def.params);
        if (m) p = m.def.params!;
      }
      this.paramCache.set(fn, p);
    }
    return p;
  }

  /** Which parameters each function or macro calls (evidence of callback edges; param edges). */
  private readonly calledParams = new Map<string, { index: number; file: string; line: number }[]>();
  private hintMacros: ReadonlyMap<string, import('./macroCalls.ts').HintMacro> = new Map();
  /** What each file's sites contributed (edges, unresolved calls, counts), to take back on an update. */
  private readonly perFile = new Map<string, FileContribution>();
  /** `caller>callee` macro edges made so far (the first site in file order makes the edge), and the files proposing each. */
  private readonly macroEdges = new Map<string, string>();
  private readonly macroKeyFiles = new Map<string, Set<string>>();
  /** Param edges (made after every file's sites): they stay at the end of each list. */
  private readonly paramEdges = new WeakSet<CallEdge>();
  private targetsTotal = 0;
  /** Set while an update inserts a file's edges at its place in each list (a build appends). */
  private inserting: number | undefined;

  private add(e: CallEdge): void {
    this.put(this.out, e.from, e);
    this.put(this.in, e.to, e);
    if (e.evidence.file !== e.file) this.cite(e.evidence.file, e);
    if (this.paramEdges.has(e)) this.cite(e.file, e);
  }

  /** Edges that cite a file other than the one of the site that made them (evidence elsewhere, param edges), by the file cited. */
  private readonly citing = new Map<string, Set<CallEdge>>();
  private cite(file: string, e: CallEdge): void {
    let set = this.citing.get(file);
    if (!set) this.citing.set(file, (set = new Set()));
    set.add(e);
  }
  /** Bindings and parameter calls by the file they were found in. */
  private readonly bindingsIn = new Map<string, Binding[]>();
  private readonly calledParamsIn = new Map<string, { line: number }[]>();

  private put(m: Map<string, CallEdge[]>, k: string, e: CallEdge): void {
    if (this.inserting === undefined) return push(m, k, e);
    const list = m.get(k);
    if (!list) return void m.set(k, [e]);
    let i = list.length;
    while (i > 0 && (this.paramEdges.has(list[i - 1]) || this.index.ordinal(list[i - 1].file) > this.inserting)) i--;
    list.splice(i, 0, e);
  }

  private resolveIndirect(): void {
    // which parameters each function or macro calls
    const calledParams = this.calledParams;
    for (const f of this.index.allFacts()) {
      const here = (fn: string, c: { index: number; file: string; line: number }) => {
        push(calledParams, fn, c);
        push(this.calledParamsIn, f.file, c);
      };
      for (const pc of f.paramCalls) here(pc.fn, { index: pc.index, file: f.file, line: pc.line });
      for (const m of f.macros) {
        if (!m.params) continue;
        m.params.forEach((p, index) => {
          if (p !== '...' && new RegExp(`\\b${p}\\s*\\(`).test(m.body)) here(m.name, { index, file: f.file, line: m.line });
        });
      }
    }
    this.hintMacros = this.macroCalls.hints();
    for (const f of this.index.allFacts()) this.resolveFile(f);
    // a function calling its own parameter calls whatever reaches it (`__ip_append_data` → `icmp_glue_bits`),
    // also when it hands the parameter to a macro that calls it
    const selfCalls = new Map<string, { index: number; file: string; line: number }[]>();
    for (const [fn, list] of calledParams) if (this.index.functions(fn).length) for (const c of list) push(selfCalls, fn, c);
    for (const [macro, list] of calledParams) {
      if (!this.macroCalls.isMacroOnly(macro)) continue;
      this.flowCallees.add(macro);
      for (const site of this.flow.argSites(macro)) {
        if (!list.some((c) => c.index === site.index) || site.returned) continue;
        const pi = this.paramNames(site.caller).indexOf(site.name);
        if (pi >= 0) push(selfCalls, site.caller, { index: pi, file: site.file, line: site.line });
      }
    }
    for (const [fn, list] of selfCalls) {
      const names = this.paramNames(fn);
      const seen = new Set<string>();
      for (const c of list) {
        for (const r of this.flow.reaching(fn, c.index)) {
          if (seen.has(r.fn)) continue;
          seen.add(r.fn);
          const e: CallEdge = { from: fn, to: r.fn, kind: 'param', confidence: 'exact', file: c.file, line: c.line, evidence: { file: r.file, line: r.line }, via: `parameter ${names[c.index] || c.index + 1} of ${fn}(), passed by ${r.caller}`, passedBy: r.caller };
          this.paramEdges.add(e);
          this.add(e);
        }
      }
    }
    this.updateMean();
  }

  private updateMean(): void {
    const resolved = this.stats.typed + this.stats.fieldName;
    this.stats.meanTargets = resolved ? this.targetsTotal / resolved : 0;
  }

  /** The edges made at one file's sites: calls through members and loaded locals, hints, callbacks, macro uses. */
  private resolveFile(f: FileFacts): void {
    const mine: FileContribution = { edges: [], unresolved: [], opsSites: 0, typed: 0, fieldName: 0, unresolvedCount: 0, targets: 0, macroKeys: [], proposed: new Set() };
    this.perFile.set(f.file, mine);
    const add = (e: CallEdge) => {
      mine.edges.push(e);
      this.add(e);
    };
    const hintMacros = this.hintMacros;
    /** Calls through a member (`x->f(…)`) or through a local loaded from one (`fp = x->f; fp(…)`). */
    const memberSite = (caller: string, file: string, line: number, chain: string, kind: 'ops' | 'pointer', local?: string) => {
      mine.opsSites++;
      const r = this.types.resolve(chain);
      let targets = r.typed ? this.bindings.get(`${r.typed.struct}.${r.typed.member}`) : undefined;
      let confidence: Confidence = 'typed';
      // a member name alone is enough for `x->f(…)` when few structs bind a member so named (not `read`,
      // `init`, `release`), and never for a local that was loaded from somewhere
      if (!targets?.length && kind === 'ops' && (this.structsOf.get(r.member)?.size ?? 0) <= FIELD_NAME_MAX_STRUCTS) {
        targets = this.byMember.get(r.member);
        confidence = 'field-name';
      }
      if (!targets?.length) {
        mine.unresolvedCount++;
        const u = { caller, file, line, chain };
        mine.unresolved.push(u);
        this.putUnresolved(u);
        return;
      }
      if (confidence === 'typed') mine.typed++;
      else mine.fieldName++;
      const seen = new Set<string>();
      const via = `${r.typed?.struct ?? '?'}.${r.member}` + (local ? ` (through ${local})` : '');
      for (const b of targets) {
        if (seen.has(b.fn)) continue;
        seen.add(b.fn);
        mine.targets++;
        add({ from: caller, to: b.fn, kind, confidence, file, line, evidence: { file: b.file, line: b.line }, via });
      }
    };
    for (const mc of f.memberCalls) memberSite(mc.caller, f.file, mc.line, mc.chain, 'ops');
    for (const pc of f.pointerCalls) memberSite(pc.caller, f.file, pc.line, pc.chain, 'pointer', pc.local);
    for (const h of f.hints) {
      for (const c of h.candidates) {
        if (this.functionNames.has(c)) add({ from: h.caller, to: c, kind: 'hint', confidence: 'exact', file: f.file, line: h.line, evidence: { file: f.file, line: h.line }, via: h.macro });
      }
    }
    for (const a of f.args) {
      if (!this.functionNames.has(a.name)) continue;
      const called = this.calledParams.get(a.callee)?.find((c) => c.index === a.index);
      if (called) add({ from: a.caller, to: a.name, kind: 'callback', confidence: 'exact', file: f.file, line: a.line, evidence: { file: called.file, line: called.line }, via: `${a.callee}() calls its argument ${a.index + 1}` });
      // a macro that wraps INDIRECT_CALL_* under another name (`indirect_call_gro_receive(tcp4_gro_receive, …)`)
      const hm = !isHintMacro(a.callee) ? hintMacros.get(a.callee) : undefined;
      if (hm?.positions.includes(a.index)) add({ from: a.caller, to: a.name, kind: 'hint', confidence: 'exact', file: f.file, line: a.line, evidence: { file: f.file, line: a.line }, via: a.callee });
    }
    // calls inside function-like macros, and the candidates a hint macro names in its own body
    for (const c of f.calls) {
      if (!this.macroCalls.isMacroOnly(c.callee)) continue;
      const hm = !isHintMacro(c.callee) ? hintMacros.get(c.callee) : undefined;
      for (const l of hm?.literals ?? []) if (this.functionNames.has(l)) add({ from: c.caller, to: l, kind: 'hint', confidence: 'exact', file: f.file, line: c.line, evidence: { file: f.file, line: c.line }, via: c.callee });
      for (const to of this.macroCalls.callees(c.callee)) {
        const key = `${c.caller}>${to}`;
        if (to === c.caller) continue;
        let files = this.macroKeyFiles.get(key);
        if (!files) this.macroKeyFiles.set(key, (files = new Set()));
        files.add(f.file);
        mine.proposed.add(key);
        const owner = this.macroEdges.get(key);
        if (owner !== undefined) {
          // in a build files come in order and the first keeps it; an update may meet a later file's edge
          if (owner === f.file || this.inserting === undefined || this.index.ordinal(owner) < this.inserting) continue;
          this.disown(owner, key);
        }
        this.macroEdges.set(key, f.file);
        mine.macroKeys.push(key);
        add({ from: c.caller, to, kind: 'macro', confidence: 'exact', file: f.file, line: c.line, evidence: { file: f.file, line: c.line }, via: c.callee });
      }
    }
    this.stats.opsSites += mine.opsSites;
    this.stats.typed += mine.typed;
    this.stats.fieldName += mine.fieldName;
    this.stats.unresolved += mine.unresolvedCount;
    this.targetsTotal += mine.targets;
  }

  private putUnresolved(u: UnresolvedCall): void {
    const list = this.unresolved.get(u.caller);
    if (!list) return void this.unresolved.set(u.caller, [u]);
    let i = list.length;
    if (this.inserting !== undefined) while (i > 0 && this.index.ordinal(list[i - 1].file) > this.inserting) i--;
    list.splice(i, 0, u);
  }

  /** Takes back what a file's sites contributed and resolves them again at the file's place; returns the macro keys it had made. */
  private reresolve(file: string, facts: FileFacts): string[] {
    const before = this.perFile.get(file);
    if (before) {
      this.removeEdges(before.edges);
      for (const u of before.unresolved) {
        const kept = (this.unresolved.get(u.caller) ?? []).filter((x) => x.file !== file);
        if (kept.length) this.unresolved.set(u.caller, kept);
        else this.unresolved.delete(u.caller);
      }
      for (const k of before.macroKeys) this.macroEdges.delete(k);
      for (const k of before.proposed) {
        const files = this.macroKeyFiles.get(k);
        if (files?.delete(file) && !files.size) this.macroKeyFiles.delete(k);
      }
      this.stats.opsSites -= before.opsSites;
      this.stats.typed -= before.typed;
      this.stats.fieldName -= before.fieldName;
      this.stats.unresolved -= before.unresolvedCount;
      this.targetsTotal -= before.targets;
    }
    this.inserting = this.index.ordinal(file);
    try {
      this.resolveFile(facts);
    } finally {
      this.inserting = undefined;
    }
    return before?.macroKeys ?? [];
  }

  /** A later file's macro edge taken over by an earlier one that now proposes the same key. */
  private disown(owner: string, key: string): void {
    const c = this.perFile.get(owner)!;
    const drop = c.edges.filter((e) => e.kind === 'macro' && `${e.from}>${e.to}` === key);
    this.removeEdges(drop);
    c.edges = c.edges.filter((e) => !drop.includes(e));
    c.macroKeys = c.macroKeys.filter((k) => k !== key);
    this.macroEdges.delete(key);
  }

  private removeEdges(edges: CallEdge[]): void {
    const drop = new Set(edges);
    for (const e of edges) {
      this.citing.get(e.evidence.file)?.delete(e);
      this.citing.get(e.file)?.delete(e);
      for (const [m, k] of [[this.out, e.from], [this.in, e.to]] as const) {
        const list = m.get(k);
        if (!list) continue;
        const kept = list.filter((x) => !drop.has(x));
        if (kept.length) m.set(k, kept);
        else m.delete(k);
      }
    }
  }

  /** Functions and macros whose argument sites the parameter flow read: an argument added or removed there can change bindings and param edges. */
  private readonly flowCallees = new Set<string>();

  /**
   * Brings the graph up to date after one file's facts changed from `old` to the index's current ones
   * (`diff` between them), when the change stays local: the file's own sites are resolved again, and the
   * lines the file's other facts moved to are carried into every edge and binding that cites them.
   * Returns why it cannot (the caller rebuilds), or undefined when the graph now equals a fresh build.
   */
  updateFile(old: FileFacts, diff: FactsDiff): string | undefined {
    const file = old.file;
    const now = this.index.fileFacts(file);
    if (!now) return 'the file left the index';
    const global = diff.changed.filter((c) => GLOBAL_FACTS.has(c));
    if (global.length) return `its ${global.join(', ')} changed (the resolver's tables depend on them)`;
    if (diff.ambiguous) return 'a line holding facts was split';
    // functions added or taken away: fine when the name is new (or gone) everywhere and nothing uses it as a value
    const gone = new Set(((diff.removed.functions ?? []) as { name: string; signature: string }[]).map((d) => d.name));
    const added = new Set(((diff.added.functions ?? []) as { name: string }[]).map((d) => d.name));
    if (gone.size || added.size) {
      const uses = new Map<string, number>();
      countValues(old, uses, -1);
      countValues(now, uses, 1);
      for (const name of [...gone, ...added]) {
        if (gone.has(name) && added.has(name)) return `${name}'s definition changed (its parameters and return type feed the resolver)`;
        const defs = this.index.functions(name).length;
        if (added.has(name) ? defs !== 1 || this.functionNames.has(name) : defs !== 0) return `${name} is defined in other files too`;
        if (this.prototyped.has(name)) return `${name} has a prototype`;
        if ((this.valueUses.get(name) ?? 0) + (uses.get(name) ?? 0) > 0) return `${name} is used as a value (bindings and callbacks name it)`;
        if (this.index.macros(name).length || this.macroCalls.consulted.has(name) || this.types.askedReturn(name) || [...this.hintMacros.values()].some((h) => h.literals.includes(name))) return `${name} is named by a macro or a resolved type`;
      }
    }
    for (const c of ['args', 'callArgs'] as const) {
      for (const a of [...(diff.removed[c] ?? []), ...(diff.added[c] ?? [])] as { callee: string }[]) {
        if (this.flowCallees.has(a.callee) || this.flow.walked.has(a.callee)) return `an argument of ${a.callee}() changed (what reaches its parameters feeds bindings)`;
      }
    }
    // the lines this file's unchanged facts moved to, everywhere they are cited (checked before anything changes)
    const mine = new Set(this.perFile.get(file)?.edges ?? []);
    const moves: (() => void)[] = [];
    const move = (line: number, set: (l: number) => void): boolean => {
      const to = diff.lines.get(line);
      if (to === undefined) return false;
      if (to !== line) moves.push(() => set(to));
      return true;
    };
    for (const e of this.citing.get(file) ?? []) {
      if (mine.has(e)) continue;
      if (e.file === file && !move(e.line, (l) => (e.line = l))) return `an edge at ${file}:${e.line} lost its site`;
      if (e.evidence.file === file && !move(e.evidence.line, (l) => (e.evidence.line = l))) return `an edge's evidence ${file}:${e.evidence.line} is gone`;
    }
    for (const b of this.bindingsIn.get(file) ?? []) if (!move(b.line, (l) => (b.line = l))) return `a binding at ${file}:${b.line} is gone`;
    for (const c of this.calledParamsIn.get(file) ?? []) if (!move(c.line, (l) => (c.line = l))) return `a parameter call at ${file}:${c.line} is gone`;
    for (const f of moves) f();
    countValues(old, this.valueUses, -1);
    countValues(now, this.valueUses, 1);
    for (const name of gone) this.functionNames.delete(name);
    for (const name of added) this.functionNames.add(name);
    for (const name of [...gone, ...added]) this.paramCache.delete(name);
    this.flow.replaceFile(old, now, this.index.ordinal(file), (f) => this.index.ordinal(f));
    // take back the file's sites, resolve them again at the file's place in every list; a macro edge the
    // file made and no longer makes goes to the next file that proposes it (resolved again too)
    const freed = this.reresolve(file, now);
    const next = new Set<string>();
    for (const k of freed) {
      if (this.macroEdges.has(k)) continue;
      let first: string | undefined;
      for (const g of this.macroKeyFiles.get(k) ?? []) if (first === undefined || this.index.ordinal(g) < this.index.ordinal(first)) first = g;
      if (first !== undefined) next.add(first);
    }
    for (const g of [...next].sort((x, y) => this.index.ordinal(x) - this.index.ordinal(y))) this.reresolve(g, this.index.fileFacts(g)!);
    this.updateMean();
    this.memo.out.clear();
    this.memo.in.clear();
    return undefined;
  }

  private readonly memo = { out: new Map<string, CallEdge[]>(), in: new Map<string, CallEdge[]>() };

  /** Every edge out of `fn`: direct calls first, then indirect ones, best confidence first. Do not mutate. */
  callees(fn: string): readonly CallEdge[] {
    return this.edges(fn, 'out');
  }

  /** How many edges come into `fn` (no edge made). */
  callerCount(fn: string): number {
    return this.index.callSites(fn, 'to').length + (this.in.get(fn)?.length ?? 0);
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
      if (this.memoize) this.memo[dir].set(fn, r);
    }
    return r;
  }

  private memoize = true;

  /** Runs `f` without keeping the per-function edge lists it asks for: a walk over every function
   *  (encoding the graph) would otherwise hold every direct call site as an object twice — hundreds
   *  of MB on a real tree. Lists kept before stay. */
  uncached<T>(f: () => T): T {
    this.memoize = false;
    try {
      return f();
    } finally {
      this.memoize = true;
    }
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

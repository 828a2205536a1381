// The in-memory index of a tree: every file's facts, and lookups built on demand.
// A file's facts are replaced as a whole (remove-then-insert); lookups are rebuilt lazily after a change.
import type { FileFacts, FunctionDef, StructDef, OpsInstance, MacroDef, EnumDef, CallSite } from './facts.ts';
import { sectionCount } from './factsCodec.ts';

export interface Located<T> {
  file: string;
  def: T;
}

export type DefKind = 'function' | 'struct' | 'macro' | 'enum';

export interface DefRow {
  name: string;
  kind: DefKind;
  file: string;
  line: number;
  endLine: number;
}

export interface CallRow {
  from: string;
  to: string;
  file: string;
  line: number;
  kind: 'direct';
}

interface Lookups {
  functions: Map<string, Located<FunctionDef>[]>;
  structs: Map<string, Located<StructDef>[]>;
  macros: Map<string, Located<MacroDef>[]>;
  enums: Map<string, Located<EnumDef>[]>;
  callsFrom: Map<string, Located<CallSite>[]>;
  callsTo: Map<string, Located<CallSite>[]>;
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** How each lookup is filled from one file's facts (a lookup's lists hold files in index order). */
const FILLS: { [K in keyof Lookups]: (m: Lookups[K], f: FileFacts) => void } = {
  functions: (m, f) => { for (const d of f.functions) push(m, d.name, { file: f.file, def: d }); },
  structs: (m, f) => { for (const d of f.structs) push(m, d.name, { file: f.file, def: d }); },
  macros: (m, f) => { for (const d of f.macros) push(m, d.name, { file: f.file, def: d }); },
  enums: (m, f) => { for (const d of f.enums) if (d.name) push(m, d.name, { file: f.file, def: d }); },
  callsFrom: (m, f) => { for (const c of f.calls) push(m, c.caller, { file: f.file, def: c }); },
  callsTo: (m, f) => { for (const c of f.calls) push(m, c.callee, { file: f.file, def: c }); },
};
/** Lookups whose key order is read (the hint macros are found in macro-name order): a file adding or dropping
 *  a key rebuilds them so the order stays a fresh build's. The others are read by key (function names are
 *  listed in file order from the facts where order matters: layers' votes) and are patched. */
const KEY_ORDERED = new Set<keyof Lookups>(['structs', 'macros', 'enums']);

export class KernelIndex {
  private readonly files = new Map<string, FileFacts>();
  /** Each file's place in `files` (ascending in iteration order): where its lookup entries go. */
  private readonly ordinals = new Map<string, number>();
  private nextOrdinal = 0;
  private lookups: Lookups | undefined;
  private maps: Partial<Lookups> = {};

  constructor(readonly root: string, readonly kernelVersion: string | null) {}

  /** Insert or replace one file's facts. A replaced file keeps its place; the lookups built so far are
   *  patched for what the file held and holds (not rebuilt over every file). */
  setFile(facts: FileFacts): void {
    const old = this.files.get(facts.file);
    if (!old) this.ordinals.set(facts.file, this.nextOrdinal++);
    this.files.set(facts.file, facts);
    if (old) this.patchLookups(facts.file, old, facts);
    else if (this.lookups) this.patchLookups(facts.file, undefined, facts);
  }

  removeFile(file: string): boolean {
    const old = this.files.get(file);
    if (!old) return false;
    this.patchLookups(file, old, undefined);
    this.files.delete(file);
    this.ordinals.delete(file);
    return true;
  }

  /** The file's place in iteration order (files met earlier have smaller ones). */
  ordinal(file: string): number {
    return this.ordinals.get(file) ?? Infinity;
  }

  private patchLookups(file: string, old: FileFacts | undefined, now: FileFacts | undefined): void {
    if (!this.lookups) return;
    const at = this.ordinal(file);
    for (const k of Object.keys(this.maps) as (keyof Lookups)[]) {
      const m = this.maps[k] as Map<string, Located<unknown>[]>;
      const fill = FILLS[k] as (m: Map<string, Located<unknown>[]>, f: FileFacts) => void;
      const before = new Map<string, Located<unknown>[]>();
      const after = new Map<string, Located<unknown>[]>();
      if (old) fill(before, old);
      if (now) fill(after, now);
      if (KEY_ORDERED.has(k) && ([...before.keys()].some((n) => !after.has(n) && m.get(n)!.length === before.get(n)!.length) || [...after.keys()].some((n) => !m.has(n)))) {
        delete this.maps[k]; // a key comes or goes: rebuilt on next use, in file order
        continue;
      }
      for (const key of new Set([...before.keys(), ...after.keys()])) {
        const list = (m.get(key) ?? []).filter((e) => e.file !== file);
        const add = after.get(key);
        if (add) {
          let i = list.length;
          while (i > 0 && this.ordinal(list[i - 1].file) > at) i--;
          list.splice(i, 0, ...add);
        }
        if (list.length) m.set(key, list);
        else m.delete(key);
      }
    }
  }

  fileFacts(file: string): FileFacts | undefined {
    return this.files.get(file);
  }

  allFacts(): IterableIterator<FileFacts> {
    return this.files.values();
  }

  get fileCount(): number {
    return this.files.size;
  }

  /** Each lookup map is built on first use only: a lazy cache decodes just the sections it needs. */
  private get l(): Lookups {
    if (this.lookups) return this.lookups;
    const files = this.files;
    const build = <K extends keyof Lookups>(k: K): Lookups[K] => {
      const have = this.maps[k] as Lookups[K] | undefined;
      if (have) return have;
      const m = new Map() as Lookups[K];
      const fill = FILLS[k] as (m: Lookups[K], f: FileFacts) => void;
      for (const f of files.values()) fill(m, f);
      this.maps[k] = m;
      return m;
    };
    this.lookups = {
      get functions() { return build('functions'); },
      get structs() { return build('structs'); },
      get macros() { return build('macros'); },
      get enums() { return build('enums'); },
      get callsFrom() { return build('callsFrom'); },
      get callsTo() { return build('callsTo'); },
    };
    return this.lookups;
  }

  functions(name: string): Located<FunctionDef>[] {
    return this.l.functions.get(name) ?? [];
  }

  /** The definition of `struct name` with the most fields (headers may forward-declare or redefine under #ifdef). */
  struct(name: string): Located<StructDef> | undefined {
    const defs = this.l.structs.get(name);
    if (!defs) return undefined;
    return defs.reduce((a, b) => (b.def.fields.length > a.def.fields.length ? b : a));
  }

  macros(name: string): Located<MacroDef>[] {
    return this.l.macros.get(name) ?? [];
  }

  functionNames(): IterableIterator<string> {
    return this.l.functions.keys();
  }

  /** Every known name of a kind, for suggestions. */
  names(kind: DefKind): string[] {
    const m = kind === 'function' ? this.l.functions : kind === 'struct' ? this.l.structs : kind === 'macro' ? this.l.macros : this.l.enums;
    return [...m.keys()];
  }

  defs(kind?: DefKind): DefRow[] {
    const rows: DefRow[] = [];
    for (const f of this.files.values()) {
      if (!kind || kind === 'function') for (const d of f.functions) rows.push({ name: d.name, kind: 'function', file: f.file, line: d.line, endLine: d.endLine });
      if (!kind || kind === 'struct') for (const d of f.structs) rows.push({ name: d.name, kind: 'struct', file: f.file, line: d.line, endLine: d.endLine });
      if (!kind || kind === 'macro') for (const d of f.macros) rows.push({ name: d.name, kind: 'macro', file: f.file, line: d.line, endLine: d.endLine });
      if (!kind || kind === 'enum') for (const d of f.enums) if (d.name) rows.push({ name: d.name, kind: 'enum', file: f.file, line: d.line, endLine: d.endLine });
    }
    return rows;
  }

  opsInstances(struct?: string): Located<OpsInstance>[] {
    const out: Located<OpsInstance>[] = [];
    for (const f of this.files.values()) for (const o of f.opsInstances) if (!struct || o.struct === struct) out.push({ file: f.file, def: o });
    return out;
  }

  callees(fn: string): CallRow[] {
    return (this.l.callsFrom.get(fn) ?? []).map((c) => ({ from: c.def.caller, to: c.def.callee, file: c.file, line: c.def.line, kind: 'direct' as const }));
  }

  /** The raw call sites from or to `fn` (no row objects made; do not mutate). */
  callSites(fn: string, direction: 'from' | 'to'): readonly Located<CallSite>[] {
    return (direction === 'from' ? this.l.callsFrom : this.l.callsTo).get(fn) ?? [];
  }

  callers(fn: string): CallRow[] {
    return (this.l.callsTo.get(fn) ?? []).map((c) => ({ from: c.def.caller, to: c.def.callee, file: c.file, line: c.def.line, kind: 'direct' as const }));
  }

  /** Whether `name` is known at all (function, macro, struct, enum) — for error messages. */
  knows(name: string): boolean {
    const l = this.l;
    return l.functions.has(name) || l.callsTo.has(name) || l.macros.has(name);
  }

  counts(): { functions: number; structs: number; opsInstances: number; callEdges: number; macros: number; enums: number } {
    let functions = 0, structs = 0, opsInstances = 0, callEdges = 0, macros = 0, enums = 0;
    for (const f of this.files.values()) {
      functions += sectionCount(f, 'functions');
      structs += sectionCount(f, 'structs');
      opsInstances += sectionCount(f, 'opsInstances');
      callEdges += sectionCount(f, 'calls');
      macros += sectionCount(f, 'macros');
      enums += sectionCount(f, 'enums');
    }
    return { functions, structs, opsInstances, callEdges, macros, enums };
  }
}

/** Up to `n` known names closest to `name` (edit distance, then shared prefix), for "did you mean". */
export function nearMisses(name: string, candidates: Iterable<string>, n = 5): string[] {
  const scored: [number, string][] = [];
  const lower = name.toLowerCase();
  for (const c of candidates) {
    if (Math.abs(c.length - name.length) > 6) continue;
    const d = editDistance(lower, c.toLowerCase(), 6);
    if (d <= Math.max(2, Math.floor(name.length / 3))) scored.push([d, c]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
  return scored.slice(0, n).map((s) => s[1]);
}

function editDistance(a: string, b: string, cap: number): number {
  let prev = new Array(b.length + 1).fill(0).map((_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, cur[j]);
    }
    if (rowMin > cap) return cap + 1;
    prev = cur;
  }
  return prev[b.length];
}

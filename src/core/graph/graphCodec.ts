// The resolved call graph as a cache section, read back lazily: a name → node hash table, per-node
// ranges of out-edge records and of in-edge references, unresolved calls and ops slots. A query
// decodes the records of the functions it visits and the strings they name, nothing else.
//
// Edges are stored generically: kind and confidence as strings, and every CallEdge field beyond
// from/to/kind/confidence/file/line/evidence as one JSON string, so new edge kinds and optional
// fields round-trip without a change here. A plain direct call takes a compact 5-int record.
import type { KernelIndex } from '../index/model.ts';
import { CorruptCache } from '../index/factsCodec.ts';
import { TableWriter, type Ints, type Strings, type TableData } from '../index/sectionFile.ts';
import type { CallEdge } from './types.ts';
import type { GraphQueries, ResolutionStats, UnresolvedCall } from './graphQueries.ts';
import { searchPath, type PathOptions } from './pathSearch.ts';

const FORMAT = 1;
const IS_FUNCTION = 1;
const DEFINED = 2;
const CORE_FIELDS = new Set(['from', 'to', 'kind', 'confidence', 'file', 'line', 'evidence']);
const DIRECT = -1;

/** FNV-1a over UTF-16 code units. */
function hashName(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Directory of the int arrays, stored at the start of the section. */
const DIR = ['format', 'nodes', 'hashSize', 'meta', 'names', 'flags', 'outStart', 'inStart', 'inList', 'unStart', 'slotStart', 'slots', 'hash', 'records', 'end'] as const;
type Dir = Record<(typeof DIR)[number], number>;

const isPlainDirect = (e: CallEdge) =>
  e.kind === 'direct' && e.confidence === 'exact' && e.evidence.file === e.file && e.evidence.line === e.line && Object.keys(e).every((k) => CORE_FIELDS.has(k));

/** What the graph section is built from: the graph and the index it was resolved on. */
export interface GraphSource {
  graph: GraphQueries;
  index: KernelIndex;
  unresolvedCallers(): Iterable<string>;
}

export function encodeGraph(src: GraphSource): TableData {
  const { graph, index } = src;
  const w = new TableWriter();
  const ids = new Map<string, number>();
  const names: string[] = [];
  const flags: number[] = [];
  const node = (name: string, flag = 0) => {
    let id = ids.get(name);
    if (id === undefined) {
      id = names.length;
      ids.set(name, id);
      names.push(name);
      flags.push(0);
    }
    flags[id] |= flag;
    return id;
  };
  for (const f of index.allFacts()) {
    for (const d of f.functions) node(d.name, DEFINED);
    for (const c of f.calls) {
      node(c.caller);
      node(c.callee);
    }
  }
  for (const n of src.unresolvedCallers()) node(n);
  // every edge out of every node, in callees order; indirect targets may add nodes
  const records: number[] = [];
  const outStart: number[] = [];
  const indirectAt = new Map<CallEdge, number>();
  const directAt: number[][] = [];
  for (let id = 0; id < names.length; id++) {
    outStart.push(records.length);
    for (const e of graph.callees(names[id])) {
      const at = records.length;
      const to = node(e.to);
      if (isPlainDirect(e)) {
        records.push(DIRECT, id, to, w.s(e.file), e.line);
        (directAt[id] ??= []).push(at);
      } else {
        const extra: Record<string, unknown> = {};
        for (const k of Object.keys(e)) if (!CORE_FIELDS.has(k)) extra[k] = (e as unknown as Record<string, unknown>)[k];
        records.push(w.s(e.kind), id, to, w.s(e.confidence), w.s(e.file), e.line, w.s(e.evidence.file), e.evidence.line, Object.keys(extra).length ? w.s(JSON.stringify(extra)) : -1);
        indirectAt.set(e, at);
      }
    }
  }
  outStart.push(records.length);
  for (let id = 0; id < names.length; id++) if (graph.isFunction(names[id])) flags[id] |= IS_FUNCTION;
  // Direct in-edges: the index lists a callee's call sites in file order, and a caller's in the same
  // order, so the k-th site of a caller met in file order is its k-th direct record.
  const directInto: number[][] = [];
  const taken: number[] = [];
  for (const f of index.allFacts()) {
    for (const c of f.calls) {
      const from = ids.get(c.caller)!;
      const k = taken[from] ?? 0;
      taken[from] = k + 1;
      const at = directAt[from]?.[k];
      if (at !== undefined) (directInto[ids.get(c.callee)!] ??= []).push(at);
    }
  }
  // in-edges in callers order: direct ones as above, indirect ones are the same objects both ways
  const inStart: number[] = [];
  const inList: number[] = [];
  for (let id = 0; id < names.length; id++) {
    inStart.push(inList.length);
    let k = 0;
    for (const e of graph.callers(names[id])) {
      const at = isPlainDirect(e) ? directInto[id]?.[k++] : indirectAt.get(e);
      if (at === undefined || records[at + 1] !== ids.get(e.from) || records[at + 2] !== id) throw new Error(`call graph is not symmetric at ${e.from} → ${e.to}`);
      inList.push(at);
    }
  }
  inStart.push(inList.length);
  const unStart: number[] = [];
  const un: number[] = [];
  const slotStart: number[] = [];
  const slots: number[] = [];
  for (let id = 0; id < names.length; id++) {
    unStart.push(un.length);
    for (const u of graph.unresolvedIn(names[id])) un.push(w.s(u.file), u.line, w.s(u.chain));
    slotStart.push(slots.length);
    for (const s of graph.slotsOf(names[id])) slots.push(w.s(s));
  }
  unStart.push(un.length);
  slotStart.push(slots.length);
  let hashSize = 1;
  while (hashSize < names.length * 2) hashSize <<= 1;
  const hash = new Int32Array(hashSize);
  for (let id = 0; id < names.length; id++) {
    let h = hashName(names[id]) & (hashSize - 1);
    while (hash[h] !== 0) h = (h + 1) & (hashSize - 1);
    hash[h] = id + 1;
  }
  const nameIds = names.map((n) => w.s(n));
  const dir = {} as Dir;
  const ints = w.ints;
  ints.push(...new Array(DIR.length).fill(0));
  const put = (k: keyof Dir, arr: ArrayLike<number>) => {
    dir[k] = ints.length;
    for (let i = 0; i < arr.length; i++) ints.push(arr[i]);
  };
  put('names', nameIds);
  put('flags', flags);
  put('outStart', outStart);
  put('inStart', inStart);
  put('inList', inList);
  put('unStart', unStart);
  put('slotStart', slotStart);
  put('slots', slots);
  put('hash', hash);
  // un records are addressed through unStart; they live right after the hash table
  const unAt = ints.length;
  for (const v of un) ints.push(v);
  put('records', records);
  dir.end = ints.length;
  dir.format = FORMAT;
  dir.nodes = names.length;
  dir.hashSize = hashSize;
  dir.meta = w.s(JSON.stringify({ stats: graph.stats, unAt }));
  const view = ints.view();
  DIR.forEach((k, i) => (view[i] = dir[k]));
  return w.data();
}

/** The call graph read back from its section. Any inconsistency found while decoding throws CorruptCache. */
export class StoredGraph implements GraphQueries {
  private readonly d: Ints;
  private readonly dir: Dir;
  readonly stats: ResolutionStats;
  private readonly unAt: number;
  private readonly memo = { out: new Map<string, CallEdge[]>(), in: new Map<string, CallEdge[]>() };

  constructor(private readonly t: { strings: Strings; ints: Ints }) {
    this.d = t.ints;
    if (this.d.length < DIR.length) throw new CorruptCache('graph section too short');
    const dir = {} as Dir;
    DIR.forEach((k, i) => (dir[k] = this.d.get(i)));
    this.dir = dir;
    if (dir.format !== FORMAT) throw new CorruptCache(`graph section format ${dir.format}`);
    const n = dir.nodes;
    const ok = (at: number, len: number) => Number.isInteger(at) && at >= DIR.length && at + len <= this.d.length;
    if (n < 0 || dir.end !== this.d.length || (dir.hashSize & (dir.hashSize - 1)) !== 0 || dir.hashSize < n
      || !ok(dir.names, n) || !ok(dir.flags, n) || !ok(dir.outStart, n + 1) || !ok(dir.inStart, n + 1) || !ok(dir.unStart, n + 1) || !ok(dir.slotStart, n + 1) || !ok(dir.hash, dir.hashSize) || !ok(dir.records, 0)) {
      throw new CorruptCache('graph section directory out of range');
    }
    let meta: { stats: ResolutionStats; unAt: number };
    try {
      meta = JSON.parse(t.strings.get(dir.meta));
    } catch (e) {
      throw e instanceof CorruptCache ? e : new CorruptCache('graph section metadata unreadable');
    }
    this.stats = meta.stats;
    this.unAt = meta.unAt;
  }

  private at(i: number): number {
    if (i < 0 || i >= this.d.length) throw new CorruptCache('graph record out of range');
    return this.d.get(i);
  }

  private name(id: number): string {
    if (id < 0 || id >= this.dir.nodes) throw new CorruptCache(`graph node ${id} out of range`);
    return this.t.strings.get(this.d.get(this.dir.names + id));
  }

  /** Node id of a name, or -1. */
  id(name: string): number {
    const mask = this.dir.hashSize - 1;
    for (let h = hashName(name) & mask, probes = 0; probes <= mask; h = (h + 1) & mask, probes++) {
      const v = this.at(this.dir.hash + h);
      if (v === 0) return -1;
      if (this.name(v - 1) === name) return v - 1;
    }
    return -1;
  }

  private flags(name: string): number {
    const id = this.id(name);
    return id < 0 ? 0 : this.d.get(this.dir.flags + id);
  }

  isFunction(name: string): boolean {
    return (this.flags(name) & IS_FUNCTION) !== 0;
  }

  /** Called, calling or defined: a name the graph has rows for. */
  has(name: string): boolean {
    return this.id(name) >= 0;
  }

  /** Names of defined functions (for suggestions; decodes every node name). */
  definedFunctions(): string[] {
    const out: string[] = [];
    for (let id = 0; id < this.dir.nodes; id++) if (this.d.get(this.dir.flags + id) & DEFINED) out.push(this.name(id));
    return out;
  }

  private range(start: number, id: number): [number, number] {
    const a = this.at(start + id), b = this.at(start + id + 1);
    if (a > b) throw new CorruptCache('graph ranges out of order');
    return [a, b];
  }

  /** The edge whose record starts `rel` ints into the record area, and where the next one starts. */
  private record(rel: number): [CallEdge, number] {
    const off = this.dir.records + rel;
    if (rel < 0 || off >= this.d.length) throw new CorruptCache('graph edge reference out of range');
    const s = (i: number) => this.t.strings.get(this.at(i));
    const tag = this.d.get(off);
    if (tag === DIRECT) {
      const file = s(off + 3), line = this.at(off + 4);
      return [{ from: this.name(this.at(off + 1)), to: this.name(this.at(off + 2)), kind: 'direct', confidence: 'exact', file, line, evidence: { file, line } }, rel + 5];
    }
    const e = {
      from: this.name(this.at(off + 1)),
      to: this.name(this.at(off + 2)),
      kind: s(off),
      confidence: s(off + 3),
      file: s(off + 4),
      line: this.at(off + 5),
      evidence: { file: s(off + 6), line: this.at(off + 7) },
    } as CallEdge;
    const extra = this.at(off + 8);
    if (extra >= 0) {
      let x: unknown;
      try {
        x = JSON.parse(s(off + 8));
      } catch {
        throw new CorruptCache('graph edge extra fields unreadable');
      }
      Object.assign(e, x);
    }
    return [e, rel + 9];
  }

  callees(fn: string): readonly CallEdge[] {
    let r = this.memo.out.get(fn);
    if (!r) {
      r = [];
      const id = this.id(fn);
      if (id >= 0) {
        const [a, b] = this.range(this.dir.outStart, id);
        for (let rel = a; rel < b; ) {
          const [e, next] = this.record(rel);
          r.push(e);
          if (next <= rel) throw new CorruptCache('graph records out of order');
          rel = next;
        }
      }
      this.memo.out.set(fn, r);
    }
    return r;
  }

  /** How many edges come into `fn` (no edge decoded). */
  callerCount(fn: string): number {
    const id = this.id(fn);
    if (id < 0) return 0;
    const [a, b] = this.range(this.dir.inStart, id);
    return b - a;
  }

  callers(fn: string): readonly CallEdge[] {
    let r = this.memo.in.get(fn);
    if (!r) {
      r = [];
      const id = this.id(fn);
      if (id >= 0) {
        const [a, b] = this.range(this.dir.inStart, id);
        for (let i = a; i < b; i++) r.push(this.record(this.at(this.dir.inList + i))[0]);
      }
      this.memo.in.set(fn, r);
    }
    return r;
  }

  unresolvedIn(fn: string): readonly UnresolvedCall[] {
    const id = this.id(fn);
    if (id < 0) return [];
    const [a, b] = this.range(this.dir.unStart, id);
    const out: UnresolvedCall[] = [];
    for (let i = a; i < b; i += 3) {
      const at = this.unAt + i;
      out.push({ caller: fn, file: this.t.strings.get(this.at(at)), line: this.at(at + 1), chain: this.t.strings.get(this.at(at + 2)) });
    }
    return out;
  }

  slotsOf(fn: string): readonly string[] {
    const id = this.id(fn);
    if (id < 0) return [];
    const [a, b] = this.range(this.dir.slotStart, id);
    const out: string[] = [];
    for (let i = a; i < b; i++) out.push(this.t.strings.get(this.at(this.dir.slots + i)));
    return out;
  }

  path(from: string, to: string, opts?: PathOptions) {
    return searchPath(this, from, to, opts);
  }
}

// Compact encoding of FileFacts for the cache: every string is an index into one shared string
// table, every record a run of int32s. Decoding is a single pass over an Int32Array.
import { nameRecord, type FileFacts, type FieldDef, type OpsInstance } from './facts.ts';

export class StringTable {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();
  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(s);
      this.ids.set(s, id);
    }
    return id;
  }
}

/** A growable int32 buffer (a plain number[] of 15M entries costs twice the memory). */
export class IntBuffer {
  private buf = new Int32Array(1 << 16);
  length = 0;
  push(...v: number[]): void {
    if (this.length + v.length > this.buf.length) {
      const next = new Int32Array(Math.max(this.buf.length * 2, this.length + v.length));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    for (const x of v) this.buf[this.length++] = x;
  }
  view(): Int32Array {
    return this.buf.subarray(0, this.length);
  }
}

/** Sections stored as fixed tuples: field name and type (`s` string, `n` number, `a` string list). */
const TUPLES = {
  memberCalls: [['caller', 's'], ['line', 'n'], ['chain', 's']],
  stores: [['context', 's'], ['line', 'n'], ['chain', 's'], ['value', 's'], ['param', 'n']],
  hints: [['caller', 's'], ['line', 'n'], ['macro', 's'], ['candidates', 'a']],
  args: [['caller', 's'], ['callee', 's'], ['line', 'n'], ['index', 'n'], ['name', 's']],
  paramCalls: [['fn', 's'], ['index', 'n'], ['line', 'n']],
  typedefs: [['name', 's'], ['target', 's'], ['line', 'n']],
  copies: [['context', 's'], ['line', 'n'], ['chain', 's'], ['from', 's']],
  pointerCalls: [['caller', 's'], ['line', 'n'], ['local', 's'], ['chain', 's']],
  returns: [['fn', 's'], ['line', 'n'], ['value', 's']],
  callArgs: [['caller', 's'], ['callee', 's'], ['line', 'n'], ['index', 'n'], ['fn', 's']],
} as const satisfies Record<string, readonly (readonly [string, 's' | 'n' | 'a'])[]>;
type TupleSection = keyof typeof TUPLES;
const TUPLE_SECTIONS = Object.keys(TUPLES) as TupleSection[];

function encodeValue(v: unknown, type: 's' | 'n' | 'a', st: StringTable, out: IntBuffer): void {
  if (type === 's') out.push(st.id(v as string));
  else if (type === 'n') out.push(v as number);
  else {
    const list = v as string[];
    out.push(list.length);
    for (const x of list) out.push(st.id(x));
  }
}

/** Appends the encoding of `f` to `out`. `-1` encodes an absent optional. */
export function encodeFacts(f: FileFacts, st: StringTable, out: IntBuffer): number[] {
  const at: number[] = [];
  const s = (x: string) => st.id(x);
  const opt = (x: string | undefined) => (x === undefined ? -1 : st.id(x));
  at.push(out.length);
  out.push(f.functions.length);
  for (const d of f.functions) out.push(s(d.name), d.line, d.startLine, d.endLine, s(d.signature), (d.isStatic ? 1 : 0) | (d.isInline ? 2 : 0), opt(d.definedBy));
  at.push(out.length);
  out.push(f.prototypes.length);
  for (const p of f.prototypes) out.push(s(p.name), p.line, s(p.signature));
  at.push(out.length);
  out.push(f.structs.length);
  for (const d of f.structs) {
    out.push(s(d.name), d.kind === 'union' ? 1 : 0, d.line, d.endLine, s(d.doc), d.fields.length);
    for (const x of d.fields) out.push(s(x.name), s(x.type), x.line, s(x.doc));
  }
  at.push(out.length);
  out.push(f.enums.length);
  for (const e of f.enums) {
    out.push(s(e.name), e.line, e.endLine, e.members.length);
    for (const m of e.members) out.push(s(m.name), m.line, opt(m.value));
  }
  at.push(out.length);
  out.push(f.macros.length);
  for (const m of f.macros) {
    out.push(s(m.name), m.line, m.endLine, s(m.body), m.params ? m.params.length : -1);
    if (m.params) for (const p of m.params) out.push(s(p));
  }
  at.push(out.length);
  encodeInstances(f.opsInstances, st, out);
  at.push(out.length);
  out.push(f.calls.length);
  for (const c of f.calls) out.push(s(c.caller), s(c.callee), c.line);
  at.push(out.length);
  out.push(f.refs.length);
  for (const r of f.refs) out.push(s(r.name), r.line, s(r.context));
  for (const k of TUPLE_SECTIONS) {
    at.push(out.length);
    const rows = f[k] as unknown as Record<string, unknown>[];
    out.push(rows.length);
    for (const row of rows) for (const [field, type] of TUPLES[k]) encodeValue(row[field], type, st, out);
  }
  at.push(out.length);
  encodeInstances(f.localInstances, st, out);
  at.push(out.length);
  out.push(f.syntaxErrors, f.firstErrorLine ?? -1, f.lexicalBodies ?? 0);
  return at;
}

function encodeInstances(list: readonly OpsInstance[], st: StringTable, out: IntBuffer): void {
  out.push(list.length);
  for (const o of list) {
    const keys = Object.keys(o.members);
    out.push(st.id(o.struct), st.id(o.name), o.line, o.endLine, o.isStatic ? 1 : 0, keys.length);
    for (const k of keys) out.push(st.id(k), st.id(o.members[k]), o.memberLines[k] ?? 0);
  }
}

export class CorruptCache extends Error {}

/** Strings of a cache, decoded one at a time on first use (decoding all of them up front costs more than the rest of a warm open). */
export class LazyStrings {
  private readonly cache: (string | undefined)[];
  /** `ends[i]` is the byte offset of the NUL after string i. */
  constructor(private readonly blob: Buffer, private readonly ends: Int32Array) {
    this.cache = new Array(ends.length);
  }
  get length(): number {
    return this.ends.length;
  }
  get(i: number): string {
    let v = this.cache[i];
    if (v === undefined) {
      if (i < 0 || i >= this.ends.length) throw new CorruptCache(`string index ${i} out of range`);
      v = this.blob.toString('utf8', i === 0 ? 0 : this.ends[i - 1] + 1, this.ends[i]);
      this.cache[i] = v;
    }
    return v;
  }
}

/** The sections of an encoded FileFacts, in order. */
export const SECTIONS = ['functions', 'prototypes', 'structs', 'enums', 'macros', 'opsInstances', 'calls', 'refs', 'memberCalls', 'stores', 'hints', 'args', 'paramCalls', 'typedefs', 'copies', 'pointerCalls', 'returns', 'callArgs', 'localInstances'] as const;
export type Section = (typeof SECTIONS)[number];

class Reader {
  constructor(readonly d: Int32Array, public p: number, readonly strings: LazyStrings) {}
  n(): number {
    if (this.p >= this.d.length) throw new CorruptCache('record runs past the end of the data');
    return this.d[this.p++];
  }
  s(): string {
    return this.strings.get(this.n());
  }
  opt(): string | undefined {
    const i = this.n();
    return i === -1 ? undefined : this.strings.get(i);
  }
  count(): number {
    const c = this.n();
    if (c < 0 || c > this.d.length) throw new CorruptCache(`bad record count ${c}`);
    return c;
  }
}

type SectionValue<K extends Section> = FileFacts[K];

function decodeInstances(r: Reader): OpsInstance[] {
  const out: OpsInstance[] = [];
  for (let k = r.count(); k > 0; k--) {
    const struct = r.s(), name = r.s(), line = r.n(), endLine = r.n(), isStatic = r.n() === 1;
    const members = nameRecord<string>();
    const memberLines = nameRecord<number>();
    for (let j = r.count(); j > 0; j--) {
      const key = r.s();
      members[key] = r.s();
      memberLines[key] = r.n();
    }
    out.push({ struct, name, line, endLine, members, memberLines, isStatic });
  }
  return out;
}

function tupleDecoder<K extends TupleSection>(k: K): (r: Reader) => SectionValue<K> {
  const fields = TUPLES[k];
  return (r) => {
    const out: Record<string, unknown>[] = [];
    for (let n = r.count(); n > 0; n--) {
      const row: Record<string, unknown> = {};
      for (const [field, type] of fields) {
        if (type === 's') row[field] = r.s();
        else if (type === 'n') row[field] = r.n();
        else {
          const list: string[] = [];
          for (let j = r.count(); j > 0; j--) list.push(r.s());
          row[field] = list;
        }
      }
      out.push(row);
    }
    return out as unknown as SectionValue<K>;
  };
}

const decoders: { [K in Section]: (r: Reader) => SectionValue<K> } = {
  memberCalls: tupleDecoder('memberCalls'),
  stores: tupleDecoder('stores'),
  hints: tupleDecoder('hints'),
  args: tupleDecoder('args'),
  paramCalls: tupleDecoder('paramCalls'),
  typedefs: tupleDecoder('typedefs'),
  copies: tupleDecoder('copies'),
  pointerCalls: tupleDecoder('pointerCalls'),
  returns: tupleDecoder('returns'),
  callArgs: tupleDecoder('callArgs'),
  localInstances: decodeInstances,
  opsInstances: decodeInstances,
  functions(r) {
    const out: FileFacts['functions'] = [];
    for (let k = r.count(); k > 0; k--) {
      const name = r.s(), line = r.n(), startLine = r.n(), endLine = r.n(), signature = r.s(), flags = r.n(), definedBy = r.opt();
      out.push({ name, line, startLine, endLine, signature, isStatic: (flags & 1) !== 0, isInline: (flags & 2) !== 0, ...(definedBy !== undefined ? { definedBy } : {}) });
    }
    return out;
  },
  prototypes(r) {
    const out: FileFacts['prototypes'] = [];
    for (let k = r.count(); k > 0; k--) out.push({ name: r.s(), line: r.n(), signature: r.s() });
    return out;
  },
  structs(r) {
    const out: FileFacts['structs'] = [];
    for (let k = r.count(); k > 0; k--) {
      const name = r.s(), kind = r.n() === 1 ? ('union' as const) : ('struct' as const), line = r.n(), endLine = r.n(), doc = r.s();
      const fields: FieldDef[] = [];
      for (let j = r.count(); j > 0; j--) fields.push({ name: r.s(), type: r.s(), line: r.n(), doc: r.s() });
      out.push({ name, kind, line, endLine, doc, fields });
    }
    return out;
  },
  enums(r) {
    const out: FileFacts['enums'] = [];
    for (let k = r.count(); k > 0; k--) {
      const name = r.s(), line = r.n(), endLine = r.n();
      const members: FileFacts['enums'][number]['members'] = [];
      for (let j = r.count(); j > 0; j--) {
        const mname = r.s(), mline = r.n(), value = r.opt();
        members.push({ name: mname, line: mline, ...(value !== undefined ? { value } : {}) });
      }
      out.push({ name, line, endLine, members });
    }
    return out;
  },
  macros(r) {
    const out: FileFacts['macros'] = [];
    for (let k = r.count(); k > 0; k--) {
      const name = r.s(), line = r.n(), endLine = r.n(), body = r.s(), np = r.n();
      const params: string[] | undefined = np >= 0 ? [] : undefined;
      for (let j = 0; j < np; j++) params!.push(r.s());
      out.push({ name, line, endLine, body, ...(params ? { params } : {}) });
    }
    return out;
  },
  calls(r) {
    const out: FileFacts['calls'] = [];
    for (let k = r.count(); k > 0; k--) out.push({ caller: r.s(), callee: r.s(), line: r.n() });
    return out;
  },
  refs(r) {
    const out: FileFacts['refs'] = [];
    for (let k = r.count(); k > 0; k--) out.push({ name: r.s(), line: r.n(), context: r.s() });
    return out;
  },
};

/**
 * One file's facts read from the cache section by section, on first access: a warm open touches
 * only what its queries need. Assigning a section replaces it like a plain FileFacts field.
 */
export class LazyFacts implements FileFacts {
  private readonly loaded: Partial<{ [K in Section]: SectionValue<K> }> = {};
  syntaxErrors: number;
  firstErrorLine?: number;
  lexicalBodies?: number;

  /** `at[k]` is where section k starts; the last entry where the trailer (error count, first error line, lexical bodies) is. */
  constructor(readonly file: string, private readonly d: Int32Array, private readonly at: readonly number[], private readonly strings: LazyStrings) {
    if (at.length !== SECTIONS.length + 1 || at[at.length - 1] + 3 > d.length) throw new CorruptCache(`bad section table for ${file}`);
    this.syntaxErrors = d[at[SECTIONS.length]];
    const fe = d[at[SECTIONS.length] + 1];
    if (fe >= 0) this.firstErrorLine = fe;
    const lex = d[at[SECTIONS.length] + 2];
    if (lex > 0) this.lexicalBodies = lex;
  }

  private get<K extends Section>(k: K): SectionValue<K> {
    let v = this.loaded[k] as SectionValue<K> | undefined;
    if (!v) {
      const i = SECTIONS.indexOf(k);
      const r = new Reader(this.d, this.at[i], this.strings);
      v = decoders[k](r) as SectionValue<K>;
      if (r.p !== this.at[i + 1]) throw new CorruptCache(`section ${k} of ${this.file} has the wrong length`);
      (this.loaded as Record<string, unknown>)[k] = v;
    }
    return v;
  }

  /** Number of records of a section without decoding it. */
  count(k: Section): number {
    return this.loaded[k]?.length ?? this.d[this.at[SECTIONS.indexOf(k)]];
  }

  /** Decode every section now (verifies the whole record). */
  loadAll(): this {
    for (const k of SECTIONS) this.get(k);
    return this;
  }

  toJSON(): FileFacts {
    const out = { file: this.file } as FileFacts;
    for (const k of SECTIONS) (out as unknown as Record<string, unknown>)[k] = this.get(k);
    out.syntaxErrors = this.syntaxErrors;
    if (this.firstErrorLine !== undefined) out.firstErrorLine = this.firstErrorLine;
    if (this.lexicalBodies) out.lexicalBodies = this.lexicalBodies;
    return out;
  }

  get functions() { return this.get('functions'); }
  set functions(v) { this.loaded.functions = v; }
  get prototypes() { return this.get('prototypes'); }
  set prototypes(v) { this.loaded.prototypes = v; }
  get structs() { return this.get('structs'); }
  set structs(v) { this.loaded.structs = v; }
  get enums() { return this.get('enums'); }
  set enums(v) { this.loaded.enums = v; }
  get macros() { return this.get('macros'); }
  set macros(v) { this.loaded.macros = v; }
  get opsInstances() { return this.get('opsInstances'); }
  set opsInstances(v) { this.loaded.opsInstances = v; }
  get calls() { return this.get('calls'); }
  set calls(v) { this.loaded.calls = v; }
  get refs() { return this.get('refs'); }
  set refs(v) { this.loaded.refs = v; }
  get memberCalls() { return this.get('memberCalls'); }
  set memberCalls(v) { this.loaded.memberCalls = v; }
  get stores() { return this.get('stores'); }
  set stores(v) { this.loaded.stores = v; }
  get hints() { return this.get('hints'); }
  set hints(v) { this.loaded.hints = v; }
  get args() { return this.get('args'); }
  set args(v) { this.loaded.args = v; }
  get paramCalls() { return this.get('paramCalls'); }
  set paramCalls(v) { this.loaded.paramCalls = v; }
  get typedefs() { return this.get('typedefs'); }
  set typedefs(v) { this.loaded.typedefs = v; }
  get copies() { return this.get('copies'); }
  set copies(v) { this.loaded.copies = v; }
  get pointerCalls() { return this.get('pointerCalls'); }
  set pointerCalls(v) { this.loaded.pointerCalls = v; }
  get returns() { return this.get('returns'); }
  set returns(v) { this.loaded.returns = v; }
  get callArgs() { return this.get('callArgs'); }
  set callArgs(v) { this.loaded.callArgs = v; }
  get localInstances() { return this.get('localInstances'); }
  set localInstances(v) { this.loaded.localInstances = v; }
}

/** Records per section of any FileFacts, without decoding a lazy one. */
export function sectionCount(f: FileFacts, k: Section): number {
  return f instanceof LazyFacts ? f.count(k) : f[k].length;
}

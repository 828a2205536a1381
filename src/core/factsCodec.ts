// Compact encoding of FileFacts for the cache: every string is an index into one shared string
// table, every record a run of int32s. Decoding is a single pass over an Int32Array.
import type { FileFacts, FieldDef } from './facts.ts';
import { emptyFacts } from './facts.ts';

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

/** Appends the encoding of `f` to `out`. `-1` encodes an absent optional. */
export function encodeFacts(f: FileFacts, st: StringTable, out: IntBuffer): void {
  const s = (x: string) => st.id(x);
  const opt = (x: string | undefined) => (x === undefined ? -1 : st.id(x));
  out.push(f.functions.length);
  for (const d of f.functions) out.push(s(d.name), d.line, d.startLine, d.endLine, s(d.signature), (d.isStatic ? 1 : 0) | (d.isInline ? 2 : 0), opt(d.definedBy));
  out.push(f.prototypes.length);
  for (const p of f.prototypes) out.push(s(p.name), p.line, s(p.signature));
  out.push(f.structs.length);
  for (const d of f.structs) {
    out.push(s(d.name), d.kind === 'union' ? 1 : 0, d.line, d.endLine, s(d.doc), d.fields.length);
    for (const x of d.fields) out.push(s(x.name), s(x.type), x.line, s(x.doc));
  }
  out.push(f.enums.length);
  for (const e of f.enums) {
    out.push(s(e.name), e.line, e.endLine, e.members.length);
    for (const m of e.members) out.push(s(m.name), m.line, opt(m.value));
  }
  out.push(f.macros.length);
  for (const m of f.macros) {
    out.push(s(m.name), m.line, m.endLine, s(m.body), m.params ? m.params.length : -1);
    if (m.params) for (const p of m.params) out.push(s(p));
  }
  out.push(f.opsInstances.length);
  for (const o of f.opsInstances) {
    const keys = Object.keys(o.members);
    out.push(s(o.struct), s(o.name), o.line, o.endLine, o.isStatic ? 1 : 0, keys.length);
    for (const k of keys) out.push(s(k), s(o.members[k]), o.memberLines[k] ?? 0);
  }
  out.push(f.calls.length);
  for (const c of f.calls) out.push(s(c.caller), s(c.callee), c.line);
  out.push(f.refs.length);
  for (const r of f.refs) out.push(s(r.name), r.line, s(r.context));
  out.push(f.syntaxErrors, f.firstErrorLine ?? -1);
}

export class CorruptCache extends Error {}

/** Decodes one FileFacts starting at `pos`; returns it and the position after it. */
export function decodeFacts(file: string, d: Int32Array, pos: number, strings: readonly string[]): { facts: FileFacts; next: number } {
  let p = pos;
  const n = () => {
    if (p >= d.length) throw new CorruptCache('record runs past the end of the data');
    return d[p++];
  };
  const s = () => {
    const i = n();
    const v = strings[i];
    if (v === undefined) throw new CorruptCache(`string index ${i} out of range`);
    return v;
  };
  const opt = () => {
    const i = n();
    return i === -1 ? undefined : strings[i];
  };
  const count = () => {
    const c = n();
    if (c < 0 || c > d.length) throw new CorruptCache(`bad record count ${c}`);
    return c;
  };
  const f = emptyFacts(file);
  for (let k = count(); k > 0; k--) {
    const name = s(), line = n(), startLine = n(), endLine = n(), signature = s(), flags = n(), definedBy = opt();
    f.functions.push({ name, line, startLine, endLine, signature, isStatic: (flags & 1) !== 0, isInline: (flags & 2) !== 0, ...(definedBy !== undefined ? { definedBy } : {}) });
  }
  for (let k = count(); k > 0; k--) f.prototypes.push({ name: s(), line: n(), signature: s() });
  for (let k = count(); k > 0; k--) {
    const name = s(), kind = n() === 1 ? ('union' as const) : ('struct' as const), line = n(), endLine = n(), doc = s();
    const fields: FieldDef[] = [];
    for (let j = count(); j > 0; j--) fields.push({ name: s(), type: s(), line: n(), doc: s() });
    f.structs.push({ name, kind, line, endLine, doc, fields });
  }
  for (let k = count(); k > 0; k--) {
    const name = s(), line = n(), endLine = n();
    const members: FileFacts['enums'][number]['members'] = [];
    for (let j = count(); j > 0; j--) {
      const mname = s(), mline = n(), value = opt();
      members.push({ name: mname, line: mline, ...(value !== undefined ? { value } : {}) });
    }
    f.enums.push({ name, line, endLine, members });
  }
  for (let k = count(); k > 0; k--) {
    const name = s(), line = n(), endLine = n(), body = s(), np = n();
    const params: string[] | undefined = np >= 0 ? [] : undefined;
    for (let j = 0; j < np; j++) params!.push(s());
    f.macros.push({ name, line, endLine, body, ...(params ? { params } : {}) });
  }
  for (let k = count(); k > 0; k--) {
    const struct = s(), name = s(), line = n(), endLine = n(), isStatic = n() === 1;
    const members: Record<string, string> = {};
    const memberLines: Record<string, number> = {};
    for (let j = count(); j > 0; j--) {
      const key = s();
      members[key] = s();
      memberLines[key] = n();
    }
    f.opsInstances.push({ struct, name, line, endLine, members, memberLines, isStatic });
  }
  for (let k = count(); k > 0; k--) f.calls.push({ caller: s(), callee: s(), line: n() });
  for (let k = count(); k > 0; k--) f.refs.push({ name: s(), line: n(), context: s() });
  f.syntaxErrors = n();
  const fe = n();
  if (fe >= 0) f.firstErrorLine = fe;
  return { facts: f, next: p };
}

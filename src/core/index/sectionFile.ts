// A file of named, independently checksummed sections (the derived state beside the facts).
// Layout: MAGIC | u32 headerBytes | header JSON (meta + per section: offset, bytes, crc32) | padding | sections.
// Every section starts at a multiple of 8, so its int32 data can be viewed in place. A section is
// checked (crc32) when first read, not before: a query touches only the sections it needs, and a
// damaged section is reported alone while the others stay usable.
import { crc32 } from 'node:zlib';
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { CorruptCache, LazyStrings, StringTable, IntBuffer } from './factsCodec.ts';
import { writeFileAtomic } from './cacheDir.ts';

const MAGIC = Buffer.from('NSADERV1', 'latin1');

export interface SectionEntry {
  at: number;
  bytes: number;
  crc: number;
}

export interface SectionFileHeader<M> {
  meta: M;
  sections: Record<string, SectionEntry>;
}

/** Strings and int32s of one section, as written. */
export interface TableData {
  strings: readonly string[];
  ints: Int32Array;
}

/** A section read back: strings decoded one at a time, ints viewed in place. */
export interface Table {
  strings: LazyStrings;
  ints: Int32Array;
}

/** Collects a section's strings (deduplicated) and ints. */
export class TableWriter {
  readonly st = new StringTable();
  readonly ints = new IntBuffer();
  s(v: string): number {
    return this.st.id(v);
  }
  data(): TableData {
    return { strings: this.st.list, ints: this.ints.view() };
  }
}

const pad8 = (n: number) => (n + 7) & ~7;

/** Encodes a table: u32 stringCount | u32 blobBytes | blob | pad | int32 ends | u32 intCount | pad | int32 data. */
export function encodeTable(t: TableData): Buffer {
  const blob = Buffer.from(t.strings.join('\0'), 'utf8');
  const ends = new Int32Array(t.strings.length);
  for (let i = 0, pos = -1; i < ends.length; i++) {
    pos = blob.indexOf(0, pos + 1);
    ends[i] = pos < 0 ? blob.length : pos;
  }
  const endsAt = pad8(8 + blob.length);
  const intsAt = pad8(endsAt + ends.byteLength + 4);
  const out = Buffer.alloc(intsAt + t.ints.byteLength);
  out.writeUInt32LE(t.strings.length, 0);
  out.writeUInt32LE(blob.length, 4);
  blob.copy(out, 8);
  Buffer.from(ends.buffer, ends.byteOffset, ends.byteLength).copy(out, endsAt);
  out.writeUInt32LE(t.ints.length, endsAt + ends.byteLength);
  Buffer.from(t.ints.buffer, t.ints.byteOffset, t.ints.byteLength).copy(out, intsAt);
  return out;
}

function int32View(buf: Buffer, at: number, count: number): Int32Array {
  if (at < 0 || at + count * 4 > buf.length) throw new CorruptCache('section runs past its end');
  if ((buf.byteOffset + at) % 4 === 0) return new Int32Array(buf.buffer, buf.byteOffset + at, count);
  const out = new Int32Array(count);
  Buffer.from(out.buffer).set(buf.subarray(at, at + count * 4));
  return out;
}

export function decodeTable(buf: Buffer): Table {
  if (buf.length < 8) throw new CorruptCache('section too short');
  const count = buf.readUInt32LE(0);
  const blobBytes = buf.readUInt32LE(4);
  if (8 + blobBytes > buf.length) throw new CorruptCache('string blob runs past the section');
  const blob = buf.subarray(8, 8 + blobBytes);
  const endsAt = pad8(8 + blobBytes);
  const ends = int32View(buf, endsAt, count);
  for (let i = 0, prev = -1; i < count; i++) {
    if (ends[i] <= prev || ends[i] > blobBytes) throw new CorruptCache('string table out of order');
    prev = ends[i];
  }
  if (endsAt + count * 4 + 4 > buf.length) throw new CorruptCache('section truncated');
  const intCount = buf.readUInt32LE(endsAt + count * 4);
  const ints = int32View(buf, pad8(endsAt + count * 4 + 4), intCount);
  return { strings: new LazyStrings(blob, ends), ints };
}

/** Writes header and sections atomically (temporary file, fsync, rename). */
export function writeSectionFile<M>(path: string, meta: M, sections: Record<string, Buffer>): void {
  const names = Object.keys(sections);
  const entries: Record<string, SectionEntry> = {};
  // header size depends on the offsets: lay out with a generous header slot, then fill it in
  let offsets = 0;
  const header = () => Buffer.from(JSON.stringify({ meta, sections: entries } satisfies SectionFileHeader<M>), 'utf8');
  for (const n of names) entries[n] = { at: 0, bytes: sections[n].length, crc: crc32(sections[n]) };
  let start = pad8(MAGIC.length + 4 + header().length + 64);
  for (;;) {
    offsets = start;
    for (const n of names) {
      entries[n].at = offsets;
      offsets = pad8(offsets + sections[n].length);
    }
    const h = header();
    if (MAGIC.length + 4 + h.length <= start) break;
    start = pad8(MAGIC.length + 4 + h.length + 64);
  }
  const out = Buffer.alloc(offsets);
  MAGIC.copy(out, 0);
  const h = header();
  out.writeUInt32LE(h.length, MAGIC.length);
  h.copy(out, MAGIC.length + 4);
  for (const n of names) sections[n].copy(out, entries[n].at);
  writeFileAtomic(path, [out]);
}

/**
 * An open section file: the header is read at once, each section on first use (one positioned
 * read, then its crc32). Returns undefined when the file does not exist; throws CorruptCache when
 * the header is unreadable.
 */
export class SectionFile<M> {
  private constructor(readonly path: string, readonly header: SectionFileHeader<M>, private readonly fd: number, private readonly size: number) {}

  static open<M>(path: string): SectionFile<M> | undefined {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new CorruptCache(`cannot read ${path}: ${(e as Error).message}`);
    }
    try {
      const size = fstatSync(fd).size;
      const head = Buffer.alloc(Math.min(size, 64 * 1024));
      readSync(fd, head, 0, head.length, 0);
      if (head.length < MAGIC.length + 4 || !head.subarray(0, MAGIC.length).equals(MAGIC)) throw new CorruptCache('not a derived-state file');
      const hlen = head.readUInt32LE(MAGIC.length);
      let hbuf = head.subarray(MAGIC.length + 4, MAGIC.length + 4 + hlen);
      if (MAGIC.length + 4 + hlen > head.length) {
        if (MAGIC.length + 4 + hlen > size) throw new CorruptCache('header runs past the end');
        hbuf = Buffer.alloc(hlen);
        readSync(fd, hbuf, 0, hlen, MAGIC.length + 4);
      }
      let header: SectionFileHeader<M>;
      try {
        header = JSON.parse(hbuf.toString('utf8'));
      } catch {
        throw new CorruptCache('unreadable header');
      }
      if (!header || typeof header !== 'object' || !header.sections || typeof header.sections !== 'object') throw new CorruptCache('unreadable header');
      return new SectionFile(path, header, fd, size);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  has(name: string): boolean {
    return Object.hasOwn(this.header.sections, name);
  }

  /** The raw bytes of a section, checked; throws CorruptCache naming the section. */
  raw(name: string): Buffer {
    const e = Object.hasOwn(this.header.sections, name) ? this.header.sections[name] : undefined;
    if (!e) throw new CorruptCache(`no section ${name}`);
    if (!Number.isInteger(e.at) || !Number.isInteger(e.bytes) || e.at < 0 || e.bytes < 0 || e.at + e.bytes > this.size) throw new CorruptCache(`section ${name} runs past the end of the file`);
    const buf = Buffer.alloc(e.bytes);
    readSync(this.fd, buf, 0, e.bytes, e.at);
    if (crc32(buf) !== e.crc) throw new CorruptCache(`section ${name} fails its checksum`);
    return buf;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}

/** JSON sections: one UTF-8 document. */
export const encodeJson = (v: unknown): Buffer => Buffer.from(JSON.stringify(v), 'utf8');
export function decodeJson<T>(buf: Buffer): T {
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch {
    throw new CorruptCache('section is not valid JSON');
  }
}


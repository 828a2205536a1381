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
  /** crc32 of the whole section; for a paged section, of its page table (each page has its own). */
  crc: number;
  paged?: boolean;
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

/** `count` int32s at byte `at`: viewed in place when aligned (always, for a file read whole), else copied. */
export function int32View(buf: Buffer, at: number, count: number): Int32Array {
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
export function writeSectionFile<M>(path: string, meta: M, sections: Record<string, Buffer | Paged>): void {
  const names = Object.keys(sections);
  const entries: Record<string, SectionEntry> = {};
  // header size depends on the offsets: lay out with a generous header slot, then fill it in
  let offsets = 0;
  const header = () => Buffer.from(JSON.stringify({ meta, sections: entries } satisfies SectionFileHeader<M>), 'utf8');
  const bufs: Record<string, Buffer> = {};
  for (const n of names) {
    const v = sections[n];
    bufs[n] = v instanceof Paged ? v.bytes : v;
    entries[n] = v instanceof Paged ? { at: 0, bytes: v.bytes.length, crc: crc32(v.bytes.subarray(0, v.headerBytes)), paged: true } : { at: 0, bytes: v.length, crc: crc32(v) };
  }
  let start = pad8(MAGIC.length + 4 + header().length + 64);
  for (;;) {
    offsets = start;
    for (const n of names) {
      entries[n].at = offsets;
      offsets = pad8(offsets + bufs[n].length);
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
  for (const n of names) bufs[n].copy(out, entries[n].at);
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
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM') return undefined; // none this process may read
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

  private entry(name: string): SectionEntry {
    const e = Object.hasOwn(this.header.sections, name) ? this.header.sections[name] : undefined;
    if (!e) throw new CorruptCache(`no section ${name}`);
    if (!Number.isInteger(e.at) || !Number.isInteger(e.bytes) || e.at < 0 || e.bytes < 0 || e.at + e.bytes > this.size) throw new CorruptCache(`section ${name} runs past the end of the file`);
    return e;
  }

  private read(at: number, len: number): Buffer {
    const buf = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const n = readSync(this.fd, buf, got, len - got, at + got);
      if (n === 0) throw new CorruptCache('file shorter than its header says');
      got += n;
    }
    return buf;
  }

  /** The raw bytes of a section, checked (a paged one: all its pages); throws CorruptCache naming the section. */
  raw(name: string): Buffer {
    const e = this.entry(name);
    const buf = this.read(e.at, e.bytes);
    if (e.paged) {
      const p = PagedBytes.over(buf, name);
      for (let i = 0; i < p.pageCount; i++) p.page(i);
    } else if (crc32(buf) !== e.crc) throw new CorruptCache(`section ${name} fails its checksum`);
    return buf;
  }

  /** A paged section, read page by page on demand (each page checked on first read). */
  paged(name: string): PagedBytes {
    const e = this.entry(name);
    if (!e.paged) throw new CorruptCache(`section ${name} is not paged`);
    return new PagedBytes((pos, len) => this.read(e.at + pos, len), e.bytes, name, e.crc);
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


/** A section stored in pages with a crc32 each, so a reader loads and checks only the pages it touches. */
export class Paged {
  private constructor(readonly bytes: Buffer, readonly headerBytes: number) {}
  static of(data: Buffer, pageSize = 32 * 1024): Paged {
    const pages = Math.ceil(data.length / pageSize);
    const headerBytes = pad8(12 + pages * 4);
    const out = Buffer.alloc(headerBytes + data.length);
    out.writeUInt32LE(pageSize, 0);
    out.writeUInt32LE(data.length, 4);
    out.writeUInt32LE(pages, 8);
    for (let i = 0; i < pages; i++) out.writeUInt32LE(crc32(data.subarray(i * pageSize, (i + 1) * pageSize)), 12 + i * 4);
    data.copy(out, headerBytes);
    return new Paged(out, headerBytes);
  }
  /** An already paged section, copied as it is (its pages were checked by `raw`). */
  static wrap(section: Buffer): Paged {
    return new Paged(section, pad8(12 + section.readUInt32LE(8) * 4));
  }
}

/** Reading side of Paged: bytes and int32s of the data by offset, page by page. */
export class PagedBytes {
  readonly pageSize: number;
  readonly length: number;
  readonly pageCount: number;
  private readonly crcs: Buffer;
  private readonly dataAt: number;
  private readonly pages: (Buffer | undefined)[];

  constructor(private readonly readAt: (pos: number, len: number) => Buffer, total: number, readonly name: string, headerCrc?: number) {
    if (total < 12) throw new CorruptCache(`section ${name} too short`);
    const head = readAt(0, 12);
    this.pageSize = head.readUInt32LE(0);
    this.length = head.readUInt32LE(4);
    this.pageCount = head.readUInt32LE(8);
    this.dataAt = pad8(12 + this.pageCount * 4);
    if (this.pageSize < 4096 || this.pageSize % 8 || this.pageCount !== Math.ceil(this.length / this.pageSize) || this.dataAt + this.length > total) throw new CorruptCache(`section ${name} has a bad page table`);
    const table = readAt(0, this.dataAt);
    if (headerCrc !== undefined && crc32(table) !== headerCrc) throw new CorruptCache(`section ${name} fails its checksum`);
    this.crcs = table.subarray(12, 12 + this.pageCount * 4);
    this.pages = new Array(this.pageCount);
  }

  /** Over a section already in memory (tests, `raw`). */
  static over(buf: Buffer, name: string): PagedBytes {
    return new PagedBytes((pos, len) => {
      if (pos + len > buf.length) throw new CorruptCache(`section ${name} truncated`);
      return buf.subarray(pos, pos + len);
    }, buf.length, name);
  }

  page(n: number): Buffer {
    let p = this.pages[n];
    if (!p) {
      if (n < 0 || n >= this.pageCount) throw new CorruptCache(`section ${this.name}: offset out of range`);
      p = this.readAt(this.dataAt + n * this.pageSize, Math.min(this.pageSize, this.length - n * this.pageSize));
      if (crc32(p) !== this.crcs.readUInt32LE(n * 4)) throw new CorruptCache(`section ${this.name} fails its checksum (page ${n})`);
      this.pages[n] = p;
    }
    return p;
  }

  int32(byteOffset: number): number {
    if (byteOffset < 0 || byteOffset + 4 > this.length) throw new CorruptCache(`section ${this.name}: offset out of range`);
    return this.page(Math.floor(byteOffset / this.pageSize)).readInt32LE(byteOffset % this.pageSize);
  }

  bytes(start: number, end: number): Buffer {
    if (start < 0 || end < start || end > this.length) throw new CorruptCache(`section ${this.name}: offset out of range`);
    const first = Math.floor(start / this.pageSize);
    const last = Math.floor(Math.max(start, end - 1) / this.pageSize);
    if (first === last) {
      const base = first * this.pageSize;
      return this.page(first).subarray(start - base, end - base);
    }
    const parts: Buffer[] = [];
    for (let n = first; n <= last; n++) {
      const base = n * this.pageSize;
      parts.push(this.page(n).subarray(Math.max(0, start - base), Math.min(this.pageSize, end - base)));
    }
    return Buffer.concat(parts);
  }
}

/** Int32s of a table, by index. */
export interface Ints {
  readonly length: number;
  get(i: number): number;
}

/** Strings of a table, by index, decoded on first use. */
export interface Strings {
  readonly length: number;
  get(i: number): string;
}

/** A table (encodeTable's layout) read through pages: nothing decoded up front. */
export function pagedTable(p: PagedBytes): { strings: Strings; ints: Ints } {
  const count = p.int32(0);
  const blobBytes = p.int32(4);
  if (count < 0 || blobBytes < 0 || 8 + blobBytes > p.length) throw new CorruptCache(`section ${p.name}: bad string table`);
  const endsAt = pad8(8 + blobBytes);
  const intCount = p.int32(endsAt + count * 4);
  const intsAt = pad8(endsAt + count * 4 + 4);
  if (intCount < 0 || intsAt + intCount * 4 > p.length) throw new CorruptCache(`section ${p.name}: bad int table`);
  const cache = new Map<number, string>();
  const strings: Strings = {
    length: count,
    get(i) {
      let v = cache.get(i);
      if (v === undefined) {
        if (!(i >= 0 && i < count)) throw new CorruptCache(`string index ${i} out of range`);
        const start = i === 0 ? 0 : p.int32(endsAt + (i - 1) * 4) + 1;
        const end = p.int32(endsAt + i * 4);
        if (start > end || end > blobBytes) throw new CorruptCache(`section ${p.name}: string table out of order`);
        v = p.bytes(8 + start, 8 + end).toString('utf8');
        cache.set(i, v);
      }
      return v;
    },
  };
  const ints: Ints = {
    length: intCount,
    get(i) {
      if (!(i >= 0 && i < intCount)) throw new CorruptCache(`section ${p.name}: int index out of range`);
      return p.int32(intsAt + i * 4);
    },
  };
  return { strings, ints };
}

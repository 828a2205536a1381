// The persisted index of one tree: one file, written atomically (write-then-rename), verified on read.
// Layout: MAGIC | u32 headerBytes | header JSON | u32 stringBytes | strings (NUL-separated UTF-8) | pad to 4
//         | u32 stringCount | int32 string ends | u32 intCount | int32 data | u32 crc32 of all before.
// The int arrays start at multiples of 4, so they are viewed in place, not copied (a 100 MB copy is
// ~0.4 s here), and crc32 checks the file ~10× faster than the sha1 it replaced (schema 11).
// Facts are decoded lazily, per file and section (LazyFacts), strings one by one (LazyStrings).
import { crc32 } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileFacts } from './facts.ts';
import type { FileStamp } from './parseFile.ts';
import { StringTable, IntBuffer, encodeFacts, CorruptCache, LazyFacts, LazyStrings, SECTIONS } from './factsCodec.ts';
import { int32View } from './sectionFile.ts';
import { writeFileAtomic } from './cacheDir.ts';
export { defaultCacheDir } from './cacheDir.ts';

/** Bump whenever FileFacts, the extraction or the encoding changes: older caches are rebuilt. */
export const CACHE_SCHEMA = 11;
const MAGIC = Buffer.from('NSATLAS\n', 'latin1');

export interface CachedFile extends FileStamp {
  file: string;
  /** Present when the file was indexed. */
  facts?: FileFacts;
  error?: string;
  warning?: string;
}

export interface CacheHeader {
  schema: number;
  root: string;
  kernelVersion: string | null;
  /** Signature of the scope and of the attribute-macro list the facts were made with. */
  configKey: string;
  writtenAt: string;
  /** `at`: where each section of the file's facts starts in the int data (absent: not indexed). */
  files: { file: string; size: number; mtimeMs: number; hash: string; error?: string; warning?: string; at?: number[] }[];
}

export interface CacheContents {
  header: CacheHeader;
  files: CachedFile[];
}

const pad4 = (n: number) => (n + 3) & ~3;

/** The schema number of a cache file whose checksum failed, when its header can still be read. */
function peekSchema(buf: Buffer): number | undefined {
  try {
    const hlen = buf.readUInt32LE(MAGIC.length);
    const schema = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + hlen)).schema;
    return Number.isInteger(schema) ? schema : undefined;
  } catch {
    return undefined;
  }
}

export function cacheFilePath(cacheDir: string): string {
  return join(cacheDir, 'index.bin');
}

export function writeCache(path: string, header: Omit<CacheHeader, 'files' | 'schema'>, files: readonly CachedFile[]): void {
  const st = new StringTable();
  const ints = new IntBuffer();
  const entries: CacheHeader['files'] = [];
  for (const f of files) {
    const at = f.facts ? encodeFacts(f.facts, st, ints) : undefined;
    entries.push({ file: f.file, size: f.size, mtimeMs: f.mtimeMs, hash: f.hash, ...(at ? { at } : {}), ...(f.error ? { error: f.error } : {}), ...(f.warning ? { warning: f.warning } : {}) });
  }
  const full: CacheHeader = { schema: CACHE_SCHEMA, ...header, files: entries };
  const headerBuf = Buffer.from(JSON.stringify(full), 'utf8');
  const stringsBuf = Buffer.from(st.list.join('\0'), 'utf8');
  const ends = new Int32Array(st.list.length);
  for (let i = 0, pos = -1; i < ends.length; i++) {
    pos = stringsBuf.indexOf(0, pos + 1);
    ends[i] = pos < 0 ? stringsBuf.length : pos;
  }
  const data = ints.view();
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const beforePad = MAGIC.length + 4 + headerBuf.length + 4 + stringsBuf.length;
  const parts = [MAGIC, u32(headerBuf.length), headerBuf, u32(stringsBuf.length), stringsBuf, Buffer.alloc(pad4(beforePad) - beforePad), u32(ends.length), Buffer.from(ends.buffer), u32(data.length), Buffer.from(data.buffer, data.byteOffset, data.byteLength)];
  let sum = 0;
  // empty parts skipped: zlib.crc32 of a Buffer over an empty ArrayBuffer returns 0, not the running value
  for (const p of parts) if (p.length) sum = crc32(p, sum);
  parts.push(u32(sum));
  writeFileAtomic(path, parts);
}

/**
 * Reads and verifies a cache. Returns undefined when there is none; throws CorruptCache with a
 * one-line reason when it is damaged, truncated, of another schema or for another tree.
 */
export function readCache(path: string, root: string): CacheContents | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    // no cache (or none this process may read: said when writing it fails)
    if (['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM'].includes((e as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw new CorruptCache(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (buf.length < MAGIC.length + 32 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new CorruptCache('not a Netstack Atlas cache file');
  const body = buf.subarray(0, buf.length - 4);
  if (crc32(body) !== buf.readUInt32LE(buf.length - 4)) {
    // an older or newer format fails the check too: say which, when its header still reads
    const schema = peekSchema(buf);
    throw new CorruptCache(schema !== undefined && schema !== CACHE_SCHEMA ? `cache schema ${schema}, this version reads ${CACHE_SCHEMA}` : 'checksum mismatch (truncated or damaged)');
  }
  let p = MAGIC.length;
  const u32 = () => {
    if (p + 4 > body.length) throw new CorruptCache('truncated');
    const v = body.readUInt32LE(p);
    p += 4;
    return v;
  };
  const hlen = u32();
  let header: CacheHeader;
  try {
    header = JSON.parse(body.toString('utf8', p, p + hlen));
  } catch {
    throw new CorruptCache('unreadable header');
  }
  p += hlen;
  if (header.schema !== CACHE_SCHEMA) throw new CorruptCache(`cache schema ${header.schema}, this version reads ${CACHE_SCHEMA}`);
  if (header.root !== root) throw new CorruptCache(`cache belongs to ${header.root}`);
  const slen = u32();
  const blob = body.subarray(p, p + slen);
  p = pad4(p + slen);
  const stringCount = u32();
  const ends = int32View(body, p, stringCount);
  p += ends.length * 4;
  for (let i = 0, prev = -1; i < ends.length; i++) {
    if (ends[i] <= prev || ends[i] > blob.length) throw new CorruptCache('string table out of order');
    prev = ends[i];
  }
  const strings = new LazyStrings(blob, ends);
  const intCount = u32(); // read before `p` is passed on
  const data = int32View(body, p, intCount);
  const files: CachedFile[] = [];
  if (!Array.isArray(header.files)) throw new CorruptCache('header without a file list');
  for (const e of header.files) {
    // cheap structure checks up front; a record damaged past them fails when decoded (CorruptCache too)
    if (e.at && (e.at.length !== SECTIONS.length + 1 || e.at.some((v, i) => !Number.isInteger(v) || v < 0 || v > data.length || (i > 0 && v < e.at![i - 1])))) throw new CorruptCache(`bad section table for ${e.file}`);
    const f: CachedFile = { file: e.file, size: e.size, mtimeMs: e.mtimeMs, hash: e.hash, ...(e.error ? { error: e.error } : {}), ...(e.warning ? { warning: e.warning } : {}) };
    if (e.at) f.facts = new LazyFacts(e.file, data, e.at, strings);
    files.push(f);
  }
  return { header, files };
}

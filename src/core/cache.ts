// The persisted index of one tree: one file, written atomically (write-then-rename), verified on read.
// Layout: MAGIC | u32 headerBytes | header JSON | u32 stringBytes | strings (NUL-separated UTF-8)
//         | u32 intCount | int32 data | 20-byte sha1 of everything before it.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';
import type { FileFacts } from './facts.ts';
import type { FileStamp } from './parseFile.ts';
import { StringTable, IntBuffer, encodeFacts, decodeFacts, CorruptCache } from './factsCodec.ts';

/** Bump whenever FileFacts, the extraction or the encoding changes: older caches are rebuilt. */
export const CACHE_SCHEMA = 3;
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
  files: { file: string; size: number; mtimeMs: number; hash: string; error?: string; warning?: string; indexed: boolean }[];
}

export interface CacheContents {
  header: CacheHeader;
  files: CachedFile[];
}

/** Default cache folder for a tree: `$XDG_CACHE_HOME/netstack-atlas/<sha1(root)>`. */
export function defaultCacheDir(root: string): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'netstack-atlas', createHash('sha1').update(root).digest('hex').slice(0, 16));
}

export function cacheFilePath(cacheDir: string): string {
  return join(cacheDir, 'index.bin');
}

export function writeCache(path: string, header: Omit<CacheHeader, 'files' | 'schema'>, files: readonly CachedFile[]): void {
  const st = new StringTable();
  const ints = new IntBuffer();
  const entries: CacheHeader['files'] = [];
  for (const f of files) {
    entries.push({ file: f.file, size: f.size, mtimeMs: f.mtimeMs, hash: f.hash, indexed: !!f.facts, ...(f.error ? { error: f.error } : {}), ...(f.warning ? { warning: f.warning } : {}) });
    if (f.facts) encodeFacts(f.facts, st, ints);
  }
  const full: CacheHeader = { schema: CACHE_SCHEMA, ...header, files: entries };
  const headerBuf = Buffer.from(JSON.stringify(full), 'utf8');
  const stringsBuf = Buffer.from(st.list.join('\0'), 'utf8');
  const data = ints.view();
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const parts = [MAGIC, u32(headerBuf.length), headerBuf, u32(stringsBuf.length), stringsBuf, u32(data.length), Buffer.from(data.buffer, data.byteOffset, data.byteLength)];
  const hash = createHash('sha1');
  for (const p of parts) hash.update(p);
  parts.push(hash.digest());
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    for (const p of parts) writeSync(fd, p);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
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
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CorruptCache(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (buf.length < MAGIC.length + 32 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new CorruptCache('not a Netstack Atlas cache file');
  const body = buf.subarray(0, buf.length - 20);
  const sum = createHash('sha1').update(body).digest();
  if (!sum.equals(buf.subarray(buf.length - 20))) throw new CorruptCache('checksum mismatch (truncated or damaged)');
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
  const strings = slen ? body.toString('utf8', p, p + slen).split('\0') : [''];
  p += slen;
  const n = u32();
  if (p + n * 4 > body.length) throw new CorruptCache('truncated data');
  // copy to an aligned buffer (the data offset is not a multiple of 4 in general)
  const data = new Int32Array(n);
  Buffer.from(data.buffer).set(body.subarray(p, p + n * 4));
  let pos = 0;
  const files: CachedFile[] = [];
  for (const e of header.files) {
    const f: CachedFile = { file: e.file, size: e.size, mtimeMs: e.mtimeMs, hash: e.hash, ...(e.error ? { error: e.error } : {}), ...(e.warning ? { warning: e.warning } : {}) };
    if (e.indexed) {
      const r = decodeFacts(e.file, data, pos, strings);
      f.facts = r.facts;
      pos = r.next;
    }
    files.push(f);
  }
  if (pos !== n) throw new CorruptCache('data length does not match its records');
  return { header, files };
}

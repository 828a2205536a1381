// One file → its facts (or a one-line reason why not). Used by the index workers and in-process.
import { createHash } from 'node:crypto';
import type { CParser } from './treeSitter.ts';
import { ParseTimeout } from './treeSitter.ts';
import type { AttributeBlanker } from './attributeMacros.ts';
import { prepareText } from './prepare.ts';
import { extractFacts } from './extract.ts';
import type { FileFacts } from './facts.ts';

/** Files larger than this are not parsed (generated tables, firmware blobs). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

export interface FileStamp {
  size: number;
  mtimeMs: number;
  /** sha1 of the content, hex. */
  hash: string;
}

export interface FileParseResult extends FileStamp {
  file: string;
  facts?: FileFacts;
  /** Why the file has no facts (binary, too big, unreadable, …). */
  error?: string;
  /** Indexed, with a remark (not UTF-8, syntax errors). */
  warning?: string;
  skippedBytes: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function hashContent(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** Decode source bytes: UTF-8, else Latin-1 (every byte maps to one char, lines unchanged). */
export function decodeSource(bytes: Uint8Array): { text: string; latin1: boolean } {
  try {
    return { text: utf8.decode(bytes), latin1: false };
  } catch {
    return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), latin1: true };
  }
}

/** A NUL byte in the first 8 KiB means binary, as git and grep decide. */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

export function parseSource(parser: CParser, blanker: AttributeBlanker, file: string, bytes: Uint8Array, stamp: FileStamp): FileParseResult {
  const base = { file, ...stamp, skippedBytes: 0 };
  if (bytes.length > MAX_FILE_BYTES) return { ...base, error: `file is ${(bytes.length / 1048576).toFixed(1)} MiB, over the ${MAX_FILE_BYTES / 1048576} MiB limit; not parsed` };
  if (looksBinary(bytes)) return { ...base, error: 'binary content (NUL bytes); not parsed' };
  const { text, latin1 } = decodeSource(bytes);
  const prepared = prepareText(text, blanker);
  let tree;
  try {
    tree = parser.parse(prepared.text, prepared.ranges);
  } catch (e) {
    if (e instanceof ParseTimeout) return { ...base, error: e.message };
    throw e;
  }
  try {
    const facts = extractFacts(parser, { file, original: text, lines: prepared.lines, root: tree.rootNode });
    const remarks: string[] = [];
    if (latin1) remarks.push('not valid UTF-8, read as Latin-1');
    return { ...base, facts, skippedBytes: prepared.skippedBytes, ...(remarks.length ? { warning: remarks.join('; ') } : {}) };
  } finally {
    tree.delete();
  }
}

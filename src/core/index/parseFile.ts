// One file → its facts (or a one-line reason why not). Used by the index workers and in-process.
import { createHash } from 'node:crypto';
import type { CParser } from './treeSitter.ts';
import { ParseTimeout } from './treeSitter.ts';
import type { AttributeBlanker } from './attributeMacros.ts';
import { prepareText, type PreparedText } from './prepare.ts';
import { extractFacts, LexicalMismatch } from './extract.ts';
import { functionBodies, type BodySpan } from './cLexer.ts';
import { deferrable } from './lexicalBodies.ts';
import type { SyntaxRange } from './treeSitter.ts';
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

/**
 * Parse one file. With `lexical`, function bodies the lexical tier can read (lexicalBodies.ts) are
 * left out of the tree-sitter parse and read from tokens; the file falls back to a whole parse when
 * its braces do not balance or the skeleton does not own a body.
 */
export function parseSource(parser: CParser, blanker: AttributeBlanker, file: string, bytes: Uint8Array, stamp: FileStamp, lexical = false): FileParseResult {
  const base = { file, ...stamp, skippedBytes: 0 };
  if (bytes.length > MAX_FILE_BYTES) return { ...base, error: `file is ${(bytes.length / 1048576).toFixed(1)} MiB, over the ${MAX_FILE_BYTES / 1048576} MiB limit; not parsed` };
  if (looksBinary(bytes)) return { ...base, error: 'binary content (NUL bytes); not parsed' };
  const { text, latin1 } = decodeSource(bytes);
  const prepared = prepareText(text, blanker);
  const bodies = lexical ? lexicalBodies(prepared.text) : [];
  let r = parseAndExtract(parser, file, text, prepared, bodies);
  if (r === 'mismatch') r = parseAndExtract(parser, file, text, prepared, []);
  if (r === 'mismatch') throw new Error('unreachable: a whole parse has no lexical bodies');
  if ('error' in r) return { ...base, error: r.error };
  const remarks: string[] = [];
  if (latin1) remarks.push('not valid UTF-8, read as Latin-1');
  return { ...base, facts: r.facts, skippedBytes: prepared.skippedBytes, ...(remarks.length ? { warning: remarks.join('; ') } : {}) };
}

/** Bodies worth leaving to the lexical tier (small ones cost more in ranges than they save). */
const MIN_LEXICAL_BODY = 64;

function lexicalBodies(text: string): BodySpan[] {
  return (functionBodies(text) ?? []).filter(([o, c]) => c - o >= MIN_LEXICAL_BODY && deferrable(text, o, c));
}

function parseAndExtract(parser: CParser, file: string, text: string, prepared: PreparedText, bodies: BodySpan[]): { facts: FileFacts } | { error: string } | 'mismatch' {
  const ranges = bodies.length ? withoutBodies(prepared, bodies) : prepared.ranges;
  let tree;
  try {
    tree = parser.parse(prepared.text, ranges);
  } catch (e) {
    if (e instanceof ParseTimeout) return { error: e.message };
    throw e;
  }
  try {
    return { facts: extractFacts(parser, { file, original: text, lines: prepared.lines, root: tree.rootNode, ...(bodies.length ? { lexicalBodies: bodies, prepared: prepared.text } : {}) }) };
  } catch (e) {
    if (e instanceof LexicalMismatch) return 'mismatch';
    throw e;
  } finally {
    tree.delete();
  }
}

/** The parse ranges of `prepared` minus the interiors of `bodies` (their braces stay: `{}`). */
function withoutBodies(prepared: PreparedText, bodies: BodySpan[]): SyntaxRange[] {
  const keep: [number, number][] = prepared.ranges.length ? prepared.ranges.map((r) => [r.startIndex, r.endIndex]) : [[0, prepared.text.length]];
  const out: SyntaxRange[] = [];
  let b = 0;
  for (const [s0, e] of keep) {
    let s = s0;
    while (b < bodies.length && bodies[b][1] <= s) b++;
    for (let k = b; k < bodies.length && bodies[k][0] < e; k++) {
      const cut0 = bodies[k][0] + 1;
      const cut1 = bodies[k][1];
      if (cut0 > s) out.push(range(prepared.lines, s, Math.min(cut0, e)));
      s = Math.max(s, cut1);
    }
    if (s < e) out.push(range(prepared.lines, s, e));
  }
  if (out.length === 0) out.push(range(prepared.lines, 0, 0));
  return out;
}

function range(lines: PreparedText['lines'], start: number, end: number): SyntaxRange {
  return { startIndex: start, endIndex: end, startPosition: lines.point(start), endPosition: lines.point(end) };
}

// Read one source file for indexing, noticing files that change or vanish while being read.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { CParser } from './treeSitter.ts';
import type { AttributeBlanker } from './attributeMacros.ts';
import { parseSource, hashContent, MAX_FILE_BYTES, type FileParseResult } from './parseFile.ts';
import { NotRegularFile, entryKind, readRegularFile } from './regularFile.ts';

function errno(e: unknown): string {
  if (e instanceof NotRegularFile) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return 'deleted while indexing';
  if (err.code === 'EACCES' || err.code === 'EPERM') return 'unreadable (permission denied)';
  if (err.code === 'EISDIR') return 'is a directory';
  return `unreadable: ${err.code ?? err.message}`;
}

export function readAndParse(parser: CParser, blanker: AttributeBlanker, root: string, file: string, lexical = false): FileParseResult {
  const abs = join(root, file);
  for (let attempt = 0; ; attempt++) {
    let before, bytes, after;
    try {
      before = statSync(abs);
      if (!before.isFile()) return { file, size: 0, mtimeMs: before.mtimeMs, hash: '', skippedBytes: 0, error: `${entryKind(before)}, not a regular file; skipped` };
      if (before.size > MAX_FILE_BYTES) {
        return { file, size: before.size, mtimeMs: before.mtimeMs, hash: '', skippedBytes: 0, error: `file is ${(before.size / 1048576).toFixed(1)} MiB, over the ${MAX_FILE_BYTES / 1048576} MiB limit; not parsed` };
      }
      bytes = readRegularFile(abs, MAX_FILE_BYTES + 1).bytes;
      after = statSync(abs);
    } catch (e) {
      return { file, size: 0, mtimeMs: 0, hash: '', skippedBytes: 0, error: errno(e) };
    }
    if (before.mtimeMs !== after.mtimeMs || after.size !== bytes.length) {
      if (attempt < 2) continue;
      return { file, size: after.size, mtimeMs: after.mtimeMs, hash: '', skippedBytes: 0, error: 'kept changing while indexing; try again' };
    }
    return parseSource(parser, blanker, file, bytes, { size: bytes.length, mtimeMs: after.mtimeMs, hash: hashContent(bytes) }, lexical);
  }
}

// Read one source file for indexing (through the tree's safe reader: inside the real root, regular
// files only, size cap), noticing files that change or vanish while being read.
import type { CParser } from './treeSitter.ts';
import type { AttributeBlanker } from './attributeMacros.ts';
import { parseSource, hashContent, MAX_FILE_BYTES, type FileParseResult } from './parseFile.ts';
import { readTreeFile, TreeFileError } from './treeFiles.ts';

function reason(e: TreeFileError): string {
  if (e.problem === 'missing') return 'deleted while indexing';
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'unreadable (permission denied)';
  if (e.problem === 'too-big') return `file is ${((e.stat?.size ?? 0) / 1048576).toFixed(1)} MiB, over the ${MAX_FILE_BYTES / 1048576} MiB limit; not parsed`;
  if (e.problem === 'not-regular' && /a directory/.test(e.message)) return 'is a directory';
  // the rest: "<file>: a FIFO, not a regular file; not read" → without the file name
  return e.message.replace(/^.*?: /, '');
}

export function readAndParse(parser: CParser, blanker: AttributeBlanker, root: string, file: string, lexical = false): FileParseResult {
  for (let attempt = 0; ; attempt++) {
    try {
      const { bytes, stat } = readTreeFile(root, file, MAX_FILE_BYTES);
      return parseSource(parser, blanker, file, bytes, { size: bytes.length, mtimeMs: stat.mtimeMs, hash: hashContent(bytes) }, lexical);
    } catch (e) {
      if (!(e instanceof TreeFileError)) throw e;
      if (e.problem === 'changed' && attempt < 2) continue;
      if (e.problem === 'changed') return { file, size: 0, mtimeMs: 0, hash: '', skippedBytes: 0, error: 'kept changing while indexing; try again' };
      return { file, size: e.stat?.size ?? 0, mtimeMs: e.stat?.mtimeMs ?? 0, hash: '', skippedBytes: 0, error: reason(e) };
    }
  }
}

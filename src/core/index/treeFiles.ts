// Reading files of a tree by their tree-relative path (for the few facts read from source text).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads a tree-relative file (undefined when missing). */
export type ReadTreeFile = (file: string) => string | undefined;

/** A reader for files under `root`; undefined for a missing or unreadable file. */
export function treeFileReader(root: string): ReadTreeFile {
  return (file) => {
    try {
      return readFileSync(join(root, file), 'utf8');
    } catch {
      return undefined;
    }
  };
}

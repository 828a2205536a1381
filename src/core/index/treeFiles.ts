// The one way to read a file of a kernel tree by its tree-relative path. A tree is input like any
// other: a symlink in it may point at /etc/shadow or /proc/self/environ, a FIFO named *.c blocks a
// plain read forever, a device file never ends. So: the name must stay inside the tree, its real
// path must lie under the tree's real root, only regular files are opened (checked before opening,
// opened with O_NONBLOCK, checked again on the descriptor), and no more than a size cap is read.
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, sep } from 'node:path';

/** Reads a tree-relative file (undefined when missing). */
export type ReadTreeFile = (file: string) => string | undefined;

/** Default cap: the indexer's limit for a source file (parseFile.MAX_FILE_BYTES). */
export const TREE_FILE_MAX_BYTES = 10 * 1024 * 1024;

export type TreeFileProblem = 'bad-name' | 'missing' | 'outside' | 'not-regular' | 'too-big' | 'changed' | 'unreadable';

/** Why a tree file was not read, in one line; `code` is the errno when there was one. */
export class TreeFileError extends Error {
  constructor(readonly problem: TreeFileProblem, message: string, readonly code?: string, readonly stat?: Stats) {
    super(message);
  }
}

export interface TreeFile {
  bytes: Buffer;
  /** fstat of the open file after reading. */
  stat: Stats;
  /** Its real path (inside the tree's real root). */
  real: string;
}

const realRoots = new Map<string, string>();
function realRootOf(root: string): string {
  let r = realRoots.get(root);
  if (r === undefined) {
    r = realpathSync.native(root);
    realRoots.set(root, r);
  }
  return r;
}

/** What a non-regular entry is, for one-line messages (`a FIFO`, `a device file`). */
export function kindOf(st: Pick<Stats, 'isDirectory' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device file';
  return 'not a regular file';
}

function asTreeFileError(e: unknown, file: string): TreeFileError {
  if (e instanceof TreeFileError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new TreeFileError('missing', `${file}: no such file`, code);
  if (code === 'ELOOP') return new TreeFileError('unreadable', `${file}: symlink loop`, code);
  if (code === 'EACCES' || code === 'EPERM') return new TreeFileError('unreadable', `${file}: permission denied`, code);
  return new TreeFileError('unreadable', `${file}: unreadable (${code ?? (e as Error).message})`, code);
}

/** A tree-relative name that cannot leave the tree by its text: no absolute path, no `..`, no NUL. */
export function isTreeRelativeName(file: string): boolean {
  return file.length > 0 && !isAbsolute(file) && !file.includes('\0') && !file.split(/[\\/]/).includes('..');
}

/** Where a tree file really is, checked without opening it: inside the real root, a regular file. */
export function locateTreeFile(root: string, file: string, maxBytes = TREE_FILE_MAX_BYTES): { real: string; stat: Stats } {
  if (!isTreeRelativeName(file)) throw new TreeFileError('bad-name', `${JSON.stringify(file).slice(0, 120)}: not a path inside the tree`);
  try {
    const abs = join(root, file);
    const stat = statSync(abs);
    const real = realpathSync.native(abs);
    const realRoot = realRootOf(root);
    if (real !== realRoot && !real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) {
      throw new TreeFileError('outside', `${file}: leads outside the tree (a symlink); not read`);
    }
    if (!stat.isFile()) throw new TreeFileError('not-regular', `${file}: ${kindOf(stat)}, not a regular file; not read`, undefined, stat);
    if (stat.size > maxBytes) throw new TreeFileError('too-big', `${file}: ${(stat.size / 1048576).toFixed(1)} MiB, over the ${maxBytes / 1048576} MiB limit; not read`, undefined, stat);
    return { real, stat };
  } catch (e) {
    throw asTreeFileError(e, file);
  }
}

/** Read a tree file under every rule above; throws a TreeFileError. */
export function readTreeFile(root: string, file: string, maxBytes = TREE_FILE_MAX_BYTES): TreeFile {
  const { real, stat } = locateTreeFile(root, file, maxBytes);
  let fd: number | undefined;
  try {
    // O_NONBLOCK: if the file was swapped for a FIFO since the check, open does not wait for a writer;
    // O_NOFOLLOW: nor for a symlink.
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW | constants.O_NOCTTY);
    const before = fstatSync(fd);
    if (!before.isFile()) throw new TreeFileError('not-regular', `${file}: ${kindOf(before)}, not a regular file; not read`);
    if (before.dev !== stat.dev || before.ino !== stat.ino) throw new TreeFileError('changed', `${file}: replaced while being read`);
    if (before.size > maxBytes) throw new TreeFileError('too-big', `${file}: over the ${maxBytes / 1048576} MiB limit; not read`, undefined, before);
    // Read up to the cap plus one byte: a file growing past the cap is caught without reading it all.
    const buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(before.size + 1, 4096)));
    let n = 0;
    for (;;) {
      if (n === buf.length) break;
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    if (n > maxBytes) throw new TreeFileError('changed', `${file}: grew while being read`);
    const after = fstatSync(fd);
    if (after.size !== n || after.mtimeMs !== before.mtimeMs) throw new TreeFileError('changed', `${file}: changed while being read`);
    return { bytes: n === buf.length ? buf : buf.subarray(0, n), stat: after, real };
  } catch (e) {
    throw asTreeFileError(e, file);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A reader for files under `root`: the text, or undefined for a file it may not or cannot read. */
export function treeFileReader(root: string, maxBytes = TREE_FILE_MAX_BYTES): ReadTreeFile {
  return (file) => {
    try {
      return readTreeFile(root, file, maxBytes).bytes.toString('utf8');
    } catch {
      return undefined;
    }
  };
}

// Read a file only if it is a regular file. A FIFO, socket or device named `*.c` (or `Makefile`)
// would block a plain read forever or never end: open without blocking, check the type on the
// open descriptor (no window between the check and the read), and read only what fstat promised.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

export class NotRegularFile extends Error {
  readonly code = 'ENOTREG';
}

/** What a non-regular entry is, for the one-line message. */
export function entryKind(st: Pick<Stats, 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice' | 'isDirectory'>): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

/**
 * The bytes of `abs` and its stat, or a thrown NotRegularFile / errno error. `maxBytes`: read at most
 * this many (the caller decides what an oversized file means; `stat.size` tells the real size).
 */
export function readRegularFile(abs: string, maxBytes = Infinity): { bytes: Buffer; stat: Stats } {
  const fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new NotRegularFile(`${entryKind(stat)}, not a regular file; skipped`);
    const want = Math.min(stat.size, maxBytes);
    const bytes = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, bytes, got, want - got, got);
      if (n === 0) break; // shrank while reading: the caller's stat check notices
      got += n;
    }
    return { bytes: got === want ? bytes : bytes.subarray(0, got), stat };
  } finally {
    closeSync(fd);
  }
}

/** Text of a regular file, or undefined (missing, unreadable, not a regular file). */
export function readRegularText(abs: string, maxBytes = Infinity): string | undefined {
  try {
    return readRegularFile(abs, maxBytes).bytes.toString('utf8');
  } catch {
    return undefined;
  }
}

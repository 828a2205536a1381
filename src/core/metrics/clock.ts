// Injected time and file access, so samplers and sources are testable.
import { readFileSync } from 'node:fs';

export interface Clock {
  /** Wall-clock ms since epoch. */
  now(): number;
  /** Monotonic ms, for intervals and rates. */
  mono(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  mono: () => performance.now(),
};

/** Reads a whole (proc) file as text; rejects with a Node error (code ENOENT, EACCES, …) when it cannot. */
export type ReadFn = (path: string) => Promise<string>;

/** procfs files are small and generated on read: a synchronous read is several times cheaper than
 *  fs.promises.readFile (no thread-pool round trips, no fstat), and takes microseconds. */
export const readTextFile: ReadFn = (path) => {
  try {
    return Promise.resolve(readFileSync(path, 'latin1'));
  } catch (e) {
    return Promise.reject(e);
  }
};

/** A one-line reason for a failed read: `not found`, `permission denied`, or the message. */
export function describeError(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  if (code === 'ENOENT') return 'not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'not found (not a directory)';
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}

// Injected time and file access, so samplers and sources are testable.
import { readFile } from 'node:fs/promises';

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

export const readTextFile: ReadFn = (path) => readFile(path, 'latin1');

/** A one-line reason for a failed read: `not found`, `permission denied`, or the message. */
export function describeError(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  if (code === 'ENOENT') return 'not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'not found (not a directory)';
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}

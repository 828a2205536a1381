// One writer at a time per cache folder. The lock is a file created exclusively (`lock`, holding
// "pid host start"); a second indexer waits for it, then reads what the first wrote. A lock whose
// process is gone (killed, crashed) is taken over. Readers never lock: every cache file is replaced
// by rename, so a reader sees the previous complete version or the next one, never a half-written one.
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describeFsError, pidAlive } from './cacheDir.ts';

export interface CacheLock {
  release(): void;
}

export type LockResult = { lock: CacheLock } | { lock?: undefined; problem: string };

interface Holder {
  pid: number;
  host: string;
  text: string;
}

function readHolder(path: string): Holder | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    const [pid, host] = text.split(' ');
    return { pid: Number(pid), host: host ?? '', text };
  } catch {
    return undefined;
  }
}

function tryCreate(path: string): CacheLock | 'held' | { problem: string } {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return 'held';
    return { problem: describeFsError(e) };
  }
  const text = `${process.pid} ${hostname()} ${Date.now()}`;
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      if (readHolder(path)?.text === text) rmSync(path, { force: true });
    },
  };
}

/** Removes a lock whose holder is gone; true when the caller may retry at once. */
function takeOverStale(path: string, seen: Holder): boolean {
  if (seen.host !== hostname() || pidAlive(seen.pid)) return false;
  const moved = `${path}.stale.${process.pid}`;
  try {
    renameSync(path, moved);
  } catch {
    return true; // someone else took it over first: retry
  }
  // between reading and renaming, another process may have taken over and locked: give it back
  if (readHolder(moved)?.text !== seen.text) {
    try {
      linkSync(moved, path);
    } catch {
      /* a third process holds it now */
    }
  }
  rmSync(moved, { force: true });
  return true;
}

/** Tries once; never waits. */
export function tryLockCache(dir: string): LockResult | 'held' {
  const path = join(dir, 'lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = tryCreate(path);
    if (r !== 'held') return 'problem' in r ? r : { lock: r };
    const h = readHolder(path);
    if (!h) continue; // released meanwhile
    if (!takeOverStale(path, h)) return 'held';
  }
  return 'held';
}

export interface WaitOptions {
  /** Give up after this long (the caller then works without writing). Default 10 minutes. */
  timeoutMs?: number;
  pollMs?: number;
  /** Called once when another live process holds the lock. */
  onWait?(holderPid: number): void;
  signal?: AbortSignal;
  sleep?(ms: number): Promise<void>;
}

/** Waits for the cache lock of `dir`; `problem` when the folder cannot hold one or the wait timed out. */
export async function lockCache(dir: string, opts: WaitOptions = {}): Promise<LockResult> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let told = false;
  for (;;) {
    const r = tryLockCache(dir);
    if (r !== 'held') return r;
    if (!told) {
      told = true;
      opts.onWait?.(readHolder(join(dir, 'lock'))?.pid ?? 0);
    }
    if (opts.signal?.aborted) throw new Error('indexing cancelled');
    if (Date.now() > deadline) return { problem: 'another indexer held the cache lock too long' };
    await sleep(opts.pollMs ?? 100);
  }
}

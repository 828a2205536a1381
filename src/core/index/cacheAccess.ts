// Opening a tree's cache folder for an indexer: pick the folder (another tree may own the requested
// one), clean what dead writers left, find out whether it can be written at all, and take the lock.
// A folder that cannot be written (a file in the way, read-only, another user's) is still read;
// the index then lives in memory, said once.
import { join } from 'node:path';
import { cacheDirProblem, cleanStaleTemps, defaultCacheDir, describeFsError, resolveCacheDir, writeTreeStamp, type TreeStamp } from './cacheDir.ts';
import { lockCache, tryLockCache, type CacheLock } from './cacheLock.ts';

export class CacheAccess {
  private noteShown = false;
  private constructor(
    readonly dir: string,
    /** False once the folder proved unwritable: saves are skipped. */
    public writable: boolean,
    public lock: CacheLock | undefined,
    private readonly log: (line: string) => void,
  ) {}

  get indexPath(): string {
    return join(this.dir, 'index.bin');
  }

  /** Resolves, cleans and locks the cache folder of `tree` (waits while another indexer holds it). */
  static async open(tree: TreeStamp, opts: { cacheDir?: string; signal?: AbortSignal; log: (line: string) => void; lockTimeoutMs?: number }): Promise<CacheAccess> {
    const dir = resolveCacheDir(opts.cacheDir ?? defaultCacheDir(tree.root), tree.root);
    const problem = cacheDirProblem(dir);
    const access = new CacheAccess(dir, !problem, undefined, opts.log);
    if (problem) {
      access.cannotWrite(problem);
      return access;
    }
    const removed = cleanStaleTemps(dir);
    if (removed) opts.log(`removed ${removed} temporary file${removed > 1 ? 's' : ''} left in the cache by an interrupted write`);
    const r = await lockCache(dir, { signal: opts.signal, timeoutMs: opts.lockTimeoutMs, onWait: (pid) => opts.log(`waiting for another indexer (pid ${pid}) to finish with the cache…`) });
    if (r.lock) access.lock = r.lock;
    else access.cannotWrite(r.problem);
    if (access.writable) access.attempt(() => writeTreeStamp(dir, tree));
    return access;
  }

  /** Says once that the cache cannot be written, and stops writing. */
  cannotWrite(why: string): void {
    this.writable = false;
    if (this.noteShown) return;
    this.noteShown = true;
    this.log(`cache not written (${this.dir}: ${why}); working from memory`);
  }

  /** Runs a write into the cache; a failure (disk full, read-only) is said once, not thrown. */
  attempt(write: () => void): boolean {
    if (!this.writable) return false;
    try {
      write();
      return true;
    } catch (e) {
      this.cannotWrite(describeFsError(e));
      return false;
    }
  }

  /** A write after the open (a saved file): under the lock when free now, skipped when busy. */
  attemptLocked(write: () => void): boolean {
    if (!this.writable) return false;
    if (this.lock) return this.attempt(write);
    const r = tryLockCache(this.dir);
    if (r === 'held') return false;
    if (!r.lock) {
      this.cannotWrite(r.problem);
      return false;
    }
    try {
      return this.attempt(write);
    } finally {
      r.lock.release();
    }
  }

  release(): void {
    this.lock?.release();
    this.lock = undefined;
  }
}

// The cache folder of a tree: where it is, who owns it, atomic writes into it, and the temporary
// files that a crash or a full disk left behind.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';

/** `$XDG_CACHE_HOME/netstack-atlas` (or `~/.cache/netstack-atlas`): one folder per tree below it. */
export function cacheBase(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'netstack-atlas');
}

const rootHash = (root: string) => createHash('sha1').update(root).digest('hex');

/** Default cache folder for a tree: `$XDG_CACHE_HOME/netstack-atlas/<sha1(root)[:16]>`. */
export function defaultCacheDir(root: string): string {
  return join(cacheBase(), rootHash(root).slice(0, 16));
}

/** `tree.json` in a cache folder names the tree it belongs to. */
export interface TreeStamp {
  root: string;
  kernelVersion: string | null;
}

export function readTreeStamp(dir: string): TreeStamp | undefined {
  try {
    const v = JSON.parse(readFileSync(join(dir, 'tree.json'), 'utf8'));
    return v && typeof v.root === 'string' ? { root: v.root, kernelVersion: typeof v.kernelVersion === 'string' ? v.kernelVersion : null } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The folder to use for `root` given the requested one: the requested folder when it is free or
 * already this tree's; a sub-folder named by the full hash of the root when another tree holds it
 * (a key collision, or one `--cache-dir` given to two trees), so neither overwrites the other.
 */
export function resolveCacheDir(requested: string, root: string): string {
  const owner = readTreeStamp(requested);
  if (!owner || owner.root === root) return requested;
  return join(requested, 'tree-' + rootHash(root));
}

/** Records which tree owns `dir` (best effort: an unwritable folder is reported elsewhere). */
export function writeTreeStamp(dir: string, stamp: TreeStamp): void {
  const cur = readTreeStamp(dir);
  if (cur && cur.root === stamp.root && cur.kernelVersion === stamp.kernelVersion) return;
  writeFileAtomic(join(dir, 'tree.json'), [Buffer.from(JSON.stringify(stamp) + '\n')]);
}

/**
 * Other cache folders under the same base holding a tree of the same kernel version: a tree moved
 * or copied elsewhere reuses their per-file entries (each still checked by size and content hash).
 */
export function donorCacheDirs(base: string, self: TreeStamp): { dir: string; root: string }[] {
  const out: { dir: string; root: string; mtime: number }[] = [];
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return out;
  }
  for (const n of names) {
    const dir = join(base, n);
    const s = readTreeStamp(dir);
    if (!s || s.root === self.root || !self.kernelVersion || s.kernelVersion !== self.kernelVersion) continue;
    try {
      out.push({ dir, root: s.root, mtime: statSync(join(dir, 'index.bin')).mtimeMs });
    } catch {
      /* no index there */
    }
  }
  return out.sort((a, b) => b.mtime - a.mtime);
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const TMP = /\.(\d+)\.(\d+)\.tmp$/;

/** `<path>.<pid>.<ms>.tmp`: a temporary name that says who wrote it. */
export function tempName(path: string): string {
  return `${path}.${process.pid}.${Date.now()}.tmp`;
}

/**
 * Writes `parts` to `path` atomically: a temporary file in the same folder, fsync, rename. On any
 * failure (disk full, quota, I/O error) the temporary file is removed before the error is rethrown.
 */
export function writeFileAtomic(path: string, parts: readonly Uint8Array[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempName(path);
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (const p of parts) {
        for (let off = 0; off < p.length; ) off += writeSync(fd, p, off, p.length - off);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Removes temporary files in `dir` left by processes that are gone (a crash, a kill, a full disk
 * before this version cleaned up after itself). Files of live writers are left alone. Returns how
 * many were removed.
 */
export function cleanStaleTemps(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const n of names) {
    const m = TMP.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    try {
      rmSync(join(dir, n), { force: true });
      removed++;
    } catch {
      /* unwritable folder: nothing to do */
    }
  }
  return removed;
}

/** `mkdir -p` whose error names the cause: Node's recursive mkdir says ENOENT when a missing folder
 *  cannot be made (read-only file system, permission denied); one folder at a time says which. */
function makeFolders(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const missing: string[] = [];
    for (let d = dir; !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
    for (const d of missing) mkdirSync(d);
    throw e;
  }
}

/** Why `dir` cannot hold a cache (a file, read-only, not ours), or undefined when it can. */
export function cacheDirProblem(dir: string): string | undefined {
  try {
    makeFolders(dir);
  } catch (e) {
    return describeFsError(e);
  }
  const probe = join(dir, `.probe.${process.pid}.${Date.now()}.tmp`);
  try {
    closeSync(openSync(probe, 'w'));
    rmSync(probe, { force: true });
    return undefined;
  } catch (e) {
    return describeFsError(e);
  }
}

export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a file is in the way';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    default:
      return err.code ?? (err instanceof Error ? err.message : String(e));
  }
}

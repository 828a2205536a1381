// Recognize a kernel tree and list the source files in scope.
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { globBase, globToRegExp } from './glob.ts';

export const NETWORK_SCOPE = ['net/**', 'include/**', 'drivers/net/**'];

export class NotAKernelTree extends Error {}

export interface TreeInfo {
  root: string;
  /** `6.1.158` from the top Makefile, or null for a partial tree. */
  kernelVersion: string | null;
  /** Why the tree is only partly usable (no Makefile, no include/), one line each. */
  warnings: string[];
}

/** Throws NotAKernelTree (one line) when `path` is neither a full nor a partial kernel tree. */
export function detectTree(path: string): TreeInfo {
  const root = resolve(path);
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new NotAKernelTree(`${path}: no such directory`);
  }
  if (!st.isDirectory()) throw new NotAKernelTree(`${path}: not a directory`);
  const warnings: string[] = [];
  const version = readKernelVersion(root);
  const hasSocket = existsSync(join(root, 'net/socket.c'));
  if (!version && !hasSocket) throw new NotAKernelTree(`${path}: not a Linux kernel tree (no top Makefile with VERSION and no net/socket.c)`);
  if (!version) warnings.push('no top Makefile with VERSION/PATCHLEVEL: partial tree, kernel version unknown');
  if (!hasSocket) warnings.push('no net/socket.c: the network stack is not in this tree');
  if (!existsSync(join(root, 'include'))) warnings.push('no include/ folder: struct and macro definitions from headers will be missing');
  return { root, kernelVersion: version, warnings };
}

export function readKernelVersion(root: string): string | null {
  let text: string;
  try {
    text = readFileSync(join(root, 'Makefile'), 'utf8').slice(0, 4096);
  } catch {
    return null;
  }
  const get = (k: string) => new RegExp(`^${k}[ \\t]*=[ \\t]*(\\S*)`, 'm').exec(text)?.[1];
  const v = get('VERSION');
  const p = get('PATCHLEVEL');
  if (!v || !p) return null;
  const s = get('SUBLEVEL');
  const x = get('EXTRAVERSION') ?? '';
  return `${v}.${p}${s ? '.' + s : ''}${x}`;
}

export interface ScopeOptions {
  /** Index the whole tree instead of the network scope. */
  all?: boolean;
  include?: string[];
  exclude?: string[];
}

export interface FileListing {
  /** Tree-relative paths, forward slashes, sorted. */
  files: string[];
  /** Problems met while walking (symlink loops, unreadable folders), one line each. */
  problems: { file: string; message: string }[];
}

/** Include globs of a scope. */
export function scopeIncludes(opts: ScopeOptions): string[] {
  if (opts.include && opts.include.length) return opts.include;
  return opts.all ? ['**'] : NETWORK_SCOPE;
}

/** Walks the folders the include globs can reach; `.c`/`.h` files only; follows symlinks once (loops are reported). */
export function listSourceFiles(root: string, opts: ScopeOptions = {}): FileListing {
  const includes = scopeIncludes(opts).map(globToRegExp);
  const excludes = (opts.exclude ?? []).map(globToRegExp);
  const bases = [...new Set(scopeIncludes(opts).map(globBase))].sort();
  // drop bases inside other bases
  const starts = bases.filter((b) => !bases.some((o) => o !== b && (o === '' || b.startsWith(o + '/'))));
  const files = new Set<string>();
  const problems: FileListing['problems'] = [];
  const visited = new Set<string>();
  const walk = (rel: string) => {
    const abs = rel ? join(root, rel) : root;
    let real: string;
    try {
      real = realpathSync(abs);
    } catch (e) {
      problems.push({ file: rel, message: `cannot resolve: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      return;
    }
    if (visited.has(real)) {
      problems.push({ file: rel, message: 'symlink loop (folder already visited); skipped' });
      return;
    }
    visited.add(real);
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch (e) {
      if (rel) problems.push({ file: rel, message: `cannot read folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      return;
    }
    for (const ent of entries) {
      const childRel = rel ? `${rel}/${ent.name}` : ent.name;
      let isDir = ent.isDirectory();
      let isFile = ent.isFile();
      if (ent.isSymbolicLink()) {
        try {
          const st = statSync(join(root, childRel));
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch (e) {
          problems.push({ file: childRel, message: `broken symlink or loop: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
          continue;
        }
      }
      if (isDir) {
        if (ent.name === '.git') continue;
        if (excludes.some((x) => x.test(childRel) || x.test(childRel + '/'))) continue;
        walk(childRel);
      } else if (isFile && /\.[ch]$/.test(ent.name)) {
        if (includes.some((x) => x.test(childRel)) && !excludes.some((x) => x.test(childRel))) files.add(childRel);
      }
    }
  };
  for (const s of starts) {
    if (s && !existsSync(join(root, s))) continue;
    walk(s);
  }
  return { files: [...files].sort(), problems };
}

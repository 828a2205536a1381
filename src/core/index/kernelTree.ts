// Recognize a kernel tree and list the source files in scope.
import { existsSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { kindOf, readTreeFile } from './treeFiles.ts';
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
    text = readTreeFile(root, 'Makefile').bytes.toString('utf8', 0, 4096); // a FIFO Makefile must not block
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

/**
 * Walks the folders the include globs can reach; regular `.c`/`.h` files only. Symlinks are followed
 * while they stay inside the tree's real root (a link out of it, `ln -s / net/root`, is reported once
 * and skipped); loops are reported; FIFOs, sockets and devices are reported and never opened.
 */
export function listSourceFiles(root: string, opts: ScopeOptions = {}): FileListing {
  const includes = scopeIncludes(opts).map(globToRegExp);
  const excludes = (opts.exclude ?? []).map(globToRegExp);
  const bases = [...new Set(scopeIncludes(opts).map(globBase))].sort();
  // drop bases inside other bases
  const starts = bases.filter((b) => !bases.some((o) => o !== b && (o === '' || b.startsWith(o + '/'))));
  const files = new Set<string>();
  const problems: FileListing['problems'] = [];
  /** Folders walked: real path → the tree path they were walked under. */
  const visited = new Map<string, string>();
  /** Folder symlinks met, walked after every real folder: a link to a folder of the tree (include/x →
   *  ../net) must not claim that folder's files before it is reached by its own path. */
  const linked: string[] = [];
  const realRoot = realPath(root) ?? root;
  const inside = (real: string) => real === realRoot || real.startsWith(realRoot.endsWith('/') ? realRoot : realRoot + '/');
  const source = (name: string) => name.endsWith('.c') || name.endsWith('.h');
  const walk = (rel: string) => {
    const abs = rel ? join(root, rel) : root;
    let real: string;
    try {
      real = realpathSync.native(abs);
    } catch (e) {
      problems.push({ file: rel, message: `cannot resolve: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      return;
    }
    if (!inside(real)) {
      problems.push({ file: rel, message: `symlink leads out of the tree (to ${real}); skipped` });
      return;
    }
    const seenAs = visited.get(real);
    if (seenAs !== undefined) {
      const parent = realPath(join(abs, '..')) ?? '';
      const loop = parent === real || parent.startsWith(real.endsWith('/') ? real : real + '/');
      problems.push({ file: rel, message: loop ? 'symlink loop (to an enclosing folder); skipped' : `symlink to ${seenAs || '.'}, a folder walked under its own path; skipped` });
      return;
    }
    visited.set(real, rel);
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch (e) {
      if (rel) problems.push({ file: rel, message: `cannot read folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      return;
    }
    for (const ent of entries) {
      const childRel = rel ? `${rel}/${ent.name}` : ent.name;
      let st: Pick<Stats, 'isFile' | 'isDirectory' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'> = ent;
      if (ent.isSymbolicLink()) {
        try {
          st = statSync(join(root, childRel));
        } catch (e) {
          problems.push({ file: childRel, message: `broken symlink or loop: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
          continue;
        }
      }
      if (st.isDirectory()) {
        if (ent.name === '.git') continue;
        if (excludes.some((x) => x.test(childRel) || x.test(childRel + '/'))) continue;
        if (ent.isSymbolicLink()) linked.push(childRel);
        else walk(childRel);
        continue;
      }
      if (!source(ent.name) || !includes.some((x) => x.test(childRel)) || excludes.some((x) => x.test(childRel))) continue;
      if (!st.isFile()) {
        problems.push({ file: childRel, message: `${kindOf(st)}, not a regular file; skipped` });
        continue;
      }
      if (ent.isSymbolicLink()) {
        const target = realPath(join(root, childRel));
        if (!target || !inside(target)) {
          problems.push({ file: childRel, message: `symlink leads out of the tree (to ${target ?? '?'}); skipped` });
          continue;
        }
      }
      files.add(childRel);
    }
  };
  for (const s of starts) {
    if (s && !existsSync(join(root, s))) continue;
    walk(s);
  }
  for (let i = 0; i < linked.length; i++) walk(linked[i]);
  return { files: [...files].sort(), problems: problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)) };
}

function realPath(p: string): string | undefined {
  try {
    return realpathSync.native(p);
  } catch {
    return undefined;
  }
}

// The tree as the query commands see it: the derived state from the cache when the tree has not
// changed since it was written (no index opened: a fresh process answers in milliseconds), else the
// index opened (and updated) as usual, the missing derived sections built and saved for next time.
import type { ParsedArgs } from './args.ts';
import { UsageError, lastValue } from './args.ts';
import type { CliIo } from './command.ts';
import { openTree } from './openTree.ts';
import { detectTree, type TreeInfo } from '../core/index/kernelTree.ts';
import { scopeKey, treeAttributeMacros, type IndexSession } from '../core/index/indexer.ts';
import { defaultCacheDir, resolveCacheDir } from '../core/index/cacheDir.ts';
import { CorruptCache } from '../core/index/factsCodec.ts';
import { treeFileReader } from '../core/index/treeFiles.ts';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DerivedStore, NeedsIndex, derivedKey, derivedPath, takeStamps } from '../core/map/derivedStore.ts';
import { graphsFrom } from '../core/map/graphs.ts';
import { MapBuilder } from '../core/map/mapModel.ts';

export interface DerivedTree {
  tree: TreeInfo;
  store: DerivedStore;
  /** Present when the index had to be opened. */
  session?: IndexSession;
}

const scopeOf = (args: ParsedArgs) => ({ all: args.booleans.has('all'), include: args.values.get('include'), exclude: args.values.get('exclude') });

/** Runs `f` on the derived state, from the cache alone when it is current, else from the opened index. */
export async function withDerived<T>(args: ParsedArgs, io: CliIo, f: (d: DerivedTree) => T | Promise<T>): Promise<T> {
  const treeArg = args.positional[0];
  if (!treeArg) throw new UsageError('missing the kernel tree argument');
  const tree = detectTree(treeArg);
  const log = (line: string) => {
    if (!args.booleans.has('quiet')) io.err(`netstack-atlas: ${line}\n`);
  };
  const scope = scopeKey(scopeOf(args));
  const noCache = args.booleans.has('no-cache');
  const path = noCache ? '' : derivedPath(resolveCacheDir(lastValue(args, 'cache-dir') ?? defaultCacheDir(tree.root), tree.root), scope);
  const store = DerivedStore.open(path, scope, undefined, log);
  if (!noCache && store.fresh(tree.root)) {
    try {
      return await f({ tree, store });
    } catch (e) {
      if (e instanceof CorruptCache) {
        log(`derived state damaged (${e.message}); rebuilding it from the index`);
        store.discard();
      } else if (!(e instanceof NeedsIndex)) throw e;
    }
  }
  const session = await openTree(args, io);
  try {
    store.attach({ index: session.index, read: treeFileReader(session.tree.root), key: derivedKey(session.key, session.stamps.values()) });
    const out = await f({ tree: session.tree, store, session });
    if (!noCache) saveDerived(store, session);
    return out;
  } finally {
    store.close();
    session.dispose();
  }
}

/** Builds every derived section (for `index`). */
export function completeDerived(store: DerivedStore, session: IndexSession, log: (line: string) => void): void {
  store.complete(() => new MapBuilder({ index: session.index, ...graphsFrom(store, session.index, log) }));
}

/** Persists what was built, with the stamps of the files it came from (best effort, under the cache lock). */
export function saveDerived(store: DerivedStore, session: IndexSession): boolean {
  const root = session.tree.root;
  return store.save(root, () => takeStamps(root, [...session.stamps.values(), ...headerStamps(root, session)]), (write) => session.access?.attemptLocked(write) ?? false);
}

/** The attribute-macro headers outside the scope: the facts depend on them too. */
function headerStamps(root: string, session: IndexSession): { file: string; size: number; mtimeMs: number }[] {
  const out: { file: string; size: number; mtimeMs: number }[] = [];
  for (const h of treeAttributeMacros(root).headers) {
    if (session.stamps.has(h)) continue;
    const st = statSync(join(root, h), { throwIfNoEntry: false });
    if (st) out.push({ file: h, size: st.size, mtimeMs: st.mtimeMs });
  }
  return out;
}

// The tree as the query commands see it: the derived state from the cache when the tree has not
// changed since it was written (no index opened: a fresh process answers in milliseconds), else the
// index opened (and updated) as usual, the missing derived sections built and saved for next time.
import type { ParsedArgs } from './args.ts';
import { UsageError, lastValue } from './args.ts';
import type { CliIo } from './command.ts';
import { withIndex } from './openTree.ts';
import { detectTree, type TreeInfo } from '../core/index/kernelTree.ts';
import { scopeKey, type IndexSession } from '../core/index/indexer.ts';
import { defaultCacheDir, resolveCacheDir } from '../core/index/cacheDir.ts';
import { CorruptCache } from '../core/index/factsCodec.ts';
import { DerivedStore, NeedsIndex, derivedPath } from '../core/map/derivedStore.ts';
import { derivedOf, inputsOf, saveDerived } from '../core/map/derivedSession.ts';
import { FreshnessBeacon, beaconVouches } from '../core/map/freshBeacon.ts';

export interface DerivedTree {
  tree: TreeInfo;
  store: DerivedStore;
  /** Present when the index had to be opened. */
  session?: IndexSession;
}

const scopeOf = (args: ParsedArgs) => ({ all: args.booleans.has('all'), include: args.values.get('include'), exclude: args.values.get('exclude') });

/** The tree's derived state opened without the index, and whether it is current (no file changed since). */
export function openDerived(args: ParsedArgs, io: CliIo): { tree: TreeInfo; store: DerivedStore; fresh: boolean; cacheDir?: string } {
  const treeArg = args.positional[0];
  if (!treeArg) throw new UsageError('missing the kernel tree argument');
  const tree = detectTree(treeArg);
  const log = (line: string) => {
    if (!args.booleans.has('quiet')) io.err(`netstack-atlas: ${line}\n`);
  };
  const scope = scopeKey(scopeOf(args));
  const noCache = args.booleans.has('no-cache');
  const cacheDir = noCache ? undefined : resolveCacheDir(lastValue(args, 'cache-dir') ?? defaultCacheDir(tree.root), tree.root);
  const store = DerivedStore.open(cacheDir ? derivedPath(cacheDir, scope) : '', scope, undefined, log);
  // a watching host (the extension, `serve`) may vouch that nothing changed: no stat of every file
  const fresh = !!cacheDir && store.fresh(tree.root, (meta) => beaconVouches(cacheDir, scope, meta));
  return { tree, store, fresh, cacheDir };
}

/** Runs `f` on the derived state, from the cache alone when it is current, else from the opened index. */
export async function withDerived<T>(args: ParsedArgs, io: CliIo, f: (d: DerivedTree) => T | Promise<T>): Promise<T> {
  const { tree, store, fresh } = openDerived(args, io);
  const noCache = args.booleans.has('no-cache');
  if (fresh) {
    try {
      return await f({ tree, store });
    } catch (e) {
      // sections other than the graph are checked when loaded; the graph is decoded as the query walks it
      if (e instanceof CorruptCache) store.damaged('graph', e);
      else if (!(e instanceof NeedsIndex)) throw e;
    }
  }
  try {
    return await withIndex(args, io, async (session) => {
      store.attach(inputsOf(session));
      const out = await f({ tree: session.tree, store, session });
      if (!noCache) saveDerived(store, session);
      return out;
    });
  } finally {
    store.close();
  }
}

/** The derived state of an opened index (for `index` and `serve`). */
export const derivedOfArgs = (args: ParsedArgs, session: IndexSession, log: (line: string) => void) => derivedOf(scopeOf(args), session, log);

/** Keeps the proof that nothing changed for the CLI's queries while this process watches the tree
 *  (none without a cache folder: --no-cache). */
export function startBeacon(args: ParsedArgs, root: string, cacheDir: string | undefined, log: (line: string) => void): FreshnessBeacon | undefined {
  if (!cacheDir) return undefined;
  return new FreshnessBeacon({ root, cacheDir, scope: scopeKey(scopeOf(args)), log });
}

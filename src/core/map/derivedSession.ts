// The derived state of an opened index, for every host (CLI `index`/`serve`/queries, the extension):
// where it lives, building what is missing, saving it with the stamps of the files it came from.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { scopeKey, treeAttributeMacros, type IndexSession } from '../index/indexer.ts';
import type { ScopeOptions } from '../index/kernelTree.ts';
import { treeFileReader } from '../index/treeFiles.ts';
import { DerivedStore, derivedKey, derivedPath, takeStamps, type DerivedUpdate } from './derivedStore.ts';
import { graphsFrom } from './graphs.ts';
import { MapBuilder } from './mapModel.ts';

/** The derived state of an opened index: read where valid, built where not. */
export function derivedOf(scope: ScopeOptions, session: IndexSession, log: (line: string) => void): DerivedStore {
  const key = scopeKey(scope);
  const dir = session.access?.dir;
  return DerivedStore.open(dir ? derivedPath(dir, key) : '', key, inputsOf(session), log);
}

export function inputsOf(session: IndexSession) {
  return { index: session.index, read: treeFileReader(session.tree.root), key: derivedKey(session.key, session.stamps.values()) };
}

/** Builds every derived section (graph, macro names, layers, counters, map model). */
export function completeDerived(store: DerivedStore, session: IndexSession, log: (line: string) => void): void {
  store.complete(() => new MapBuilder({ index: session.index, ...graphsFrom(store, session.index, log) }));
}

/** Persists what was built, with the stamps of the files it came from (best effort, under the cache lock). */
export function saveDerived(store: DerivedStore, session: IndexSession): boolean {
  const root = session.tree.root;
  // a map model made stale by an update is saved as a fresh build would save it
  if (store.mapStale) store.mapModel(() => new MapBuilder({ index: session.index, ...graphsFrom(store, session.index, () => {}) }));
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

/**
 * Re-indexes one saved file and brings the derived state up to date for what it changed (DerivedStore.update):
 * the same store, its sections updated in place or, where the change is not local to the file, rebuilt
 * on use (`update.reasons` says which and why).
 */
export async function reindexDerived(_scope: ScopeOptions, session: IndexSession, store: DerivedStore, file: string, log: (line: string) => void): Promise<{ store: DerivedStore; factsChanged: boolean; update: DerivedUpdate }> {
  const old = session.index.fileFacts(file);
  await session.reindexFile(file);
  const update = store.update(file, old, inputsOf(session));
  for (const r of update.reasons) log(`derived ${r}`);
  return { store, factsChanged: update.factsChanged, update };
}

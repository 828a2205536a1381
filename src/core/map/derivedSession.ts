// The derived state of an opened index, for every host (CLI `index`/`serve`/queries, the extension):
// where it lives, building what is missing, saving it with the stamps of the files it came from.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { scopeKey, treeAttributeMacros, type IndexSession } from '../index/indexer.ts';
import type { ScopeOptions } from '../index/kernelTree.ts';
import { treeFileReader } from '../index/treeFiles.ts';
import { DerivedStore, derivedKey, derivedPath, takeStamps } from './derivedStore.ts';
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
 * Re-indexes one saved file and returns the derived state that matches the index after it: the same
 * store when the file's facts did not change (the call graph stands; layers and counters, which also
 * read source lines, are rebuilt on use), else a fresh one rebuilt from the index on first use.
 */
export async function reindexDerived(scope: ScopeOptions, session: IndexSession, store: DerivedStore, file: string, log: (line: string) => void): Promise<{ store: DerivedStore; factsChanged: boolean }> {
  const before = factsText(session, file);
  await session.reindexFile(file);
  if (factsText(session, file) === before) {
    store.rekey(inputsOf(session));
    return { store, factsChanged: false };
  }
  store.close();
  return { store: derivedOf(scope, session, log), factsChanged: true };
}

const factsText = (session: IndexSession, file: string) => {
  const f = session.index.fileFacts(file);
  return f ? canonicalJson(f) : undefined;
};

/** JSON with every object's keys sorted: facts decoded from the cache and facts fresh from the extractor
 *  hold the same values with keys in another order. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, function (_k, x: unknown) {
    if (!x || typeof x !== 'object' || Array.isArray(x)) return x;
    const o = x as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  });
}

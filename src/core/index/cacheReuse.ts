// A tree moved or copied to another path has no cache under its new key; the cache of the same
// kernel version elsewhere still describes most of its files. Its entries are offered to the indexer,
// which accepts each one only if the file's size and content hash still match.
import { join } from 'node:path';
import { readCache, type CachedFile } from './cache.ts';
import { cacheBase, donorCacheDirs } from './cacheDir.ts';
import { CorruptCache } from './factsCodec.ts';
import type { TreeInfo } from './kernelTree.ts';

export function reusableEntries(tree: TreeInfo, configKey: string, log: (line: string) => void, base = cacheBase()): Map<string, CachedFile> | undefined {
  for (const donor of donorCacheDirs(base, { root: tree.root, kernelVersion: tree.kernelVersion })) {
    try {
      const c = readCache(join(donor.dir, 'index.bin'), donor.root);
      if (!c || c.header.configKey !== configKey) continue;
      log(`no cache for this path yet: reusing the entries of ${donor.root} (same Linux ${tree.kernelVersion}) whose content still matches`);
      return new Map(c.files.filter((f) => f.hash).map((f) => [f.file, f]));
    } catch (e) {
      if (!(e instanceof CorruptCache)) throw e;
    }
  }
  return undefined;
}

// Versions of the code, for caches: a hash of source files. The build injects both (scripts/codeVersion.mjs,
// esbuild `define`); running from sources (tsx, tests) the same hashes are computed here, once per process.
//   factsVersion: src/core/index — what extracts a file's facts (and encodes them). A change re-indexes:
//                 a cache never serves facts an older extractor made (no schema bump to forget).
//   codeVersion:  src/core (map/codeVersion.ts) — what derives the call graph, layers, counters, map.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

declare const __NSA_FACTS_VERSION__: string | undefined;

let fromSources: string | undefined;

export function factsVersion(): string {
  if (typeof __NSA_FACTS_VERSION__ === 'string') return __NSA_FACTS_VERSION__;
  return (fromSources ??= sourceHash(__dirname));
}

/** Same as scripts/codeVersion.mjs (a test keeps them equal): every `.ts` under `dir`, by relative path. */
export function sourceHash(dir: string): string {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) files.push(p);
    }
  };
  walk(dir);
  files.sort();
  const h = createHash('sha1');
  for (const f of files) h.update(relative(dir, f).split('\\').join('/') + '\0').update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 16);
}

// The version of the code that derives the cache's call graph, layers, counter map and map model:
// a hash of every source file under src/core. The build injects it (esbuild `define`); running
// from sources, src/core/map/codeVersion.ts computes the same hash at run time.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export function coreSourceHash(coreDir) {
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) files.push(p);
    }
  };
  walk(coreDir);
  files.sort();
  const h = createHash('sha1');
  for (const f of files) h.update(relative(coreDir, f).split('\\').join('/') + '\0').update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 16);
}

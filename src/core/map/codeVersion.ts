// Which code derived a cache's call graph, layers, counter map and map model. The build injects a
// hash of src/core (scripts/codeVersion.mjs, esbuild `define`), so any change to the derivation code
// invalidates the derived sections while the facts stay valid. From sources (tsx, tests) the same
// hash is computed here, once per process.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

declare const __NSA_CODE_VERSION__: string | undefined;

let fromSources: string | undefined;

export function codeVersion(): string {
  if (typeof __NSA_CODE_VERSION__ === 'string') return __NSA_CODE_VERSION__;
  return (fromSources ??= coreSourceHash(join(__dirname, '..')));
}

/** Same as scripts/codeVersion.mjs (a test keeps them equal). */
export function coreSourceHash(coreDir: string): string {
  const files: string[] = [];
  const walk = (d: string) => {
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

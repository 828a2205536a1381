// Which code derived a cache's call graph, layers, counter map and map model. The build injects a
// hash of src/core (scripts/codeVersion.mjs, esbuild `define`), so any change to the derivation code
// invalidates the derived sections while the facts stay valid. From sources (tsx, tests) the same
// hash is computed here, once per process.
import { join } from 'node:path';
import { sourceHash } from '../index/sourceVersion.ts';

declare const __NSA_CODE_VERSION__: string | undefined;

let fromSources: string | undefined;

export function codeVersion(): string {
  if (typeof __NSA_CODE_VERSION__ === 'string') return __NSA_CODE_VERSION__;
  return (fromSources ??= coreSourceHash(join(__dirname, '..')));
}

/** Same as scripts/codeVersion.mjs (a test keeps them equal). */
export const coreSourceHash = sourceHash;

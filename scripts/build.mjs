// One build script, one esbuild target per bundle. tsc only type-checks (npm run typecheck).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, existsSync, readdirSync, chmodSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coreSourceHash } from './codeVersion.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
mkdirSync(dist, { recursive: true });

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

/** Node-side bundles: extension host, CLI, index worker. */
const nodeTargets = [
  { entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode'], optional: true },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: ['src/worker/indexWorker.ts'], outfile: 'dist/indexWorker.js' },
];
/** Browser bundle: the webview map. */
const webTargets = [{ entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', optional: true }];

const builds = [];
for (const { optional, ...t } of nodeTargets) {
  if (optional && !existsSync(join(root, t.entryPoints[0]))) continue;
  // web-tree-sitter's ESM build reads import.meta.url; give the CJS bundle a real one.
  const banner = (t.banner?.js ? t.banner.js + '\n' : '') + "const __importMetaUrl = require('url').pathToFileURL(__filename).href;";
  builds.push({ ...common, ...t, banner: { js: banner }, define: { 'import.meta.url': '__importMetaUrl', __NSA_CODE_VERSION__: JSON.stringify(coreSourceHash(join(root, 'src/core'))), __NSA_FACTS_VERSION__: JSON.stringify(coreSourceHash(join(root, 'src/core/index'))) }, platform: 'node', format: 'cjs', target: 'node20' });
}
for (const { optional, ...t } of webTargets) {
  if (optional && !existsSync(join(root, t.entryPoints[0]))) continue;
  builds.push({ ...common, ...t, platform: 'browser', format: 'iife', target: 'es2022' });
}

// The wasm files travel with the bundles; queries are data files next to them.
copyFileSync(join(root, 'node_modules/web-tree-sitter/tree-sitter.wasm'), join(dist, 'tree-sitter.wasm'));
copyFileSync(join(root, 'node_modules/tree-sitter-c/tree-sitter-c.wasm'), join(dist, 'tree-sitter-c.wasm'));
mkdirSync(join(dist, 'queries'), { recursive: true });
for (const f of readdirSync(join(root, 'syntaxes/queries'))) {
  if (f.endsWith('.scm')) copyFileSync(join(root, 'syntaxes/queries', f), join(dist, 'queries', f));
}
if (existsSync(join(root, 'webview/index.html'))) copyFileSync(join(root, 'webview/index.html'), join(dist, 'webview.html'));

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (existsSync(join(dist, 'cli.js'))) chmodSync(join(dist, 'cli.js'), 0o755);
}

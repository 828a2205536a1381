// The dependency direction of src/core's subsystem folders, checked on the import statements:
// index ← graph ← map, counters ← map, runtime → index/graph; metrics stands alone; nothing in core
// imports vscode or touches the DOM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname, relative, resolve } from 'node:path';
import { repoRoot } from '../helpers.ts';

const core = join(repoRoot, 'src/core');
/** Which folders each folder may import from (besides itself). */
const ALLOWED: Record<string, string[]> = {
  index: [],
  metrics: [],
  graph: ['index'],
  counters: ['index', 'metrics'],
  runtime: ['index', 'graph', 'counters'],
  map: ['index', 'graph', 'counters', 'metrics', 'runtime'],
};

function* tsFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p);
    else if (e.name.endsWith('.ts')) yield p;
  }
}

test('src/core is grouped by subsystem and imports only downwards', () => {
  const wrong: string[] = [];
  for (const file of tsFiles(core)) {
    const rel = relative(core, file);
    const folder = rel.split('/')[0];
    assert.ok(folder in ALLOWED, `${rel}: not in a subsystem folder (${Object.keys(ALLOWED).join(', ')})`);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import\()\s*'([^']+)'/g)) {
      const spec = m[1];
      if (spec === 'vscode') wrong.push(`${rel}: imports vscode`);
      if (!spec.startsWith('.')) continue;
      const target = relative(core, resolve(dirname(file), spec)).split('/')[0];
      if (target.startsWith('..')) wrong.push(`${rel}: imports ${spec} outside src/core`);
      else if (target !== folder && !ALLOWED[folder].includes(target)) wrong.push(`${rel}: ${folder} → ${target} (${spec})`);
    }
    if (/\b(document|window)\.\w/.test(text.replace(/\/\/.*$/gm, ''))) wrong.push(`${rel}: touches the DOM`);
  }
  assert.deepEqual(wrong, []);
});

// The VS Code extension reads tree files under the same rules as serve and the indexer (issue 12,
// "the same file-safety rules in the VS Code extension's own file reads"). Its reads of tree text go
// through src/core (readTreeFile / treeFileReader, tested in treeFiles.test.ts); what it opens in an
// editor — the map's "open", the views' and hovers' `netstackAtlas.openLocation` (a command any
// extension or trusted hover link can call with any arguments) — goes through one method that checks
// the file with locateTreeFile first. Checked on the sources, since a unit test cannot run VS Code:
// before, commands.ts opened `atlas.uri(file)` unchecked (`../../etc/shadow`, a symlink to /, a FIFO).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers.ts';

const dir = join(repoRoot, 'src/extension');
const sources = readdirSync(dir).filter((n) => n.endsWith('.ts')).map((n) => ({ name: n, text: readFileSync(join(dir, n), 'utf8') }));

test('the extension opens tree files in an editor only through Atlas.openSource, which checks them first', () => {
  const opens = sources.flatMap((s) => [...s.text.matchAll(/showTextDocument\(|openTextDocument\(/g)].map(() => s.name));
  assert.deepEqual(opens, ['session.ts'], 'one place opens documents');
  const session = sources.find((s) => s.name === 'session.ts')!.text;
  const method = /\n  async openSource\([\s\S]*?\n  }\n/.exec(session)?.[0] ?? '';
  assert.match(method, /locateTreeFile\(root, file, [^)]*\)[\s\S]*showTextDocument\(/, 'checked before it is opened');
});

test('the extension reads no file itself: tree text comes through src/core', () => {
  const direct = sources.filter((s) => /\b(readFileSync|openSync|createReadStream|readFile|workspace\.fs)\b/.test(s.text)).map((s) => s.name);
  assert.deepEqual(direct, []);
});

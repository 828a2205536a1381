// Text from outside reaches the terminal on stdout too (issue 12, item 5: "raw terminal escapes from
// messages and sources are echoed"): a tree file named with escape sequences, C1 controls and a
// bidirectional override is printed escaped by `index` and the queries; `--json` stays valid JSON
// naming the file exactly; `watch` on a terminal still draws its own screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyFixtureTree, scratch } from '../helpers.ts';
import { runCli } from '../../src/cli/main.ts';

async function cli(argv: string[], isTTY = false) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), isTTY });
  return { code, out, err };
}
/** Raw controls a terminal acts on (C0 but tab and newline, DEL, C1, bidi overrides). */
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

test('tree file names with terminal escapes are printed escaped on stdout; --json names them exactly and stays valid', async () => {
  const tree = copyFixtureTree();
  const evil = 'net/\x1b[2Jclear\x9b31m\u202eevil.c';
  writeFileSync(join(tree, evil), 'int evil_fn(void)\n{\n\treturn tcp_sendmsg();\n}\n');
  execFileSync('mkfifo', [join(tree, 'net/\x1b]0;title\x07.c')]);
  const cache = ['--cache-dir', scratch(), '--workers', '0'];
  const idx = await cli(['index', tree, ...cache]);
  assert.equal(idx.code, 0, idx.err);
  assert.doesNotMatch(idx.out, RAW);
  assert.match(idx.out, /net\/\\x1b\]0;title\\x07\.c: a FIFO, not a regular file; skipped/);
  const callers = await cli(['callers', tree, 'tcp_sendmsg', ...cache]);
  assert.doesNotMatch(callers.out, RAW);
  assert.match(callers.out, /evil_fn → tcp_sendmsg {2}net\/\\x1b\[2Jclear\\u009b31m\\u202eevil\.c:3 /);
  const json = await cli(['callers', tree, 'tcp_sendmsg', '--json', ...cache]);
  assert.doesNotMatch(json.out, RAW);
  assert.ok(JSON.stringify(JSON.parse(json.out)).includes(JSON.stringify(evil)), 'the exact name in the JSON');
});

test('watch on a terminal still draws its screen with its own control sequences', async () => {
  const r = await cli(['watch', '--count', '1', '--interval', '0.05', '--no-sockets'], true);
  assert.equal(r.code, 0, r.err);
  assert.ok(r.out.includes('\x1b[?25l\x1b[H\x1b[2J'), 'clears and homes the screen');
  assert.ok(r.out.endsWith('\x1b[?25h'), 'shows the cursor again');
});

// The tree walk never leaves the tree's real root and indexes regular files only (hardening items 6, 7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyFixtureTree, grammar, scratch } from '../helpers.ts';
import { openIndex } from '../../src/core/index/indexer.ts';
import { listSourceFiles } from '../../src/core/index/kernelTree.ts';
import { readAndParse } from '../../src/core/index/readSourceFile.ts';
import { AttributeBlanker } from '../../src/core/index/attributeMacros.ts';
import { sharedParser } from '../helpers.ts';

const open = (tree: string) => openIndex(tree, { grammar, workers: 0, noCache: true });
const errorsOf = (s: Awaited<ReturnType<typeof open>>) => s.stats.errors.filter((e) => e.file);
const mkfifo = (path: string) => execFileSync('mkfifo', [path]);

test('a folder symlink to / is reported once and not walked', { timeout: 60_000 }, async () => {
  const tree = copyFixtureTree();
  const base = listSourceFiles(tree).files;
  symlinkSync('/', join(tree, 'net/root'));
  const l = listSourceFiles(tree);
  assert.deepEqual(l.files, base);
  const about = l.problems.filter((p) => p.file === 'net/root');
  assert.equal(about.length, 1);
  assert.equal(about[0].message, 'symlink leads out of the tree (to /); skipped');
});

test("a folder symlink to another tree's net/sched indexes nothing foreign", { timeout: 60_000 }, async () => {
  const other = copyFixtureTree();
  mkdirSync(join(other, 'net/sched'));
  writeFileSync(join(other, 'net/sched/sch_foreign.c'), 'int foreign_fn(void)\n{\n\treturn 0;\n}\n');
  const tree = copyFixtureTree();
  symlinkSync(join(other, 'net/sched'), join(tree, 'net/sched'));
  const s = await open(tree);
  assert.equal(s.index.functions('foreign_fn').length, 0);
  assert.ok(!s.stats.errors.some((e) => e.file.startsWith('net/sched/')));
  const about = errorsOf(s).filter((e) => e.file === 'net/sched');
  assert.equal(about.length, 1);
  assert.match(about[0].message, /^symlink leads out of the tree \(to .*net\/sched\); skipped$/);
  // the rest of the tree is all there
  assert.ok(s.index.functions('inet_init').length === 1);
});

test('a folder symlink to a folder of the same tree: its files keep their own paths, the link is named once', async () => {
  // include/netalias is walked before net/ by name: before, net's files were indexed as
  // include/netalias/… and the real net/ was skipped as "symlink loop (folder already visited)"
  const tree = copyFixtureTree();
  const base = listSourceFiles(tree).files;
  symlinkSync('../net', join(tree, 'include/netalias'));
  const l = listSourceFiles(tree);
  assert.deepEqual(l.files, base);
  assert.deepEqual(l.problems, [{ file: 'include/netalias', message: 'symlink to net, a folder walked under its own path; skipped' }]);
  const s = await open(tree);
  assert.equal(s.index.functions('inet_init')[0].file, 'net/ipv4/af_inet.c');
  // a loop is still a loop
  symlinkSync('..', join(tree, 'net/ipv4/up'));
  assert.deepEqual(listSourceFiles(tree).problems.find((p) => p.file === 'net/ipv4/up'), { file: 'net/ipv4/up', message: 'symlink loop (to an enclosing folder); skipped' });
});

test('a file symlink out of the tree is skipped; links inside the tree still work', async () => {
  const outside = scratch();
  writeFileSync(join(outside, 'secret.c'), 'int secret_fn(void)\n{\n\treturn 0;\n}\n');
  const tree = copyFixtureTree();
  symlinkSync(join(outside, 'secret.c'), join(tree, 'net/secret.c'));
  symlinkSync('../net/socket.c', join(tree, 'drivers/socket_alias.c'));
  // the tree reached through a symlinked path: its real root is what counts
  const viaLink = join(scratch(), 'link');
  symlinkSync(tree, viaLink);
  const l = listSourceFiles(viaLink, { include: ['**'] });
  assert.ok(!l.files.includes('net/secret.c'));
  assert.ok(l.files.includes('drivers/socket_alias.c'));
  assert.deepEqual(l.problems.map((p) => p.file), ['net/secret.c']);
  assert.match(l.problems[0].message, /^symlink leads out of the tree \(to .*secret\.c\); skipped$/);
});

test('FIFOs and devices named *.c, and a FIFO Makefile or header, never block the index', { timeout: 60_000 }, async () => {
  const tree = copyFixtureTree();
  mkfifo(join(tree, 'net/fifo.c'));
  rmSync(join(tree, 'include/linux/compiler_types.h'));
  mkfifo(join(tree, 'include/linux/compiler_types.h'));
  const root = process.getuid?.() === 0;
  if (root) execFileSync('mknod', [join(tree, 'net/null.c'), 'c', '1', '3']);
  symlinkSync('fifo.c', join(tree, 'net/fifo_link.c'));
  const s = await open(tree);
  const errors = Object.fromEntries(errorsOf(s).map((e) => [e.file, e.message]));
  assert.equal(errors['net/fifo.c'], 'a FIFO, not a regular file; skipped');
  assert.equal(errors['net/fifo_link.c'], 'a FIFO, not a regular file; skipped');
  assert.equal(errors['include/linux/compiler_types.h'], 'a FIFO, not a regular file; skipped');
  if (root) assert.equal(errors['net/null.c'], 'a device file, not a regular file; skipped');
  assert.ok(s.index.functions('inet_init').length === 1);

  // a FIFO Makefile: the version is unknown, nothing blocks
  const t2 = copyFixtureTree();
  rmSync(join(t2, 'Makefile'));
  mkfifo(join(t2, 'Makefile'));
  const s2 = await open(t2);
  assert.equal(s2.stats.kernelVersion, null);
});

test('a file swapped for a FIFO after the listing is refused at read time', { timeout: 30_000 }, async () => {
  const tree = copyFixtureTree();
  rmSync(join(tree, 'net/socket.c'));
  mkfifo(join(tree, 'net/socket.c'));
  const r = readAndParse(await sharedParser(), new AttributeBlanker({ words: new Set(), calls: new Set() }), tree, 'net/socket.c');
  assert.equal(r.error, 'a FIFO, not a regular file; not read');
  assert.equal(r.facts, undefined);
});

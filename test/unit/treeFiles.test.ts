// The one safe way to read a tree file (issue 12, item 3 and the indexer's reads): symlinks out of
// the tree, FIFOs, devices, directories, oversized files, names that climb out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyFixtureTree, scratch, sharedParser, cliPath } from '../helpers.ts';
import { locateTreeFile, readTreeFile, treeFileReader, TreeFileError } from '../../src/core/index/treeFiles.ts';
import { readAndParse } from '../../src/core/index/readSourceFile.ts';
import { AttributeBlanker, deriveAttributeMacros } from '../../src/core/index/attributeMacros.ts';

function hostileTree(): string {
  const tree = copyFixtureTree();
  const outside = scratch();
  writeFileSync(join(outside, 'secret.c'), 'int secret_fn(void) { return 42; }\n');
  mkdirSync(join(outside, 'sched'));
  writeFileSync(join(outside, 'sched/foreign.c'), 'int foreign_fn(void) { return 1; }\n');
  symlinkSync('/', join(tree, 'net/escape'));
  symlinkSync(join(outside, 'secret.c'), join(tree, 'net/secret.c'));
  symlinkSync(join(outside, 'sched'), join(tree, 'net/sched_link'));
  symlinkSync('socket.c', join(tree, 'net/alias.c')); // inside the tree: fine
  execFileSync('mkfifo', [join(tree, 'net/fifo.c')]);
  symlinkSync('/dev/zero', join(tree, 'net/zero.c'));
  writeFileSync(join(tree, 'net/big.c'), Buffer.alloc(3 * 1024 * 1024, 0x20));
  return tree;
}

const problem = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof TreeFileError, String(e));
    assert.ok(!e.message.includes('\n'));
    return e.problem;
  }
  return 'read';
};

test('readTreeFile: inside the real root, regular files only, capped; each refusal one line', () => {
  const tree = hostileTree();
  assert.equal(problem(() => readTreeFile(tree, 'net/escape/etc/passwd')), 'outside');
  assert.equal(problem(() => readTreeFile(tree, 'net/escape/proc/self/environ')), 'outside');
  assert.equal(problem(() => readTreeFile(tree, 'net/secret.c')), 'outside');
  assert.equal(problem(() => readTreeFile(tree, 'net/sched_link/foreign.c')), 'outside');
  assert.equal(problem(() => readTreeFile(tree, 'net/fifo.c')), 'not-regular');
  assert.equal(problem(() => readTreeFile(tree, 'net/zero.c')), 'outside', '/dev/zero is outside the tree');
  assert.equal(problem(() => readTreeFile(tree, 'net')), 'not-regular');
  assert.equal(problem(() => readTreeFile(tree, 'net/big.c', 1024 * 1024)), 'too-big');
  assert.equal(problem(() => readTreeFile(tree, 'net/missing.c')), 'missing');
  for (const name of ['../etc/passwd', '/etc/passwd', 'net/../../x', 'net/\0x', '']) assert.equal(problem(() => readTreeFile(tree, name)), 'bad-name', name);
  assert.equal(problem(() => readTreeFile(tree, 'net/alias.c')), 'read');
  assert.match(readTreeFile(tree, 'net/alias.c').bytes.toString(), /__sys_socket/);
  assert.match(String(locateTreeFile(tree, 'net/alias.c').real), /net\/socket\.c$/);
  const read = treeFileReader(tree);
  assert.equal(read('net/secret.c'), undefined);
  assert.equal(read('net/fifo.c'), undefined);
  assert.match(read('net/socket.c') ?? '', /__sys_socket/);
});

test('a device file inside the tree is not read', () => {
  const tree = copyFixtureTree();
  try {
    execFileSync('mknod', [join(tree, 'net/null.c'), 'c', '1', '3']);
  } catch {
    return; // not allowed here (not root)
  }
  assert.equal(problem(() => readTreeFile(tree, 'net/null.c')), 'not-regular');
});

test('the indexer reads through it: a FIFO *.c is an error line, a symlinked foreign file is not indexed', async () => {
  const tree = hostileTree();
  const parser = await sharedParser();
  const blanker = new AttributeBlanker(deriveAttributeMacros([]));
  const fifo = readAndParse(parser, blanker, tree, 'net/fifo.c');
  assert.match(String(fifo.error), /a FIFO, not a regular file/);
  const secret = readAndParse(parser, blanker, tree, 'net/secret.c');
  assert.match(String(secret.error), /leads outside the tree/);
  assert.equal(secret.facts, undefined);
  const alias = readAndParse(parser, blanker, tree, 'net/alias.c');
  assert.ok(alias.facts?.functions.some((f) => f.name === '__sys_socket'));
});

test('index of a tree holding a FIFO named *.c finishes (the whole CLI, bounded)', () => {
  const tree = copyFixtureTree();
  execFileSync('mkfifo', [join(tree, 'net/fifo.c')]);
  const r = spawnSync(process.execPath, [cliPath, 'index', tree, '--no-cache', '--workers', '0', '--json'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, 'did not hang on the FIFO');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const e = out.errors.find((x: { file: string }) => x.file === 'net/fifo.c');
  // Listed and refused by the reader, or left out by the tree walk: either way not read.
  if (e) assert.match(e.message, /FIFO/);
  assert.ok(out.functions > 0);
});

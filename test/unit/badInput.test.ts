// Bad input: each gets a clear one-line message, the rest of the tree is still indexed, nothing hangs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, rmSync, symlinkSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { copyFixtureTree, grammar, scratch, fixtureTree, cliPath } from '../helpers.ts';
import { openIndex } from '../../src/core/index/indexer.ts';
import { NotAKernelTree } from '../../src/core/index/kernelTree.ts';

const open = (tree: string, extra: Partial<Parameters<typeof openIndex>[1]> = {}) => openIndex(tree, { grammar, workers: 0, noCache: true, ...extra });
const errorsOf = (s: Awaited<ReturnType<typeof open>>) => Object.fromEntries(s.stats.errors.map((e) => [e.file, e.message]));

async function baseline() {
  return (await open(fixtureTree)).index.counts().functions;
}

test('not a kernel tree: one line, thrown before any work', async () => {
  const dir = scratch();
  writeFileSync(join(dir, 'hello.c'), 'int main(void) { return 0; }\n');
  await assert.rejects(open(dir), (e: Error) => e instanceof NotAKernelTree && /not a Linux kernel tree/.test(e.message) && !e.message.includes('\n'));
  await assert.rejects(open(join(dir, 'missing')), /no such directory/);
  const r = spawnSync('node', [cliPath, 'index', join(dir, 'missing'), '--json'], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /no such directory/);
});

test('a partial tree (only net/) is indexed with a warning and no version', async () => {
  const dir = scratch();
  cpSync(join(fixtureTree, 'net'), join(dir, 'net'), { recursive: true });
  const s = await open(dir);
  assert.equal(s.stats.kernelVersion, null);
  assert.ok(s.stats.warnings.some((w) => /partial tree/.test(w.message)));
  assert.ok(s.index.functions('__sys_socket').length === 1);
});

test('binary, oversized, non-UTF-8, CRLF and empty files', async () => {
  const tree = copyFixtureTree();
  const n0 = await baseline();
  writeFileSync(join(tree, 'net/blob.c'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3]));
  writeFileSync(join(tree, 'net/huge.c'), 'int x;\n'.repeat(1_600_000)); // 11.2 MB
  writeFileSync(join(tree, 'net/latin1.c'), Buffer.concat([Buffer.from('/* caf'), Buffer.from([0xe9]), Buffer.from(' */\nint latin_fn(void)\n{\n\treturn 1;\n}\n')]));
  writeFileSync(join(tree, 'net/crlf.c'), 'int crlf_fn(int a)\r\n{\r\n\treturn helper(a);\r\n}\r\n');
  writeFileSync(join(tree, 'net/empty.c'), '');
  const s = await open(tree);
  const errors = errorsOf(s);
  assert.match(errors['net/blob.c'], /binary/);
  assert.match(errors['net/huge.c'], /over the 10 MiB limit/);
  assert.equal(Object.keys(errors).length, 2);
  assert.ok(s.stats.warnings.some((w) => w.file === 'net/latin1.c' && /Latin-1/.test(w.message)));
  assert.equal(s.index.functions('latin_fn')[0].def.line, 2);
  assert.equal(s.index.functions('crlf_fn')[0].def.endLine, 4);
  assert.deepEqual(s.index.callees('crlf_fn').map((c) => [c.to, c.line]), [['helper', 3]]);
  assert.ok(s.index.fileFacts('net/empty.c'));
  assert.equal(s.index.counts().functions, n0 + 2);
});

test('a symlink loop is reported once and the walk goes on', async () => {
  const tree = copyFixtureTree();
  symlinkSync('..', join(tree, 'net/ipv4/loop'));
  symlinkSync('nowhere.c', join(tree, 'net/dangling.c'));
  const s = await open(tree);
  const errors = errorsOf(s);
  assert.match(errors['net/ipv4/loop'], /symlink loop/);
  assert.match(errors['net/dangling.c'], /broken symlink/);
  assert.equal(s.index.counts().functions, await baseline());
});

test('an unreadable file is named; the others are indexed', async (t) => {
  const tree = copyFixtureTree();
  const file = join(tree, 'net/socket.c');
  chmodSync(file, 0o000);
  if (process.getuid?.() === 0) {
    // root reads anything: run the CLI as nobody to see a real EACCES
    chmodSync(join(tree, '..'), 0o755);
    const r = spawnSync('node', [cliPath, 'index', tree, '--no-cache', '--workers', '0', '--json'], { encoding: 'utf8', uid: 65534, gid: 65534 });
    if (r.error || (r.status !== 0 && /EACCES.*cli|Cannot find module/.test(r.stderr))) {
      t.skip(`cannot run the CLI as nobody here: ${r.error?.message ?? r.stderr.split('\n')[0]}`);
      return;
    }
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.errors, [{ file: 'net/socket.c', message: 'unreadable (permission denied)' }]);
    assert.ok(out.functions > 0);
    return;
  }
  const s = await open(tree);
  assert.match(errorsOf(s)['net/socket.c'], /permission denied/);
});

test('a file deleted, or rewritten, while indexing', async () => {
  const tree = copyFixtureTree();
  let step = 0;
  // files are parsed biggest first: the first progress tick comes before the small ones are read
  const s = await open(tree, {
    onProgress: () => {
      if (step++ !== 1) return;
      rmSync(join(tree, 'net/socket.c'));
      writeFileSync(join(tree, 'drivers/net/loopback.c'), 'int rewritten_fn(void)\n{\n\treturn 0;\n}\n');
    },
  });
  assert.equal(errorsOf(s)['net/socket.c'], 'deleted while indexing');
  assert.equal(s.index.functions('sys_socket').length, 0);
  assert.equal(s.index.functions('rewritten_fn').length, 1);
  assert.equal(s.index.functions('loopback_xmit').length, 0);
  assert.ok(s.index.functions('inet_init').length === 1);
});

test('the CLI answers from the cache after index, and wrong names get suggestions', () => {
  const tree = copyFixtureTree();
  const cache = scratch();
  const run = (...a: string[]) => spawnSync('node', [cliPath, ...a, '--cache-dir', cache], { encoding: 'utf8' });
  const idx = JSON.parse(run('index', tree, '--json').stdout);
  assert.equal(idx.parsedFiles, idx.files);
  const second = JSON.parse(run('index', tree, '--json').stdout);
  assert.equal(second.parsedFiles, 0);
  const defs = JSON.parse(run('defs', tree, '--kind', 'function', '--json').stdout);
  assert.ok(defs.some((d: { name: string; file: string; line: number }) => d.name === 'inet_sendmsg' && d.file === 'net/ipv4/af_inet.c' && d.line === 4));
  const ops = JSON.parse(run('ops', tree, '--struct', 'inet_protosw', '--json').stdout);
  assert.deepEqual(ops.map((o: { name: string }) => o.name), ['inetsw_array[0]', 'inetsw_array[1]']);
  const bad = run('callers', tree, 'inet_sendmsgg', '--json');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown function 'inet_sendmsgg'; did you mean inet_sendmsg/);
  const st = JSON.parse(run('struct', tree, 'sk_buff', '--json').stdout);
  assert.ok(st.fields.some((f: { name: string }) => f.name === 'protocol'));
});

// One cache per tree shared by every process: two indexers at once, a writer killed mid-write, a
// reader while a write is under way. Real CLI processes on a fixture copy grown with generated files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, grownTree, scratch } from '../helpers.ts';
import { readCache } from '../../src/core/index/cache.ts';

/** The tree root a cache folder belongs to (its tree.json). */
const ownerOf = (cacheDir: string): string => JSON.parse(readFileSync(join(cacheDir, 'tree.json'), 'utf8')).root;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): { done: Promise<Run>; pid: number } {
  const p = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  return { pid: p.pid!, done: new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal, out, err }))) };
}

test('two concurrent index runs on one tree: one parses, the other waits and reuses; the cache is whole', async () => {
  const tree = grownTree(60);
  const cacheDir = scratch();
  const [a, b] = await Promise.all([cli(['index', tree, '--cache-dir', cacheDir, '--json']).done, cli(['index', tree, '--cache-dir', cacheDir, '--json']).done]);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  const ja = JSON.parse(a.out), jb = JSON.parse(b.out);
  assert.equal(ja.files, jb.files);
  // the second one waited for the lock and then found everything in the cache
  assert.equal(ja.parsedFiles + jb.parsedFiles, ja.files, `${ja.parsedFiles} + ${jb.parsedFiles}`);
  assert.match(a.err + b.err, /waiting for another indexer \(pid \d+\)/);
  const c = readCache(join(cacheDir, 'index.bin'), ownerOf(cacheDir))!;
  assert.equal(c.files.length, ja.files);
  assert.deepEqual(readdirSync(cacheDir).filter((n) => n.endsWith('.tmp') || n.startsWith('lock')), []);
});

test('SIGKILL while the cache is written: the next run takes the stale lock over, cleans up and is whole', async () => {
  const tree = grownTree(240);
  const cacheDir = scratch();
  mkdirSync(cacheDir, { recursive: true });
  const run = cli(['index', tree, '--cache-dir', cacheDir, '--json']);
  let killedAt = '';
  const w = watch(cacheDir, (_ev, name) => {
    if (!killedAt && name && String(name).startsWith('index.bin.') && String(name).endsWith('.tmp')) {
      killedAt = String(name);
      process.kill(run.pid, 'SIGKILL');
    }
  });
  const r = await run.done;
  w.close();
  assert.equal(r.signal, 'SIGKILL', 'killed while writing index.bin');
  assert.ok(killedAt);
  // the dead writer's lock is still there, naming a dead process
  assert.ok(existsSync(join(cacheDir, 'lock')));
  assert.equal(Number(readFileSync(join(cacheDir, 'lock'), 'utf8').split(' ')[0]), run.pid);
  const next = await cli(['index', tree, '--cache-dir', cacheDir, '--json']).done;
  assert.equal(next.code, 0, next.err);
  assert.doesNotMatch(next.err, /waiting/);
  const j = JSON.parse(next.out);
  assert.equal(readCache(join(cacheDir, 'index.bin'), ownerOf(cacheDir))!.files.length, j.files);
  assert.deepEqual(readdirSync(cacheDir).filter((n) => n.endsWith('.tmp') || n.startsWith('lock')), []);
  const again = JSON.parse(execFileSync(process.execPath, [cliPath, 'index', tree, '--cache-dir', cacheDir, '--json'], { encoding: 'utf8' }));
  assert.equal(again.parsedFiles, 0);
});

test('a reader during a write sees the last complete cache, never a partial one', async () => {
  const tree = grownTree(240);
  const cacheDir = scratch();
  const first = JSON.parse(execFileSync(process.execPath, [cliPath, 'index', tree, '--cache-dir', cacheDir, '--json'], { encoding: 'utf8' }));
  const root = ownerOf(cacheDir);
  // change every generated file so the next run rewrites the whole cache
  for (const n of readdirSync(join(tree, 'net/gen'))) writeFileSync(join(tree, 'net/gen', n), readFileSync(join(tree, 'net/gen', n), 'utf8') + '\nstatic int gen_extra(void) { return 0; }\n');
  const writer = cli(['index', tree, '--cache-dir', cacheDir, '--json']);
  let reads = 0;
  let readerRun: Promise<Run> | undefined;
  const w = watch(cacheDir, (_ev, name) => {
    if (!name || !String(name).endsWith('.tmp') || !String(name).startsWith('index.bin.')) return;
    // the temporary file exists: the writer is mid-write; index.bin is the previous, complete version
    const c = readCache(join(cacheDir, 'index.bin'), root)!;
    assert.equal(c.files.length, first.files);
    for (const f of c.files) if (f.facts) f.facts.functions.length;
    reads++;
    readerRun ??= cli(['callers', tree, 'skb_len', '--cache-dir', cacheDir]).done;
  });
  const r = await writer.done;
  w.close();
  assert.equal(r.code, 0, r.err);
  assert.ok(reads > 0, 'read while the write was under way');
  const rr = await readerRun!;
  assert.equal(rr.code, 0, rr.err);
  assert.match(rr.out, /gen_\d+_\d+ → skb_len/);
  assert.ok(readCache(join(cacheDir, 'index.bin'), root)!.files.length >= first.files);
});

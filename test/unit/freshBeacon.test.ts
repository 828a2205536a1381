// The proof a watching host keeps that nothing changed since the derived state was saved: CLI queries
// trust it instead of stat-ing every file. What matters is that it never vouches for a changed tree:
// an edit, a new file, a change before the watch started, a host that is gone or whose event loop
// is blocked (SIGSTOP) — and that the CLI then answers from the changed tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, copyFixtureTree, scratch } from '../helpers.ts';
import { startServe } from '../serveClient.ts';
import { FreshnessBeacon, VALID_MS, beaconPath, beaconVouches } from '../../src/core/map/freshBeacon.ts';
import { DerivedStore, derivedPath } from '../../src/core/map/derivedStore.ts';
import { TreeWatch } from '../../src/core/map/treeWatch.ts';
import { scopeKey } from '../../src/core/index/indexer.ts';

const scope = scopeKey({});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await sleep(20)) if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
}

function indexed(): { tree: string; cache: string } {
  const tree = copyFixtureTree();
  const cache = scratch('nsa-beacon-');
  execFileSync(process.execPath, [cliPath, 'index', tree, '--cache-dir', cache, '--workers', '0', '--quiet']);
  return { tree, cache };
}

const meta = (cache: string) => {
  const store = DerivedStore.open(derivedPath(cache, scope), scope, undefined, () => {});
  const m = store.meta!;
  store.close();
  return m;
};

const callees = (tree: string, cache: string, fn: string) => execFileSync(process.execPath, [cliPath, 'callees', tree, fn, '--cache-dir', cache, '--quiet'], { encoding: 'utf8' });

test('armed on a current tree; an edited file ends the proof at once, and the CLI answers from the edit', async () => {
  const { tree, cache } = indexed();
  const b = new FreshnessBeacon({ root: tree, cacheDir: cache, scope });
  try {
    assert.ok(b.isArmed, 'armed');
    assert.ok(beaconVouches(cache, scope, meta(cache)));
    const before = callees(tree, cache, 'loopback_xmit');
    assert.ok(!before.includes('kfree_skb'), before);
    appendFileSync(join(tree, 'drivers/net/loopback.c'), '\nstatic int lo_extra(struct sk_buff *skb)\n{\n\tkfree_skb(skb);\n\treturn 0;\n}\n');
    await until('the proof is dropped', () => !b.isArmed);
    assert.match(b.lastChange ?? '', /drivers\/net\/loopback\.c changed/);
    assert.ok(!existsSync(beaconPath(cache, scope)), 'the beacon file is gone');
    assert.match(callees(tree, cache, 'lo_extra'), /kfree_skb/, 'the CLI sees the edit');
    // the CLI saved the derived state again: the host re-arms on its next beat
    b.tick();
    assert.ok(b.isArmed, 're-armed for the saved derived state');
    assert.ok(beaconVouches(cache, scope, meta(cache)));
  } finally {
    b.dispose();
  }
  assert.ok(!existsSync(beaconPath(cache, scope)), 'removed when the host stops');
});

test('a new file in a watched folder ends it; a change before the watch started means it is never armed', async () => {
  const { tree, cache } = indexed();
  const b = new FreshnessBeacon({ root: tree, cacheDir: cache, scope });
  try {
    assert.ok(b.isArmed);
    writeFileSync(join(tree, 'net/ipv4/new_proto.c'), 'int new_proto_rcv(void) { return 0; }\n');
    await until('dropped on a new file', () => !b.isArmed);
    assert.match(b.lastChange ?? '', /net\/ipv4\/new_proto\.c created/);
  } finally {
    b.dispose();
  }
  // the tree changed after the derived state was saved and before any host watched it
  const late = new FreshnessBeacon({ root: tree, cacheDir: cache, scope });
  try {
    assert.ok(!late.isArmed, 'not armed: the stamps do not match');
    assert.ok(!beaconVouches(cache, scope, meta(cache)));
  } finally {
    late.dispose();
  }
});

test('a reader trusts only a beacon that names this derived state, from a live host, touched within 6 s', () => {
  const { tree, cache } = indexed();
  const m = meta(cache);
  const path = beaconPath(cache, scope);
  const write = (pid: number, key = m.key) => writeFileSync(path, JSON.stringify({ pid, root: m.root, key, writtenAt: m.writtenAt }));
  write(process.pid);
  assert.ok(beaconVouches(cache, scope, m));
  write(process.pid, 'another index');
  assert.ok(!beaconVouches(cache, scope, m), 'another derived state');
  const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
  write(gone);
  assert.ok(!beaconVouches(cache, scope, m), 'its host is gone');
  write(0);
  assert.ok(!beaconVouches(cache, scope, m), 'pid 0 (kill would signal our own process group)');
  write(process.pid);
  const old = new Date(Date.now() - VALID_MS - 1000);
  utimesSync(path, old, old);
  assert.ok(!beaconVouches(cache, scope, m), 'not touched for more than 6 s');
  writeFileSync(path, '{"pid":');
  assert.ok(!beaconVouches(cache, scope, m), 'unreadable');
  assert.ok(tree);
});

test('a folder that cannot be watched is a change (said once), never a silent gap', () => {
  const tree = copyFixtureTree();
  const why: string[] = [];
  const w = new TreeWatch({ root: tree, dirs: ['net', 'no/such/folder'], files: [], onChange: (l) => why.push(l) });
  assert.equal(w.watching, 0);
  assert.equal(why.length, 1);
  assert.match(why[0], /cannot watch no\/such\/folder/);
  w.close();
});

test('serve keeps the beacon while it runs; stopped (SIGSTOP) it stops vouching within 6 s, and the CLI sees an edit', { timeout: 60_000 }, async () => {
  const { tree, cache } = indexed();
  const s = await startServe(tree, ['--no-metrics'], cache);
  const path = beaconPath(cache, scope);
  try {
    await until('serve armed the beacon', () => existsSync(path) && beaconVouches(cache, scope, meta(cache)));
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, s.child.pid);
    process.kill(s.child.pid!, 'SIGSTOP');
    // its event loop cannot take the inotify event: the beacon stays, but stops being touched
    appendFileSync(join(tree, 'net/socket.c'), '\nint sock_extra(void)\n{\n\treturn sock_create(0);\n}\n');
    await until('the stopped host no longer vouches', () => !beaconVouches(cache, scope, meta(cache)), VALID_MS + 4000);
    assert.match(callees(tree, cache, 'sock_extra'), /sock_create/);
  } finally {
    process.kill(s.child.pid!, 'SIGCONT');
    await s.stop();
  }
  assert.ok(!existsSync(path) || JSON.parse(readFileSync(path, 'utf8')).pid !== s.child.pid, 'serve removed its beacon');
});

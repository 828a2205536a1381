// Incremental derived state on linux-source-6.1 (reuses the integration index cache): net/ipv4/tcp.c's
// facts edited in memory as a saved edit would change them (a call added in tcp_sendmsg with every
// later line moved down, then a new function), each update made in place, and the sections saved
// afterwards byte for byte those of a build from scratch on the same index. The tree is not written:
// the facts are replaced in the index, as a re-parse would replace them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { distDir, grammar, integrationCache, scratch } from '../helpers.ts';
import { openIndex, scopeKey, type IndexSession } from '../../src/core/index/indexer.ts';
import type { FileFacts } from '../../src/core/index/facts.ts';
import { DerivedStore, DERIVED_SECTIONS } from '../../src/core/map/derivedStore.ts';
import { completeDerived, inputsOf } from '../../src/core/map/derivedSession.ts';
import { graphsFrom } from '../../src/core/map/graphs.ts';
import { MapBuilder } from '../../src/core/map/mapModel.ts';
import { SectionFile } from '../../src/core/index/sectionFile.ts';

const tree = process.env.NETSTACK_ATLAS_KERNEL ?? '';
const FILE = 'net/ipv4/tcp.c';

/** A deep copy of `facts` with every line after `after` moved down by one (facts, members, struct fields). */
function linesMovedDown(facts: FileFacts, after: number): FileFacts {
  return JSON.parse(JSON.stringify(facts), function (k, v: unknown) {
    if ((k === 'line' || k === 'startLine' || k === 'endLine') && typeof v === 'number') return v > after ? v + 1 : v;
    if (k === 'memberLines' && v && typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, number>).map(([m, l]) => [m, l > after ? l + 1 : l]));
    return v;
  }) as FileFacts;
}

function saved(store: DerivedStore, s: IndexSession): void {
  store.mapModel(() => new MapBuilder({ index: s.index, ...graphsFrom(store, s.index, () => {}) }));
  assert.ok(store.save(s.tree.root, () => ({ files: [], sizes: [], mtimes: [], dirs: [], dirMtimes: [] })));
}

test('tcp.c: a call added (lines moved) and a function added update graph, layers and counters in place, equal to a build from scratch', async () => {
  const s = await openIndex(tree, { grammar, distDir, cacheDir: integrationCache });
  const dir = scratch();
  const scope = scopeKey({});
  const store = DerivedStore.open(join(dir, 'incremental.bin'), scope, inputsOf(s), () => {});
  completeDerived(store, s, () => {});
  const original = s.index.fileFacts(FILE)!;
  const sendmsg = original.functions.find((f) => f.name === 'tcp_sendmsg')!;
  assert.ok(sendmsg, 'tcp_sendmsg in tcp.c');
  // 1. `tcp_push_pending_frames(sk);` as the first line of tcp_sendmsg's body
  const at = sendmsg.startLine + 1;
  const edited = linesMovedDown(original, at);
  edited.calls.push({ caller: 'tcp_sendmsg', callee: 'tcp_push_pending_frames', line: at + 1 });
  edited.calls.sort((a, b) => a.line - b.line);
  s.index.setFile(edited);
  const u1 = store.update(FILE, original, inputsOf(s));
  assert.deepEqual(u1.rebuilt, [], u1.reasons.join('; '));
  assert.ok(u1.incremental.includes('graph') && u1.incremental.includes('layers'), JSON.stringify(u1));
  assert.ok(store.graph().callees('tcp_sendmsg').some((e) => e.to === 'tcp_push_pending_frames' && e.line === at + 1));
  // 2. a new function at the end of the file, calling an existing one
  const withFn: FileFacts = JSON.parse(JSON.stringify(edited));
  const end = Math.max(...withFn.functions.map((f) => f.endLine)) + 2;
  withFn.functions.push({ name: 'tcp_it_added', line: end, startLine: end, endLine: end + 4, signature: 'static int tcp_it_added(struct sock *sk)', isStatic: true, isInline: false });
  withFn.calls.push({ caller: 'tcp_it_added', callee: 'tcp_push_pending_frames', line: end + 2 });
  s.index.setFile(withFn);
  const u2 = store.update(FILE, edited, inputsOf(s));
  assert.deepEqual(u2.rebuilt, [], u2.reasons.join('; '));
  assert.ok(store.graph().isFunction('tcp_it_added'));
  assert.equal(store.layers().layers.find((l) => l.functions.some((f) => f.name === 'tcp_it_added'))?.id, 'protocol');

  saved(store, s);
  const fresh = DerivedStore.open(join(dir, 'fresh.bin'), scope, inputsOf(s), () => {});
  completeDerived(fresh, s, () => {});
  saved(fresh, s);
  const a = SectionFile.open(join(dir, 'incremental.bin'))!;
  const b = SectionFile.open(join(dir, 'fresh.bin'))!;
  for (const name of DERIVED_SECTIONS) {
    if (name === 'stamps') continue;
    assert.ok(Buffer.from(a.raw(name)).equals(Buffer.from(b.raw(name))), `${name} section equals a build from scratch`);
  }
  a.close();
  b.close();
  fresh.close();
  store.close();
  s.dispose();
});

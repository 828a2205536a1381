import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyFixtureTree, grammar, scratch, repoRoot } from '../helpers.ts';
import { openIndex, scopeKey } from '../../src/core/index/indexer.ts';
import { treeFileReader } from '../../src/core/index/treeFiles.ts';
import { CallGraph } from '../../src/core/graph/callGraph.ts';
import { buildLayerModel } from '../../src/core/graph/layers.ts';
import { CounterMap } from '../../src/core/counters/counterMap.ts';
import { StoredGraph, encodeGraph } from '../../src/core/graph/graphCodec.ts';
import type { GraphQueries } from '../../src/core/graph/graphQueries.ts';
import type { CallEdge } from '../../src/core/graph/types.ts';
import { encodeTable, Paged, PagedBytes, pagedTable, type TableData } from '../../src/core/index/sectionFile.ts';

const readBack = (t: TableData) => new StoredGraph(pagedTable(PagedBytes.over(Paged.of(encodeTable(t), 4096).bytes, 'graph')));
import { DerivedStore, derivedKey, derivedPath, takeStamps } from '../../src/core/map/derivedStore.ts';
import { codeVersion, coreSourceHash } from '../../src/core/map/codeVersion.ts';
import { inputsOf, reindexDerived } from '../../src/core/map/derivedSession.ts';
import { KernelIndex } from '../../src/core/index/model.ts';
import { emptyFacts } from '../../src/core/index/facts.ts';

const json = (v: unknown) => JSON.parse(JSON.stringify(v));

async function fixtureStore() {
  const tree = copyFixtureTree();
  const cacheDir = scratch();
  const s = await openIndex(tree, { grammar, workers: 0, cacheDir });
  const scope = scopeKey({});
  const inputs = { index: s.index, read: treeFileReader(tree), key: derivedKey(s.key, s.stamps.values()) };
  return { tree, cacheDir, s, scope, inputs, path: derivedPath(s.access!.dir, scope) };
}

test('the stored call graph answers exactly as the one built in memory (every node, both directions, paths)', async () => {
  const { s } = await fixtureStore();
  const g = new CallGraph(s.index);
  const stored = readBack(encodeGraph({ graph: g, index: s.index, unresolvedCallers: () => g.unresolved.keys() }));
  const names = new Set<string>();
  for (const f of s.index.allFacts()) for (const c of f.calls) names.add(c.caller).add(c.callee);
  for (const n of s.index.functionNames()) names.add(n);
  assert.ok(names.size > 20);
  for (const n of names) {
    assert.deepEqual(json(stored.callees(n)), json(g.callees(n)), `callees ${n}`);
    assert.deepEqual(json(stored.callers(n)), json(g.callers(n)), `callers ${n}`);
    assert.deepEqual(stored.unresolvedIn(n), g.unresolvedIn(n), `unresolved ${n}`);
    assert.deepEqual(stored.slotsOf(n), g.slotsOf(n), `slots ${n}`);
    assert.equal(stored.isFunction(n), g.isFunction(n), `isFunction ${n}`);
  }
  assert.ok([...names].some((n) => g.callees(n).some((e) => e.kind !== 'direct')), 'the fixture has indirect edges');
  assert.deepEqual(json(stored.path('sock_sendmsg_typed', 'tcp_sendmsg')), json(g.path('sock_sendmsg_typed', 'tcp_sendmsg')));
  assert.deepEqual(stored.stats, g.stats);
  assert.equal(stored.id('no_such_function'), -1);
});

test('edge encoding is generic: an unknown kind and extra optional fields round-trip', () => {
  const e: CallEdge = { from: 'a', to: 'b', kind: 'future-kind' as CallEdge['kind'], confidence: 'typed', file: 'x.c', line: 3, evidence: { file: 'y.c', line: 9 }, via: 'proto.sendmsg', ...({ family: 'tracepoint', hops: [1, 2] } as object) };
  const d: CallEdge = { from: 'a', to: 'c', kind: 'direct', confidence: 'exact', file: 'x.c', line: 4, evidence: { file: 'x.c', line: 4 } };
  const fake: GraphQueries = {
    callees: (n) => (n === 'a' ? [d, e] : []),
    callers: (n) => (n === 'b' ? [e] : n === 'c' ? [d] : []),
    unresolvedIn: () => [],
    isFunction: (n) => n !== 'c',
    slotsOf: () => [],
    path: () => ({ found: false, functions: [], edges: [], depth: 0 }),
    stats: { opsSites: 1, typed: 1, fieldName: 0, unresolved: 0, meanTargets: 1 },
  };
  const index = new KernelIndex('/t', null);
  index.setFile({ ...emptyFacts('x.c'), functions: [{ name: 'a', line: 1, startLine: 1, endLine: 5, signature: 'void a(void)', isStatic: false, isInline: false }], calls: [{ caller: 'a', callee: 'c', line: 4 }] });
  const stored = readBack(encodeGraph({ graph: fake, index, unresolvedCallers: () => [] }));
  assert.deepEqual(json(stored.callees('a')), json([d, e]));
  assert.deepEqual(json(stored.callers('b')), json([e]));
  assert.equal(stored.isFunction('b'), true);
  assert.equal(stored.isFunction('c'), false);
});

test('derived store: built once, then read back without the index; layers and counters equal', async () => {
  const { s, scope, inputs, path, tree } = await fixtureStore();
  const logs: string[] = [];
  const built = DerivedStore.open(path, scope, inputs, (l) => logs.push(l));
  const g = built.graph();
  const layers = built.layers();
  const counters = built.counters();
  assert.ok(built.save(tree, () => takeStamps(tree, s.stamps.values())));
  built.close();
  const back = DerivedStore.open(path, scope, undefined, (l) => logs.push(l));
  assert.equal(back.fresh(tree), true);
  assert.ok(back.graph() instanceof StoredGraph);
  assert.deepEqual(json(back.graph().callees('inet_sendmsg')), json(g.callees('inet_sendmsg')));
  assert.deepEqual(json(back.layers()), json(buildLayerModel(s.index, new CallGraph(s.index), treeFileReader(tree))));
  assert.deepEqual(json(back.layers()), json(layers));
  const cm = new CounterMap(s.index, treeFileReader(tree));
  for (const c of cm.names()) assert.deepEqual(back.counters().counterSites(c), cm.counterSites(c), c);
  assert.deepEqual(back.counters().names(), counters.names());
  assert.equal(back.knows('tcp_sendmsg'), true);
  assert.equal(back.knows('TCP_INC_STATS'), s.index.knows('TCP_INC_STATS'));
  assert.equal(back.knows('nope_nothing'), false);
  assert.deepEqual(logs, []);
  // a touched file makes it stale (the caller then opens the index)
  const f = join(tree, 'net/socket.c');
  writeFileSync(f, readFileSync(f, 'utf8') + '\n');
  assert.equal(DerivedStore.open(path, scope, undefined, () => {}).fresh(tree), false);
});

test('the code version: the build and the sources hash src/core the same way', async () => {
  const { coreSourceHash: fromScript } = await import(join(repoRoot, 'scripts/codeVersion.mjs'));
  assert.equal(fromScript(join(repoRoot, 'src/core')), coreSourceHash(join(repoRoot, 'src/core')));
  assert.equal(codeVersion(), coreSourceHash(join(repoRoot, 'src/core')));
  const bundle = readFileSync(join(repoRoot, 'dist/cli.js'), 'utf8');
  assert.ok(!bundle.includes('__NSA_CODE_VERSION__'), 'dist/cli.js is built with the code version defined');
  // the facts version: the extractor's sources alone (src/core/index), the same in every bundle
  const { factsVersion } = await import('../../src/core/index/sourceVersion.ts');
  assert.equal(factsVersion(), fromScript(join(repoRoot, 'src/core/index')));
  for (const b of ['dist/cli.js', 'dist/indexWorker.js']) assert.ok(!readFileSync(join(repoRoot, b), 'utf8').includes('__NSA_FACTS_VERSION__'), `${b} is built with the facts version defined`);
});

test('a saved file: same facts keep the derived state; changed facts give what a full rebuild gives', async () => {
  const { tree, s, scope, path } = await fixtureStore();
  let store = DerivedStore.open(path, scope, inputsOf(s), () => {});
  store.graph();
  const same = await reindexDerived({}, s, store, 'net/socket.c', () => {});
  assert.equal(same.factsChanged, false);
  assert.equal(same.store, store);
  store = same.store;
  // the counter named in a macro call is read from the source line, not kept as a fact
  const edits: [string, (t: string) => string, boolean][] = [
    ['net/ipv4/af_inet.c', (t) => t + '\nint inet_extra(struct sock *sk)\n{\n\treturn tcp_sendmsg(sk, 0, 0);\n}\n', true], // add a function
    ['net/ipv4/af_inet.c', (t) => t.replace(/\nint inet_extra[\s\S]*$/, '\n'), true], // remove it
    ['net/core/dev.c', (t) => t.replace('.sendmsg = tcp_sendmsg,', '.sendmsg = tcp_v6_recv,'), true], // an ops initializer
    ['net/ipv4/tcp_output.c', (t) => t.replace('TCP_MIB_RETRANSSEGS', 'TCP_MIB_INSEGS'), false], // a counter macro call
  ];
  for (const [file, edit, factsChange] of edits) {
    const abs = join(tree, file);
    const before = readFileSync(abs, 'utf8');
    writeFileSync(abs, edit(before));
    assert.notEqual(readFileSync(abs, 'utf8'), before, file);
    const r = await reindexDerived({}, s, store, file, () => {});
    assert.equal(r.factsChanged, factsChange, file);
    store = r.store;
    // a full rebuild: a fresh index of the edited tree, nothing cached
    const full = await openIndex(tree, { grammar, workers: 0, noCache: true });
    const g = new CallGraph(full.index);
    const names = new Set<string>();
    for (const f of full.index.allFacts()) for (const c of f.calls) names.add(c.caller).add(c.callee);
    for (const n of full.index.functionNames()) names.add(n);
    for (const n of names) {
      assert.deepEqual(json(store.graph().callees(n)), json(g.callees(n)), `${file}: callees ${n}`);
      assert.deepEqual(json(store.graph().callers(n)), json(g.callers(n)), `${file}: callers ${n}`);
    }
    assert.deepEqual(json(store.layers()), json(buildLayerModel(full.index, g, treeFileReader(tree))), file);
    const cm = new CounterMap(full.index, treeFileReader(tree));
    for (const c of cm.names()) assert.deepEqual(store.counters().counterSites(c), cm.counterSites(c), `${file}: ${c}`);
  }
  assert.ok(store.graph().callers('tcp_v6_recv').some((e) => e.kind === 'ops'), 'the new initializer is followed');
  assert.ok(store.counters().counterSites('Tcp:InSegs').some((x) => x.function === '__tcp_retransmit_skb'));
});

test('a saved file whose text did not change: facts decoded from the cache equal the fresh parse (key order aside)', async () => {
  const { tree, cacheDir, s, scope, path } = await fixtureStore();
  s.dispose();
  const warm = await openIndex(tree, { grammar, workers: 0, cacheDir });
  assert.equal(warm.stats.parsedFiles, 0, 'every file from the cache');
  let store = DerivedStore.open(path, scope, inputsOf(warm), () => {});
  for (const f of [...warm.index.allFacts()].map((x) => x.file)) {
    const r = await reindexDerived({}, warm, store, f, () => {});
    assert.equal(r.factsChanged, false, f);
    store = r.store;
  }
  store.close();
  warm.dispose();
});

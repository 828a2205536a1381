// The join with a real index of an own fixture tree: frames → definitions and layers, drop locations →
// the SKB_DROP_REASON_<R> line inside the function's body, observed calls → the static verdict
// (an edge, a path of ≤ 4, or unexplained), reasons from a format file or the tree's enum.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { grammar } from '../helpers.ts';
import { openIndex, type IndexSession } from '../../src/core/index/indexer.ts';
import { CallGraph } from '../../src/core/graph/callGraph.ts';
import { buildLayerModel } from '../../src/core/graph/layers.ts';
import { treeFileReader } from '../../src/core/index/treeFiles.ts';
import { readPerfScript } from '../../src/core/runtime/perfScript.ts';
import { joinContext, joinDrops, joinProfile, dropLines, type JoinContext } from '../../src/core/runtime/join.ts';
import { explainEdges } from '../../src/core/runtime/verdict.ts';
import { parseFormatReasons, loadDropReasons, reasonName } from '../../src/core/runtime/dropReasons.ts';
import { toOverlay } from '../../src/core/map/runtimeOverlay.ts';
import { runtimeTree, samplePerf } from './helpers.ts';
import type { CallEdge } from '../../src/core/graph/types.ts';

const FORMAT = `name: kfree_skb
print fmt: "skbaddr=%p rx_sk=%p protocol=%u location=%pS reason: %s", REC->skbaddr, REC->rx_sk, REC->protocol, REC->location, __print_symbolic(REC->reason, { 2, "NOT_SPECIFIED" }, { 3, "NO_SOCKET" }, { 4, "SOCKET_CLOSE" }, { 12, "NETFILTER_DROP" }, { 128, "MAX" })`;

let s: IndexSession;
let ctx: JoinContext;
before(async () => {
  s = await openIndex(runtimeTree, { grammar, workers: 0, noCache: true });
  const g = new CallGraph(s.index);
  const read = treeFileReader(runtimeTree);
  ctx = joinContext(s.index, g, buildLayerModel(s.index, g, read), read, (p) => (p.endsWith('/format') ? FORMAT : undefined), '6.18.44');
});
after(() => s.dispose());

test('reason names from the running kernel\'s format file; the tree\'s enum as a fallback, said so; docs from the tree', () => {
  const m = parseFormatReasons(FORMAT);
  assert.equal(m.get(3), 'NO_SOCKET');
  assert.equal(m.get(12), 'NETFILTER_DROP');
  assert.equal(m.size, 5);
  assert.equal(ctx.reasons.source, 'running kernel');
  assert.equal(ctx.reasons.docs.get('NO_SOCKET'), 'no valid socket that can be used. The lookup found no socket.');
  const fallback = loadDropReasons(() => undefined, treeFileReader(runtimeTree), ['include/net/dropreason.h']);
  assert.equal(fallback.source, 'tree');
  assert.equal(fallback.names.get(3), 'NO_SOCKET', 'enum order: NOT_DROPPED_YET=0, CONSUMED, NOT_SPECIFIED, NO_SOCKET');
  assert.match(fallback.note!, /from the tree's enum.*mount -t tracefs/);
  assert.equal(reasonName('3', fallback), 'NO_SOCKET');
  assert.equal(reasonName('SKB_DROP_REASON_NO_SOCKET', fallback), 'NO_SOCKET');
  const none = loadDropReasons(() => undefined, () => undefined, []);
  assert.equal(none.source, 'none');
  assert.equal(reasonName('7', none), '7');
});

test('profile: in-tree functions with layer and file:line; not-in-tree counted and named', async () => {
  const p = joinProfile(await readPerfScript([samplePerf]), 1, ctx);
  const fn = (n: string) => p.functions.find((f) => f.name === n);
  assert.deepEqual({ ...fn('udp_sendmsg'), samples: undefined }, { name: 'udp_sendmsg', samples: undefined, self: 0, layer: 'protocol', file: 'net/ipv4/udp.c', line: 3 });
  assert.equal(fn('sys_sendto')?.layer, 'syscall');
  assert.equal(fn('sys_sendto')?.samples, 3);
  assert.equal(fn('ip_output')?.layer, 'network');
  assert.equal(fn('ip_output')?.self, 1);
  assert.equal(fn('veth_xmit')?.layer, 'driver');
  assert.equal(fn('__dev_queue_xmit')?.layer, 'device');
  assert.deepEqual(p.notInTree.map((x) => x.name).slice(0, 2).sort(), ['do_syscall_64', 'entry_SYSCALL_64_after_hwframe']);
  assert.ok(!p.notInTree.some((x) => x.name === '[unknown]'));
  assert.equal(p.treeSamples, 3);
  assert.deepEqual(p.hotPath, ['sys_sendto', '__sys_sendto', 'inet_sendmsg', 'udp_sendmsg', 'ip_output', '__dev_queue_xmit', 'veth_xmit']);
  assert.ok(p.notes.some((n) => /newer than the tree/.test(n)));
});

test('observed calls against the static graph: an edge (kind), a path of ≤ 4, unexplained listed; absent when an end is not in the tree', async () => {
  const p = joinProfile(await readPerfScript([samplePerf]), 1, ctx);
  const e = (a: string, b: string) => p.edges.find((x) => x.from === a && x.to === b);
  assert.deepEqual(e('sys_sendto', '__sys_sendto')?.static, { kind: 'direct', hops: 1 });
  assert.equal(e('__sys_sendto', 'inet_sendmsg')?.static?.kind, 'ops');
  assert.equal(e('__dev_queue_xmit', 'veth_xmit')?.static?.kind, 'ops');
  assert.equal(e('ip_output', 'nf_hook_slow')?.static, null, 'no call from ip_output to nf_hook_slow in the fixture');
  assert.ok(!('static' in e('do_syscall_64', 'sys_sendto')!), 'do_syscall_64 is not in the tree');
  assert.deepEqual(p.explained.unexplained, [{ from: 'ip_output', to: 'nf_hook_slow', samples: 1 }]);
  assert.ok(p.explained.share > 0.8 && p.explained.share < 1);
  // inlined frames: a path of up to 4 edges explains a skipped middle
  const v = explainEdges({ callees: (f) => p && chain[f] ? [chain[f]] : [], callers: (t) => Object.values(chain).filter((x) => x.to === t) }, [{ from: 'a', to: 'e' }, { from: 'a', to: 'f' }, { from: 'a', to: 'c' }]);
  assert.deepEqual(v[0], { kind: 'ops', hops: 4, via: ['a', 'b', 'c', 'd', 'e'] });
  assert.equal(v[1], null, '5 edges is too far');
  assert.equal(v[2]?.hops, 2);
});
const mk = (from: string, to: string, kind: CallEdge['kind']): CallEdge => ({ from, to, kind, confidence: 'exact', file: 'x.c', line: 1, evidence: { file: 'x.c', line: 1 } });
const chain: Record<string, CallEdge> = { a: mk('a', 'b', 'direct'), b: mk('b', 'c', 'ops'), c: mk('c', 'd', 'direct'), d: mk('d', 'e', 'direct'), e: mk('e', 'f', 'direct') };

test('drops: NO_SOCKET at the SKB_DROP_REASON_NO_SOCKET line inside __udp4_lib_rcv; NETFILTER_DROP in netfilter; numeric reason named', async () => {
  const d = joinDrops(await readPerfScript([samplePerf]), 2, ctx);
  assert.equal(d.total, 4);
  const no = d.reasons.find((r) => r.reason === 'NO_SOCKET')!;
  assert.equal(no.count, 3, 'two by name, one by number (3 → NO_SOCKET from the format file)');
  const loc = no.locations.find((l) => l.offset === '0x4bc')!;
  assert.equal(loc.file, 'net/ipv4/udp.c');
  const text = treeFileReader(runtimeTree)('net/ipv4/udp.c')!.split('\n');
  assert.match(text[loc.line! - 1], /drop_reason = SKB_DROP_REASON_NO_SOCKET/);
  const def = s.index.functions('__udp4_lib_rcv')[0].def;
  assert.ok(loc.line! > def.startLine && loc.line! < def.endLine, 'inside the body');
  assert.equal(no.doc, 'no valid socket that can be used. The lookup found no socket.');
  const nf = d.reasons.find((r) => r.reason === 'NETFILTER_DROP')!;
  assert.equal(nf.locations[0].file, 'net/netfilter/core.c');
  assert.equal(nf.locations[0].layer, 'network');
  assert.match(text.length ? treeFileReader(runtimeTree)('net/netfilter/core.c')!.split('\n')[nf.locations[0].line! - 1] : '', /SKB_DROP_REASON_NETFILTER_DROP/);
  assert.deepEqual(dropLines(['x', 'SKB_DR_SET(reason, NO_SOCKET);', 'y'], 1, 3, 'NO_SOCKET'), [2]);
});

test('overlay: heat, observed edges with verdicts, hot path, drop markers with lines and docs', async () => {
  const rec = await readPerfScript([samplePerf]);
  const o = toOverlay(joinProfile(rec, 1, ctx), joinDrops(rec, 1, ctx));
  assert.equal(o.type, 'runtime/overlay');
  assert.equal(o.heat['fn:sys_sendto'], 1);
  assert.ok(o.heat['fn:veth_xmit'] > 0 && o.heat['fn:veth_xmit'] < 1);
  assert.equal(o.hotPath[0], 'fn:sys_sendto');
  assert.equal(o.hotPath.at(-1), 'fn:veth_xmit');
  assert.ok(o.edges.some((e) => e.from === 'fn:ip_output' && e.to === 'fn:nf_hook_slow' && e.static === null));
  const drops = o.drops['fn:__udp4_lib_rcv'];
  assert.equal(drops[0].reason, 'NO_SOCKET');
  assert.equal(drops[0].lines[0].file, 'net/ipv4/udp.c');
  assert.ok(o.nodes.some((n) => n.id === 'fn:nf_hook_slow' && n.layer === 'network'));
  assert.ok(o.notes[0].includes('observed in-tree calls explained'));
  // the kernel-vs-tree note is in both reports: the overlay says it once (the profile's, with its count)
  const newer = o.notes.filter((n) => /running kernel 6\.18\.44 is newer than the tree/.test(n));
  assert.equal(newer.length, 1, o.notes.join(' | '));
  assert.match(newer[0], /run-time functions not in the tree\)$/);
});

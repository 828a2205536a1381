// Calls through function pointers on linux-source-6.1: the gold tx/rx paths, precision, layers,
// registrations, and the CLI contract. Reuses the index cache made by kernel.test.ts.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { distDir, grammar, integrationCache, cliPath } from '../helpers.ts';
import { openIndex, type IndexSession } from '../../src/core/index/indexer.ts';
import { CallGraph } from '../../src/core/graph/callGraph.ts';
import { buildLayerModel } from '../../src/core/graph/layers.ts';
import { PRESETS, waypointPath } from '../../src/core/graph/presets.ts';
import type { EdgeKind, LayerModel } from '../../src/core/graph/types.ts';
import { treeFileReader } from '../../src/core/index/treeFiles.ts';

const tree = process.env.NETSTACK_ATLAS_KERNEL ?? '';
let s: IndexSession;
let g: CallGraph;
let layers: LayerModel;

before(async () => {
  s = await openIndex(tree, { grammar, distDir, cacheDir: integrationCache });
  const t = performance.now();
  g = new CallGraph(s.index);
  console.log(`# call graph resolved in ${((performance.now() - t) / 1000).toFixed(2)} s`);
  layers = buildLayerModel(s.index, g, treeFileReader(tree));
});

/** Each gold edge with the kinds that must be among its edges. */
const GOLD: [string, string, EdgeKind[]][] = [
  // tx (6.1 names: __sys_sendto calls __sock_sendmsg)
  ['__sys_sendto', '__sock_sendmsg', ['direct']],
  ['__sock_sendmsg', 'sock_sendmsg_nosec', ['direct']],
  ['sock_sendmsg_nosec', 'inet_sendmsg', ['ops', 'hint']],
  ['inet_sendmsg', 'tcp_sendmsg', ['ops', 'hint']],
  ['tcp_sendmsg', 'tcp_sendmsg_locked', ['direct']],
  ['tcp_sendmsg_locked', 'tcp_push', ['direct']],
  ['tcp_push', '__tcp_push_pending_frames', ['direct']],
  ['__tcp_push_pending_frames', 'tcp_write_xmit', ['direct']],
  ['tcp_write_xmit', 'tcp_transmit_skb', ['direct']],
  ['tcp_transmit_skb', '__tcp_transmit_skb', ['direct']],
  ['__tcp_transmit_skb', 'ip_queue_xmit', ['ops']],
  ['ip_queue_xmit', '__ip_queue_xmit', ['direct']],
  ['__ip_queue_xmit', 'ip_local_out', ['direct']],
  ['ip_local_out', 'dst_output', ['direct']],
  ['dst_output', 'ip_output', ['ops']],
  ['ip_output', 'ip_finish_output', ['callback']],
  ['ip_finish_output', '__ip_finish_output', ['direct']],
  ['__ip_finish_output', 'ip_finish_output2', ['direct']],
  ['ip_finish_output2', 'neigh_output', ['direct']],
  ['neigh_output', 'neigh_hh_output', ['direct']],
  ['neigh_hh_output', 'dev_queue_xmit', ['direct']],
  ['dev_queue_xmit', '__dev_queue_xmit', ['direct']],
  ['__dev_queue_xmit', 'dev_hard_start_xmit', ['direct']],
  ['dev_hard_start_xmit', 'xmit_one', ['direct']],
  ['xmit_one', 'netdev_start_xmit', ['direct']],
  ['netdev_start_xmit', '__netdev_start_xmit', ['direct']],
  ['__netdev_start_xmit', 'loopback_xmit', ['ops']],
  // rx
  ['__netif_receive_skb_one_core', 'ip_rcv', ['hint', 'ops']],
  ['deliver_skb', 'ip_rcv', ['ops']],
  ['ip_rcv', 'ip_rcv_finish', ['callback']],
  ['ip_rcv_finish', 'dst_input', ['direct']],
  ['dst_input', 'ip_local_deliver', ['ops']],
  ['ip_local_deliver', 'ip_local_deliver_finish', ['callback']],
  ['ip_local_deliver_finish', 'ip_protocol_deliver_rcu', ['direct']],
  ['ip_protocol_deliver_rcu', 'tcp_v4_rcv', ['ops', 'hint']],
  ['tcp_v4_rcv', 'tcp_v4_do_rcv', ['direct']],
  ['tcp_v4_do_rcv', 'tcp_rcv_established', ['direct']],
  ['__napi_poll', 'process_backlog', ['ops']],
  ['process_backlog', '__netif_receive_skb', ['direct']],
  ['tcp_data_ready', 'sock_def_readable', ['ops']],
  ['udp_rcv', '__udp4_lib_rcv', ['direct']],
];

test('every gold edge is found with its kind and evidence', () => {
  const missing: string[] = [];
  for (const [from, to, kinds] of GOLD) {
    const edges = g.callees(from).filter((e) => e.to === to);
    for (const k of kinds) if (!edges.some((e) => e.kind === k)) missing.push(`${from} → ${to} (${k}; have ${edges.map((e) => e.kind).join(',') || 'none'})`);
    for (const e of edges) assert.ok(e.evidence.file && e.evidence.line > 0);
  }
  assert.deepEqual(missing, []);
  // run-time bindings carry the assignment as evidence
  const out = g.callees('dst_output').find((e) => e.to === 'ip_output' && e.kind === 'ops')!;
  assert.equal(out.confidence, 'typed');
  assert.match(readFileSync(join(tree, out.evidence.file), 'utf8').split('\n')[out.evidence.line - 1], /output\s*=\s*ip_output/);
  const ready = g.callees('tcp_data_ready').find((e) => e.to === 'sock_def_readable')!;
  assert.equal(ready.evidence.file, 'net/core/sock.c');
});

test('netif_rx reaches enqueue_to_backlog; netif_receive_skb reaches __netif_receive_skb_one_core; udp_sendmsg reaches ip_output', () => {
  for (const [a, b] of [['netif_rx', 'enqueue_to_backlog'], ['netif_receive_skb', '__netif_receive_skb_one_core'], ['udp_sendmsg', 'ip_output']]) {
    const p = g.path(a, b);
    assert.ok(p.found, `${a} → ${b}`);
  }
});

test('presets are found end to end', () => {
  for (const [name, p] of Object.entries(PRESETS)) {
    const r = waypointPath(g, p.waypoints);
    assert.ok(r.found, `${name}: failed at ${r.failedSegment?.join(' → ')}`);
    console.log(`# ${name}: ${r.functions.length} functions`);
  }
});

test('precision: a typed sk->sk_prot->sendmsg lists proto functions only', () => {
  console.log(`# ops call sites: ${g.stats.opsSites}; typed ${g.stats.typed}, field-name only ${g.stats.fieldName}, unresolved ${g.stats.unresolved}; mean targets per resolved site ${g.stats.meanTargets.toFixed(2)}`);
  const protoOps = new Set(s.index.opsInstances('proto_ops').flatMap((o) => Object.values(o.def.members)));
  const protos = new Set(s.index.opsInstances('proto').flatMap((o) => Object.values(o.def.members)));
  const edges = g.callees('inet_sendmsg').filter((e) => e.kind === 'ops');
  assert.ok(edges.length > 3);
  for (const e of edges) {
    assert.equal(e.confidence, 'typed');
    assert.equal(e.via, 'proto.sendmsg');
    assert.ok(g.bindings.get("proto.sendmsg")!.some((b) => b.fn === e.to), e.to);
    assert.ok(!(protoOps.has(e.to) && !protos.has(e.to)), `${e.to} is a proto_ops function`);
  }
  assert.ok(g.stats.typed > g.stats.fieldName * 4, 'most ops sites are typed');
});

test('layers: all six, key functions in the right one, each with a rule', () => {
  const where = (fn: string) => layers.layers.find((l) => l.functions.some((f) => f.name === fn))?.id;
  const expect: Record<string, string> = {
    __sys_sendto: 'syscall', sys_socket: 'syscall', inet_sendmsg: 'socket', sock_sendmsg_nosec: 'socket', tcp_sendmsg: 'protocol', udp_rcv: 'protocol',
    ip_output: 'network', ip_rcv: 'network', dev_queue_xmit: 'device', netif_receive_skb: 'device', loopback_xmit: 'driver',
  };
  for (const [fn, layer] of Object.entries(expect)) assert.equal(where(fn), layer, fn);
  for (const l of layers.layers) {
    assert.ok(l.functions.length > 50, `${l.id} has ${l.functions.length}`);
    for (const f of l.functions.slice(0, 100)) assert.ok(f.rule.length > 3);
  }
});

test('registrations: proto, inet protocols, packet types, inetsw, netdev_ops, NAPI, netfilter hooks', () => {
  const r = layers.registrations;
  const has = (kind: string, name: string, pred: (d: Record<string, string>) => boolean = () => true) => r.some((x) => x.kind === kind && x.name === name && pred(x.details));
  assert.ok(has('proto_register', 'tcp_prot'));
  assert.ok(has('inet_add_protocol', 'tcp_protocol', (d) => d.protocol === 'IPPROTO_TCP' && d.handler === 'tcp_v4_rcv'));
  assert.ok(has('dev_add_pack', 'ip_packet_type', (d) => /ETH_P_IP\b/.test(d.ethertype) && d.func === 'ip_rcv'));
  assert.ok(has('sock_register', 'inet_family_ops'));
  assert.ok(has('inetsw', 'inetsw_array[0]', (d) => d.prot === 'tcp_prot'));
  assert.ok(has('netdev_ops', 'loopback_ops'));
  assert.ok(r.filter((x) => x.kind === 'napi').length > 50);
  assert.ok(r.some((x) => x.kind === 'nf_hook' && x.details.hook !== ''));
});

test('CLI: callees contract, path preset, near misses, not found', () => {
  const run = (...a: string[]) => spawnSync('node', [cliPath, ...a, '--cache-dir', integrationCache], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const callees = JSON.parse(run('callees', tree, 'inet_sendmsg', '--json').stdout);
  const hint = callees.find((e: { to: string; kind: string }) => e.to === 'tcp_sendmsg' && e.kind === 'hint');
  assert.deepEqual(Object.keys(hint).slice(0, 8), ['from', 'to', 'kind', 'confidence', 'file', 'line', 'evidence', 'via']);
  const p = JSON.parse(run('path', tree, '--preset', 'tcp-send', '--json').stdout);
  assert.equal(p.found, true);
  assert.equal(p.functions[0], '__sys_sendto');
  assert.equal(p.functions.at(-1), 'loopback_xmit');
  const bad = run('path', tree, 'tcp_sendmsgg', 'ip_output', '--json');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown function 'tcp_sendmsgg'; did you mean tcp_sendmsg/);
  const none = run('path', tree, 'loopback_xmit', '__sys_sendto', '--max-depth', '6', '--json');
  const r = JSON.parse(none.stdout);
  assert.equal(r.found, false);
  assert.ok(r.depth >= 1);
});

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { grammar, fixtureTree } from '../helpers.ts';
import { openIndex, type IndexSession } from '../../src/core/index/indexer.ts';
import { CallGraph } from '../../src/core/graph/callGraph.ts';
import { buildLayerModel } from '../../src/core/graph/layers.ts';

let s: IndexSession;
let g: CallGraph;
before(async () => {
  s = await openIndex(fixtureTree, { grammar, workers: 0, noCache: true });
  g = new CallGraph(s.index);
});

const edge = (from: string, to: string) => g.callees(from).filter((e) => e.to === to);

test('ops: typed through a field alias macro and a returned struct type; not proto_ops', () => {
  const e = edge('sock_sendmsg_typed', 'tcp_sendmsg');
  assert.equal(e.length, 1);
  assert.equal(e[0].kind, 'ops');
  assert.equal(e[0].confidence, 'typed');
  assert.equal(e[0].via, 'proto.sendmsg');
  assert.deepEqual(e[0].evidence, { file: 'net/core/dev.c', line: 66 });
  // a typed proto call must not list proto_ops functions
  assert.equal(edge('sock_sendmsg_typed', 'inet_release').filter((x) => x.via === 'proto.sendmsg').length, 0);
  // proto_ops.sendmsg resolves to inet_sendmsg (bound in the af_inet.c fixture), typed
  assert.ok(edge('sock_sendmsg_typed', 'inet_sendmsg').some((x) => x.kind === 'ops' && x.confidence === 'typed' && x.via === 'proto_ops.sendmsg'));
});

test('hint: INDIRECT_CALL_1 names its target', () => {
  const e = edge('sock_sendmsg_typed', 'inet_sendmsg').find((x) => x.kind === 'hint');
  assert.ok(e);
  assert.equal(e!.confidence, 'exact');
});

test('run-time assignment seen through READ_ONCE; typedef receiver; registration through a forwarding inline', () => {
  const ready = edge('tcp_data_ready', 'sock_def_readable');
  assert.equal(ready[0]?.kind, 'ops');
  assert.equal(ready[0]?.confidence, 'typed');
  assert.deepEqual(ready[0]?.evidence, { file: 'net/core/dev.c', line: 46 });
  const poll = edge('__napi_poll', 'process_backlog');
  assert.equal(poll[0]?.via, 'napi_struct.poll');
  assert.equal(poll[0]?.confidence, 'typed');
  assert.equal(poll[0]?.evidence.line, 47); // the netif_napi_add call that registered it
});

test('callback through a static inline function; compound literal binding', () => {
  const cb = edge('ip_rcv', 'ip_rcv_finish');
  assert.equal(cb[0]?.kind, 'callback');
  assert.deepEqual(cb[0]?.evidence, { file: 'include/linux/netfilter.h', line: 10 });
  assert.ok(g.bindings.get('net_protocol.handler')?.some((b) => b.fn === 'tcp_v4_rcv' && b.how === 'compound literal'));
});

test('unresolved indirect calls are listed, not dropped', () => {
  assert.deepEqual(g.unresolvedIn('mystery_call').map((u) => u.chain), ['T:opaque|frobnicate']);
  assert.ok(g.stats.unresolved >= 1);
});

test('paths: shortest first, not found reports the depth, cycles terminate', () => {
  const p = g.path('sock_init_data', 'deliver');
  assert.equal(p.found, false);
  const q = g.path('ip_rcv', 'ip_rcv_finish');
  assert.deepEqual(q.functions, ['ip_rcv', 'ip_rcv_finish']);
  // ip_rcv → ip_rcv_finish → ip_rcv is a cycle: a search for an unreachable target still ends
  const r = g.path('ip_rcv', 'no_such_function', { maxDepth: 50 });
  assert.equal(r.found, false);
  assert.ok(r.depth >= 1 && r.depth <= 50);
});

test('layers: every function placed once, with a rule', () => {
  const m = buildLayerModel(s.index, g, () => undefined);
  const placed = m.layers.flatMap((l) => l.functions.map((f) => f.name));
  assert.equal(new Set(placed).size, placed.length);
  assert.equal(placed.length, new Set(s.index.functionNames()).size);
  const where = (fn: string) => m.layers.find((l) => l.functions.some((f) => f.name === fn));
  assert.equal(where('sys_socket')?.id, 'syscall');
  assert.equal(where('__sys_socket')?.id, 'syscall');
  assert.equal(where('inet_release')?.id, 'socket');
  assert.match(where('inet_release')!.functions.find((f) => f.name === 'inet_release')!.rule, /bound in proto_ops inet_stream_ops\.release/);
  // the fixture defines tcp_sendmsg in net/core/dev.c: its own (lower) file's layer wins over its
  // binding in a protocol table, and the rule says so
  assert.equal(where('tcp_sendmsg')?.id, 'device');
  assert.match(where('tcp_sendmsg')!.functions.find((f) => f.name === 'tcp_sendmsg')!.rule, /^in net\/core\/dev\.c, a device-agnostic interface file \(wins over its binding in proto tcp_prot\.sendmsg/);
  assert.equal(where('loopback_xmit')?.id, 'driver');
  assert.equal(where('process_backlog')?.id, 'device');
  assert.ok(m.registrations.some((r) => r.kind === 'inetsw' && r.name === 'inetsw_array[0]' && r.details.prot === 'tcp_prot'));
  assert.ok(m.registrations.some((r) => r.kind === 'dev_add_pack' && r.name === 'ip_packet_type' && r.details.func === 'ip_rcv'));
  assert.ok(m.registrations.some((r) => r.kind === 'sock_register' && r.name === 'inet_family_ops'));
});

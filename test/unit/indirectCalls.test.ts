// The indirect-call families the run time takes, one fixture test each (test/fixtures/indirect: own C,
// kernel-shaped). Every edge is checked for its kind, its confidence and the file:line of its evidence.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { grammar, repoRoot } from '../helpers.ts';
import { openIndex, type IndexSession } from '../../src/core/index/indexer.ts';
import { CallGraph } from '../../src/core/graph/callGraph.ts';
import type { CallEdge, EdgeKind } from '../../src/core/graph/types.ts';

const tree = join(repoRoot, 'test/fixtures/indirect');
let s: IndexSession;
let g: CallGraph;
before(async () => {
  s = await openIndex(tree, { grammar, workers: 0, noCache: true });
  g = new CallGraph(s.index);
});

/** 1-based line of the first line of `file` containing `text`. */
function lineOf(file: string, text: string): number {
  const i = readFileSync(join(tree, file), 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${file} has no line with ${text}`);
  return i + 1;
}

/** The one edge from → to of `kind`; its evidence must be the line of `file` holding `text`. */
function edge(from: string, to: string, kind: EdgeKind, file: string, text: string): CallEdge {
  const all = g.callees(from).filter((e) => e.to === to);
  const e = all.find((x) => x.kind === kind);
  assert.ok(e, `${from} → ${to} (${kind}); have ${all.map((x) => x.kind).join(',') || 'none'}`);
  assert.deepEqual(e.evidence, { file, line: lineOf(file, text) }, `${from} → ${to} evidence`);
  assert.ok(e.confidence === 'exact' || e.confidence === 'typed', e.confidence);
  return e;
}

const none = (from: string, to: string) => assert.equal(g.callees(from).filter((e) => e.to === to).length, 0, `${from} ↛ ${to}`);

test('1. rx handlers: registered through a helper returning the handler, called through a local loaded from dev->rx_handler', () => {
  const e = edge('__netif_receive_skb_core', 'br_handle_frame', 'pointer', 'net/bridge/br_if.c', 'netdev_rx_handler_register(dev, br_get_rx_handler(dev), p)');
  assert.equal(e.confidence, 'typed');
  assert.equal(e.via, 'net_device.rx_handler (through rx_handler)');
  assert.equal(e.line, lineOf('net/core/dev.c', 'rx_handler(&skb)'));
  // both handlers the helper can return
  edge('__netif_receive_skb_core', 'br_handle_frame_dummy', 'pointer', 'net/bridge/br_if.c', 'netdev_rx_handler_register(dev, br_get_rx_handler(dev), p)');
});

test('2. packet taps: a store into a nested member through ?: binds both arms to packet_type.func', () => {
  for (const fn of ['tpacket_rcv', 'packet_rcv']) {
    const e = edge('deliver_skb', fn, 'ops', 'net/packet/af_packet.c', 'po->prot_hook.func = (po->rx_ring) ? tpacket_rcv : packet_rcv;');
    assert.equal(e.via, 'packet_type.func');
    assert.equal(e.confidence, 'typed');
  }
});

test('3. netfilter hooks: nf_hook_ops arrays and nf_tables chain types reach entry->hook through copies', () => {
  edge('nf_hook_entry_hookfn', 'nft_do_chain_inet', 'ops', 'net/netfilter/nf_tables_chain.c', '[NF_INET_LOCAL_IN] = nft_do_chain_inet');
  edge('nf_hook_entry_hookfn', 'ipv4_conntrack_in', 'ops', 'net/netfilter/nf_tables_chain.c', '.hook = ipv4_conntrack_in');
  const p = g.path('nf_hook_slow', 'nft_do_chain_inet', { maxDepth: 2 });
  assert.deepEqual(p.functions, ['nf_hook_slow', 'nf_hook_entry_hookfn', 'nft_do_chain_inet']);
  assert.match(g.bindings.get('nf_hook_entry.hook')!.find((b) => b.fn === 'nft_do_chain_inet')!.how, /copied to nf_hook_ops\.hook .*copied to nf_hook_entry\.hook/);
});

test('4. netlink: callback argument, kernel cfg input, dump control, handler table', () => {
  const cb = edge('netlink_rcv_skb', 'sock_diag_rcv_msg', 'param', 'net/core/sock_diag.c', 'netlink_rcv_skb(skb, &sock_diag_rcv_msg)');
  assert.match(cb.via!, /parameter cb of netlink_rcv_skb\(\), passed by sock_diag_rcv/);
  edge('netlink_unicast_kernel', 'sock_diag_rcv', 'ops', 'net/core/sock_diag.c', '.input	= sock_diag_rcv');
  edge('netlink_dump', 'inet_diag_dump', 'ops', 'net/ipv4/inet_diag.c', '.dump = inet_diag_dump');
  edge('__sock_diag_cmd', 'inet_diag_handler_cmd', 'ops', 'net/ipv4/inet_diag.c', '.dump = inet_diag_handler_cmd');
  // the dump control's .dump is not a sock_diag_handler's .dump (typed sites stay apart)
  none('__sock_diag_cmd', 'inet_diag_dump');
  assert.ok(g.path('netlink_unicast', 'inet_diag_handler_cmd', { maxDepth: 5 }).found);
});

test('5. function-pointer parameters: forwarded through ip_append_data to the function that calls it', () => {
  const e = edge('__ip_append_data', 'icmp_glue_bits', 'param', 'net/ipv4/icmp.c', 'ip_append_data(sk, icmp_glue_bits, param, 8)');
  assert.equal(e.line, lineOf('net/ipv4/ip_output.c', 'if (getfrag(from, buf, 0, length) < 0)'));
  // 6.12 calls it through INDIRECT_CALL_1(getfrag, ip_generic_getfrag, …)
  edge('__ip_make_skb_data', 'ip_generic_getfrag', 'param', 'net/ipv4/ip_output.c', 'return __ip_make_skb_data(sk, ip_generic_getfrag, from, 8);');
  // the forwarder itself does not call it
  assert.equal(g.callees('ip_append_data').filter((x) => x.to === 'icmp_glue_bits' && x.kind === 'param').length, 0);  // a path takes a param edge only through the function that passed it (raw_send passes raw_getfrag)
  assert.deepEqual(g.path('raw_send', 'raw_getfrag').functions, ['raw_send', 'ip_append_data', '__ip_append_data', 'raw_getfrag']);
  assert.equal(g.path('raw_send', 'icmp_glue_bits').found, false, 'raw_send never passes icmp_glue_bits');
  assert.equal(g.path('__ip_append_data', 'icmp_glue_bits').found, true, 'starting at the function that calls its parameter: any passer');
});

test('6. function pointers copied between fields and through config structs; run-time stores', () => {
  const vx = edge('udp_queue_rcv_one_skb', 'vxlan_rcv', 'pointer', 'drivers/net/vxlan/vxlan_core.c', 'tunnel_cfg.encap_rcv = vxlan_rcv;');
  assert.equal(vx.via, 'udp_sock.encap_rcv (through encap_rcv)');
  edge('neigh_output', 'neigh_resolve_output', 'ops', 'net/core/neighbour.c', '.output = neigh_resolve_output');
  edge('sock_wfree', 'unix_write_space', 'pointer', 'net/unix/af_unix.c', 'sk->sk_write_space = unix_write_space;');
  edge('skb_release_head_state', 'sock_wfree', 'ops', 'net/unix/af_unix.c', 'skb->destructor = sock_wfree;');
  // a copy through a cast macro's struct (`#define tcp_sk(ptr) container_of(ptr, struct tcp_sock, sk)`)
  edge('tcp_keep_ready', 'sock_def_readable', 'ops', 'net/core/sock.c', 'sk->sk_data_ready = sock_def_readable;');
  assert.equal(g.callees('tcp_keep_ready').find((e) => e.to === 'sock_def_readable')!.via, 'tcp_sock.saved_data_ready');
  // an untyped copy binds nothing: the encap_rcv of another struct is not a neighbour's output
  none('neigh_output', 'vxlan_rcv');
});

test('7. local struct initializers with function members', () => {
  const e = edge('unix_stream_read_generic', 'unix_stream_read_actor', 'ops', 'net/unix/af_unix.c', '.recv_actor = unix_stream_read_actor,');
  assert.equal(e.via, 'unix_stream_read_state.recv_actor');
  // local initializers stay out of the ops tables
  assert.equal(s.index.opsInstances('unix_stream_read_state').length, 0);
  assert.equal(s.index.opsInstances('netlink_kernel_cfg').length, 0);
});

test('8. INDIRECT_CALL-like macros under other names, derived from their definitions', () => {
  const hints = g.macroCalls.hints();
  assert.deepEqual(hints.get('indirect_call_gro_receive'), { positions: [0, 1], literals: [] });
  assert.deepEqual(hints.get('SNAT_CALL'), { positions: [], literals: ['tcp_snat_handler'] });
  for (const fn of ['tcp4_gro_receive', 'udp4_gro_receive']) {
    const e = edge('inet_gro_receive', fn, 'hint', 'net/ipv4/af_inet.c', 'return indirect_call_gro_receive(');
    assert.equal(e.via, 'indirect_call_gro_receive');
  }
  edge('ip_vs_snat', 'tcp_snat_handler', 'hint', 'net/ipv4/af_inet.c', 'return SNAT_CALL(handler, skb);');
});

test('9. calls inside function-like macros, through nested macros, the macro as via', () => {
  const e = edge('icmp_rcv', '__skb_checksum_validate_complete', 'macro', 'net/ipv4/icmp.c', 'if (skb_checksum_simple_validate(skb))');
  assert.equal(e.via, 'skb_checksum_simple_validate');
  assert.deepEqual(g.path('icmp_rcv', '__skb_checksum_complete').functions, ['icmp_rcv', '__skb_checksum_validate_complete', '__skb_checksum_complete']);
  // a macro parameter that is called (compute_pseudo) is not a call of anything named so
  none('icmp_rcv', 'compute_pseudo');
});

test('member-call statistics count the sites through locals too', () => {
  assert.ok(g.stats.opsSites >= 10);
  assert.ok(g.stats.meanTargets >= 1);
});

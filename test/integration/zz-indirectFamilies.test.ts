// The indirect-call families on a real tree (linux-source-6.1; 6.12 too when NETSTACK_ATLAS_KERNEL_612 names
// one): each family's edge is found with its kind, and its evidence line in the tree holds the store,
// registration or argument that justifies it. Reuses the index cache made by kernel.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { distDir, grammar, integrationCache } from '../helpers.ts';
import { openIndex } from '../../src/core/index/indexer.ts';
import { CallGraph } from '../../src/core/graph/callGraph.ts';
import type { EdgeKind } from '../../src/core/graph/types.ts';

/** [family, from, to, kind, what the evidence line says] */
const FAMILIES: [string, string, string, EdgeKind, RegExp][] = [
  ['1 rx handler (through a helper returning it)', '__netif_receive_skb_core', 'br_handle_frame', 'pointer', /netdev_rx_handler_register\(dev, br_get_rx_handler\(dev\)/],
  ['2 packet tap (nested member store)', 'deliver_skb', 'tpacket_rcv', 'ops', /po->prot_hook\.func\s*=/],
  ['2 packet tap (tx side)', 'dev_queue_xmit_nit', 'tpacket_rcv', 'ops', /po->prot_hook\.func\s*=/],
  ['3 nf_tables chain type', 'nf_hook_entry_hookfn', 'nft_do_chain_inet', 'ops', /\[NF_INET_LOCAL_IN\]\s*=\s*nft_do_chain_inet/],
  ['3 nf_hook_ops array', 'nf_hook_entry_hookfn', 'ipv4_conntrack_in', 'ops', /\.hook\s*=\s*ipv4_conntrack_in/],
  ['4 netlink callback argument', 'netlink_rcv_skb', 'sock_diag_rcv_msg', 'param', /netlink_rcv_skb\(skb, &sock_diag_rcv_msg\)/],
  ['4 netlink_kernel_cfg.input', 'netlink_unicast_kernel', 'sock_diag_rcv', 'ops', /\.input\s*=\s*sock_diag_rcv/],
  ['4 netlink_dump_control.dump', 'netlink_dump', 'inet_diag_dump', 'ops', /\.dump\s*=\s*inet_diag_dump\b/],
  ['4 sock_diag handler table', '__sock_diag_cmd', 'inet_diag_handler_cmd', 'ops', /\.dump\s*=\s*inet_diag_handler_cmd/],
  ['4 generic netlink ops', 'genl_family_rcv_msg_doit', 'ctrl_getfamily', 'ops', /\.doit\s*=\s*ctrl_getfamily/],
  ['5 function-pointer parameter', '__ip_append_data', 'icmp_glue_bits', 'param', /icmp_glue_bits/],
  ['5 parameter through a local holding it', '__ip_append_data', 'udplite_getfrag', 'param', /ip_append_data\(/],
  ['5 IPv6 twin', '__ip6_append_data', 'icmpv6_getfrag', 'param', /icmpv6_getfrag/],
  ['6 config struct copied into the socket', 'udp_queue_rcv_one_skb', 'vxlan_rcv', 'pointer', /encap_rcv\s*=\s*vxlan_rcv/],
  ['6 neigh->output = neigh->ops->output', 'neigh_output', 'neigh_resolve_output', 'ops', /\.output\s*=\s*neigh_resolve_output/],
  ['6 sk_write_space store', 'sock_wfree', 'unix_write_space', 'pointer', /sk_write_space\s*=\s*unix_write_space/],
  ['7 local struct initializer', 'unix_stream_read_generic', 'unix_stream_read_actor', 'ops', /\.recv_actor\s*=\s*unix_stream_read_actor/],
  ['8 INDIRECT_CALL under another name', 'inet_gro_receive', 'udp4_gro_receive', 'hint', /indirect_call_gro_receive\(/],
  ['9 call inside a function-like macro', 'icmp_rcv', '__skb_checksum_validate_complete', 'macro', /skb_checksum_simple_validate\(skb\)/],
];

/** Paths the run time takes that the families make short (inlined helpers vanish from stacks). */
const PATHS: [string, string, number][] = [
  ['nf_hook_slow', 'nft_do_chain_inet', 2],
  ['icmp_rcv', '__skb_checksum_complete', 2],
  ['netlink_unicast', 'netlink_rcv_skb', 3],
  ['netlink_rcv_skb', 'inet_diag_handler_cmd', 3],
];

const trees: [string, string, string | undefined][] = [['6.1', process.env.NETSTACK_ATLAS_KERNEL ?? '', integrationCache]];
if (process.env.NETSTACK_ATLAS_KERNEL_612) trees.push(['6.12', process.env.NETSTACK_ATLAS_KERNEL_612, undefined]);

for (const [version, tree, cacheDir] of trees) {
  test(`linux ${version}: every family names its edge, with evidence in the tree`, async () => {
    const s = await openIndex(tree, { grammar, distDir, cacheDir });
    try {
      const g = new CallGraph(s.index);
      const lineAt = (file: string, line: number) => readFileSync(join(tree, file), 'utf8').split('\n')[line - 1] ?? '';
      const missing: string[] = [];
      for (const [family, from, to, kind, evidence] of FAMILIES) {
        const edges = g.callees(from).filter((e) => e.to === to && e.kind === kind);
        if (!edges.length) {
          missing.push(`${family}: ${from} → ${to} (${kind}; have ${g.callees(from).filter((e) => e.to === to).map((e) => e.kind).join(',') || 'none'})`);
          continue;
        }
        if (!edges.some((e) => evidence.test(lineAt(e.evidence.file, e.evidence.line))))
          missing.push(`${family}: ${from} → ${to} evidence ${edges.map((e) => `${e.evidence.file}:${e.evidence.line} "${lineAt(e.evidence.file, e.evidence.line).trim()}"`).join(', ')}`);
      }
      assert.deepEqual(missing, []);
      for (const [from, to, hops] of PATHS) {
        const p = g.path(from, to, { maxDepth: hops, k: 1 });
        assert.ok(p.found, `${from} → ${to} within ${hops} edges`);
      }
      console.log(`# ${version}: ops sites ${g.stats.opsSites}, typed ${g.stats.typed}, field-name ${g.stats.fieldName}, unresolved ${g.stats.unresolved}, mean targets ${g.stats.meanTargets.toFixed(2)}`);
      assert.ok(g.stats.meanTargets <= 12.5, `mean targets per resolved member-call site ${g.stats.meanTargets}`);
    } finally {
      s.dispose();
    }
  });
}

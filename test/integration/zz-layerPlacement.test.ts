// The layer rule "a function's own file's layer wins over a binding in a higher layer's table", on
// both trees: tcp_sendmsg_locked (net/ipv4/tcp.c, also a proto_ops member) is a protocol function,
// ip_queue_xmit (ip_output.c, bound in inet_connection_sock_af_ops) an IP one; the families' socket
// glue (inet_sendmsg in af_inet.c) stays in the socket layer; the rule says why, for the Layers view
// and the hover. 6.12 is indexed into its own cache when its tree is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { grammar, distDir, integrationCache } from '../helpers.ts';
import { openIndex } from '../../src/core/index/indexer.ts';
import { buildGraphs } from '../../src/core/map/graphs.ts';
import { placementOf } from '../../src/core/graph/layers.ts';

const TREES: [string, string, string][] = [
  ['6.1', process.env.NETSTACK_ATLAS_KERNEL ?? '', integrationCache],
  ['6.12', process.env.NETSTACK_ATLAS_KERNEL_612 ?? '/root/.cache/netstack-atlas/kernel612/linux-source-6.12', `${integrationCache}-612`],
];

for (const [version, tree, cacheDir] of TREES) {
  test(`layers on ${version}: a lower layer's file wins over a higher layer's table; the rule is shown`, { skip: existsSync(tree) ? false : `no ${version} tree at ${tree}`, timeout: 1_800_000 }, async () => {
    const s = await openIndex(tree, { grammar, distDir, cacheDir });
    try {
      const g = buildGraphs(s.index, () => {});
      const at = (fn: string) => placementOf(g.layers, fn);
      assert.equal(at('tcp_sendmsg_locked')?.layer, 'protocol');
      assert.match(at('tcp_sendmsg_locked')!.rule, /^in net\/ipv4\/tcp\.c, a network protocols file \(wins over its binding in proto_ops \w+\.sendmsg_locked/);
      assert.equal(at('ip_queue_xmit')?.layer, 'network');
      assert.match(at('ip_queue_xmit')!.rule, /wins over its binding in inet_connection_sock_af_ops/);
      assert.equal(at('inet_sendmsg')?.layer, 'socket');
      assert.match(at('inet_sendmsg')!.rule, /^bound in proto_ops /);
      assert.equal(at('tcp_sendmsg')?.layer, 'protocol');
      assert.equal(at('loopback_xmit')?.layer, 'driver');
      assert.equal(at('ip_output')?.layer, 'network');
      assert.equal(at('__sys_sendto')?.layer, 'syscall');
    } finally {
      s.dispose();
    }
  });
}

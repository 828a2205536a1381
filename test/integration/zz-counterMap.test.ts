// Counter ↔ source map on linux-source-6.1 (reuses the integration index cache).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { distDir, grammar, integrationCache, cliPath } from '../helpers.ts';
import { openIndex, type IndexSession } from '../../src/core/index/indexer.ts';
import { CounterMap } from '../../src/core/counters/counterMap.ts';
import { treeFileReader } from '../../src/core/index/treeFiles.ts';

const tree = process.env.NETSTACK_ATLAS_KERNEL ?? '';
let s: IndexSession;
let cm: CounterMap;
before(async () => {
  s = await openIndex(tree, { grammar, distDir, cacheDir: integrationCache });
  cm = new CounterMap(s.index, treeFileReader(tree));
});

test('every SNMP_MIB_ITEM of net/ipv4/proc.c and net/ipv6/proc.c is mapped to a /proc counter', () => {
  for (const file of ['net/ipv4/proc.c', 'net/ipv6/proc.c']) {
    const items = [...readFileSync(join(tree, file), 'utf8').matchAll(/SNMP_MIB_ITEM\("(\w+)",\s*(\w+)\)/g)];
    assert.ok(items.length > 50, file);
    const mapped = new Set([...cm.counters.values()].filter((c) => c.table.file === file).map((c) => `${c.counter.split(':')[1]}/${c.enum}`));
    const v6 = file.includes('ipv6');
    const missing = items.filter(([, name, en]) => {
      const key = v6 ? name.replace(/^(UdpLite6|Icmp6|Udp6|Ip6)/, '') : name;
      return !mapped.has(`${key}/${en}`);
    });
    assert.deepEqual(missing.map((m) => m[1]), [], file);
  }
  assert.equal(cm.counters.get('Tcp:RetransSegs')?.enum, 'TCP_MIB_RETRANSSEGS');
  assert.equal(cm.counters.get('TcpExt:ListenOverflows')?.mib, 'net_statistics');
  assert.equal(cm.counters.get('Ip6:InDiscards')?.mib, 'ipv6_statistics');
  console.log(`# ${cm.counters.size} counters from ${cm.tables.length} tables; ${cm.macros.size} statistics macros derived from the tree`);
});

test('sites: the right functions, the right family', () => {
  const fns = (c: string) => new Set(cm.counterSites(c).map((x) => x.function));
  assert.ok(fns('Tcp:RetransSegs').has('__tcp_retransmit_skb'));
  assert.ok(fns('Udp:NoPorts').has('__udp4_lib_rcv'));
  assert.ok(!fns('Udp:NoPorts').has('__udp6_lib_rcv'));
  assert.ok(fns('Udp6:NoPorts').has('__udp6_lib_rcv'));
  // one enum, two families: bumped by different macros
  const direct = (c: string) => cm.counterSites(c).filter((x) => !x.macro.endsWith('()'));
  assert.ok(direct('Ip:InDiscards').length > 0 && direct('Ip:InDiscards').every((x) => /^_*IP_/.test(x.macro)));
  assert.ok(direct('Ip6:InDiscards').length > 0 && direct('Ip6:InDiscards').every((x) => /^_*IP6_/.test(x.macro)));
  assert.ok(fns('Ip6:InDiscards').has('ip6_rcv_core'));
  // Tcp:InSegs is one counter for v4 and v6
  assert.ok(fns('Tcp:InSegs').has('tcp_v4_rcv') && fns('Tcp:InSegs').has('tcp_v6_rcv'));
  // IP_UPD_PO_STATS(net, IPSTATS_MIB_OUT, len) bumps OutRequests (…OUTPKTS) and OutOctets
  assert.ok(cm.counterSites('Ip:OutRequests').some((x) => x.function === 'ip_output' && x.macro === 'IP_UPD_PO_STATS'));
  assert.ok(cm.counterSites('IpExt:OutOctets').some((x) => x.function === 'ip_output' && x.macro === 'IP_UPD_PO_STATS'));
  // ListenDrops includes ListenOverflows: bumped wherever tcp_listendrop() is called
  assert.ok(cm.counterSites('TcpExt:ListenDrops').some((x) => x.macro === 'tcp_listendrop()' && x.function === 'tcp_v4_syn_recv_sock'));
  assert.ok(fns('TcpExt:ListenOverflows').has('tcp_v4_syn_recv_sock'));
});

test('per function, and docs from snmp_counter.rst', () => {
  const c = cm.functionCounters('tcp_v4_rcv').map((x) => x.counter);
  assert.ok(c.includes('Tcp:InSegs'));
  assert.match(cm.counters.get('Tcp:InSegs')?.doc ?? '', /received by the TCP layer/);
  assert.match(cm.counters.get('TcpExt:ListenOverflows')?.doc ?? '', /accept queue/);
});

test('CLI counter-sites and function-counters', () => {
  const run = (...a: string[]) => spawnSync('node', [cliPath, ...a, '--cache-dir', integrationCache], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const out = JSON.parse(run('counter-sites', tree, 'Tcp:RetransSegs', '--json').stdout);
  assert.equal(out.counter, 'Tcp:RetransSegs');
  assert.equal(out.enum, 'TCP_MIB_RETRANSSEGS');
  assert.ok(out.sites.some((x: { function: string; file: string; line: number; macro: string }) => x.function === '__tcp_retransmit_skb' && x.file === 'net/ipv4/tcp_output.c' && x.macro));
  const fc = JSON.parse(run('function-counters', tree, 'tcp_v4_rcv', '--json').stdout);
  assert.ok(fc.some((x: { counter: string; enum: string; line: number; macro: string }) => x.counter === 'Tcp:InSegs' && x.enum === 'TCP_MIB_INSEGS' && x.line > 0));
  const bad = run('counter-sites', tree, 'Tcp:RetransSeg', '--json');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /no counter 'Tcp:RetransSeg'; did you mean Tcp:RetransSegs/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grammar, fixtureTree } from '../helpers.ts';
import { openIndex } from '../../src/core/index/indexer.ts';
import { CounterMap } from '../../src/core/counters/counterMap.ts';
import { treeFileReader } from '../../src/core/index/treeFiles.ts';

test('counter tables with and without SNMP_MIB_SENTINEL, groups from the proc code, macros from their definitions', async () => {
  const s = await openIndex(fixtureTree, { grammar, workers: 0, noCache: true });
  const cm = new CounterMap(s.index, treeFileReader(s.tree.root));
  assert.deepEqual(cm.tables.map((t) => [t.name, t.items, t.sentinel]), [['snmp4_tcp_list', 2, true], ['snmp4_ipstats_list', 2, false]]);
  assert.deepEqual([...cm.counters.keys()].sort(), ['Ip:OutOctets', 'Ip:OutRequests', 'Tcp:InSegs', 'Tcp:RetransSegs']);
  assert.deepEqual(cm.macros.get('__TCP_INC_STATS')?.mibs, ['tcp_statistics']);
  // token pasting: _DEVINC(net, tcp, …) → net->mib.tcp_statistics
  assert.deepEqual(cm.macros.get('TCP6_INC_STATS')?.mibs, ['tcp_statistics']);
  assert.equal(cm.macros.get('IP_UPD_PO_STATS')?.pktsAndOctets, true);
  // a site whose enum is on the next line
  assert.deepEqual(cm.counterSites('Tcp:RetransSegs').map((x) => [x.function, x.file, x.line, x.macro]), [['__tcp_retransmit_skb', 'net/ipv4/tcp_output.c', 3, 'TCP_INC_STATS']]);
  assert.deepEqual(cm.counterSites('Tcp:InSegs').map((x) => x.function), ['tcp_v6_recv']);
  // IPSTATS_MIB_OUT never appears whole: expanded to …OUTPKTS and …OUTOCTETS
  assert.deepEqual(cm.functionCounters('ip_output').map((x) => x.counter).sort(), ['Ip:OutOctets', 'Ip:OutRequests']);
});

// Parser unit tests: captured procfs text from a real host (fixtures/), text read from this machine at
// test time, and the odd shapes other kernels and configurations produce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSnmp } from '../../src/core/metrics/snmp.ts';
import { parseNetstat } from '../../src/core/metrics/netstat.ts';
import { parseSnmp6, splitSnmp6Name } from '../../src/core/metrics/snmp6.ts';
import { parseNetDev } from '../../src/core/metrics/netdev.ts';
import { parseSoftnet, softnetTotals } from '../../src/core/metrics/softnet.ts';
import { parseSockstat } from '../../src/core/metrics/sockstat.ts';
import { parseConntrackStatEntries, parseSingleInteger } from '../../src/core/metrics/conntrack.ts';
import { parseSs, splitSsAddress } from '../../src/core/metrics/ss.ts';
import { summarizeSsBytes } from '../../src/core/metrics/ssStream.ts';
import { decodeProcAddress, parseProcNetSockets } from '../../src/core/metrics/procNetTcp.ts';
import { parsePromText, parsePromLine } from '../../src/core/metrics/prometheusText.ts';
import { samplesToSnapshot } from '../../src/core/metrics/prometheusMap.ts';
import { parsePrometheusQueryResponse, normalizeSelector, metricsUrl } from '../../src/core/metrics/prometheusSources.ts';
import { summarizeSockets } from '../../src/core/metrics/socketSummary.ts';
import { parseCidr, parseIPv6, formatIPv6, inSubnet, LOOPBACK_SUBNETS, subnetsFromIpJson } from '../../src/core/metrics/ipaddr.ts';
import { parseSource } from '../../src/core/metrics/source.ts';

const fx = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'latin1');
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v));

test('snmp fixture: every group, signed MaxConn, no issues', () => {
  const issues: string[] = [];
  const g = parseSnmp(fx('snmp.txt'), issues);
  assert.deepEqual(issues, []);
  assert.deepEqual(Object.keys(g), ['Ip', 'Icmp', 'IcmpMsg', 'Tcp', 'Udp', 'UdpLite']);
  assert.equal(g.Tcp.MaxConn, -1);
  assert.equal(g.Tcp.RtoMin, 200);
  assert.equal(typeof g.Udp.NoPorts, 'number');
  assert.equal(typeof g.Ip.OutTransmits, 'number');
});

test('netstat fixture: TcpExt, IpExt, MPTcpExt with all columns', () => {
  const text = fx('netstat.txt');
  const issues: string[] = [];
  const g = parseNetstat(text, issues);
  assert.deepEqual(issues, []);
  for (const grp of ['TcpExt', 'IpExt', 'MPTcpExt']) assert.ok(g[grp], grp);
  const header = text.split('\n')[0].split(/\s+/).filter(Boolean).slice(1);
  assert.equal(Object.keys(g.TcpExt).length, header.length);
  assert.equal(typeof g.TcpExt.ListenOverflows, 'number');
  assert.equal(typeof g.TcpExt.ListenDrops, 'number');
});

test('IcmpMsg: repeated prefix merges; columns differ between reads', () => {
  // The kernel prints IcmpMsg 16 types per line pair, and only non-zero types.
  const a = parseSnmp('IcmpMsg: InType3 OutType3\nIcmpMsg: 5 6\nIcmpMsg: InType8\nIcmpMsg: 7\nTcp: MaxConn CurrEstab\nTcp: -1 4\n');
  assert.deepEqual(plain(a.IcmpMsg), { InType3: 5, OutType3: 6, InType8: 7 });
  assert.equal(a.Tcp.MaxConn, -1);
  const b = parseSnmp('IcmpMsg: InType0\nIcmpMsg: 1\n');
  assert.deepEqual(plain(b.IcmpMsg), { InType0: 1 });
});

test('header/value pairs: extra or missing columns, missing groups, junk lines', () => {
  const issues: string[] = [];
  const g = parseSnmp('Udp: InDatagrams NoPorts NewCol\nUdp: 1 2\nGarbage line\nTcp: A B\n', issues);
  assert.deepEqual(plain(g.Udp), { InDatagrams: 1, NoPorts: 2 });
  assert.equal(g.Tcp, undefined); // header without values
  assert.equal(g.Ip, undefined);
  assert.ok(issues.length >= 3, issues.join('; '));
  const wide = parseNetstat('TcpExt: A\nTcpExt: 1 2 3\n', issues);
  assert.deepEqual(plain(wide.TcpExt), { A: 1 });
  assert.deepEqual(plain(parseSnmp('')), {});
});

test('snmp6 fixture and prefix split (UdpLite6 before Udp6)', () => {
  const issues: string[] = [];
  const g = parseSnmp6(fx('snmp6.txt'), issues);
  assert.deepEqual(issues, []);
  assert.deepEqual(Object.keys(g).sort(), ['Icmp6', 'Ip6', 'Udp6', 'UdpLite6']);
  assert.equal(typeof g.Ip6.InReceives, 'number');
  assert.equal(typeof g.Udp6.NoPorts, 'number');
  assert.equal(typeof g.UdpLite6.NoPorts, 'number');
  assert.deepEqual(splitSnmp6Name('UdpLite6InDatagrams'), ['UdpLite6', 'InDatagrams']);
  assert.deepEqual(splitSnmp6Name('Icmp6OutType133'), ['Icmp6', 'OutType133']);
  assert.equal(splitSnmp6Name('Ip6'), null);
  const odd = parseSnmp6('Ip6InReceives 4\nWeird 3\nIp6Bad x\n\n', issues);
  assert.equal(odd.Ip6.InReceives, 4);
  assert.equal(odd.Ip6Other.Weird, 3);
});

test('/proc/net/dev: two header lines, names from the header, extra columns, name touching the colon', () => {
  const issues: string[] = [];
  const d = parseNetDev(fx('dev.txt'), issues);
  assert.deepEqual(issues, []);
  assert.ok(d.lo);
  assert.deepEqual(Object.keys(d.lo), [
    'rx_bytes', 'rx_packets', 'rx_errs', 'rx_drop', 'rx_fifo', 'rx_frame', 'rx_compressed', 'rx_multicast',
    'tx_bytes', 'tx_packets', 'tx_errs', 'tx_drop', 'tx_fifo', 'tx_colls', 'tx_carrier', 'tx_compressed',
  ]);
  const text =
    'Inter-|   Receive                            |  Transmit\n' +
    ' face |bytes    packets errs drop otherhost|bytes    packets errs drop\n' +
    'eth0:12345678901 2 0 1 9|7 8 0 0\n'.replace('|', ' ') +
    '  wlan-x: 1 2 3 4 5 6 7 8 9 10\n';
  const e = parseNetDev(text, issues);
  assert.deepEqual(plain(e.eth0), { rx_bytes: 12345678901, rx_packets: 2, rx_errs: 0, rx_drop: 1, rx_otherhost: 9, tx_bytes: 7, tx_packets: 8, tx_errs: 0, tx_drop: 0 });
  assert.equal(e['wlan-x'].col9, 10);
});

test('softnet_stat fixture: 15 columns on this kernel, CPU from its own column', () => {
  const rows = parseSoftnet(fx('softnet_stat.txt'));
  assert.ok(rows.length >= 1);
  rows.forEach((r, i) => assert.equal(r.cpu, i));
  assert.ok('process_qlen' in rows[0] && 'input_qlen' in rows[0] && 'backlog_len' in rows[0]);
});

test('softnet_stat: 9, 10, 11, 13 and 15 columns; offline CPUs skipped; extra columns kept by index', () => {
  const row = (n: number, cpu?: number) =>
    Array.from({ length: n }, (_, k) => (k === 12 && cpu !== undefined ? cpu : k === 0 ? 0xffffffff : k + 1).toString(16).padStart(8, '0')).join(' ');
  const nine = parseSoftnet(row(9) + '\n' + row(9) + '\n');
  assert.deepEqual(plain(nine[1]), { cpu: 1, processed: 0xffffffff, dropped: 2, time_squeeze: 3, cpu_collision: 9 });
  assert.equal(parseSoftnet(row(10))[0].received_rps, 10);
  assert.equal(parseSoftnet(row(11))[0].flow_limit_count, 11);
  // 13+ columns carry the CPU number: CPU 1 offline → rows for CPUs 0, 2, 3.
  const thirteen = parseSoftnet([row(13, 0), row(13, 2), row(13, 3)].join('\n'));
  assert.deepEqual(thirteen.map((r) => r.cpu), [0, 2, 3]);
  assert.equal(thirteen[0].backlog_len, 12);
  const fifteen = parseSoftnet(row(15, 5));
  assert.equal(fifteen[0].cpu, 5);
  assert.equal(fifteen[0].input_qlen, 14);
  assert.equal(fifteen[0].process_qlen, 15);
  const seventeen = parseSoftnet(row(17, 0));
  assert.equal(seventeen[0].col16, 17);
  const issues: string[] = [];
  assert.equal(parseSoftnet('zz 01 02\n01\n', issues).length, 0);
  assert.equal(issues.length, 2);
  assert.deepEqual(softnetTotals(thirteen).dropped, 6);
});

test('sockstat + sockstat6 merge, all fields', () => {
  const s = parseSockstat(fx('sockstat.txt'));
  parseSockstat(fx('sockstat6.txt'), [], s);
  for (const k of ['sockets', 'TCP', 'UDP', 'UDPLITE', 'RAW', 'FRAG', 'TCP6', 'UDP6', 'RAW6', 'FRAG6']) assert.ok(s[k], k);
  assert.deepEqual(Object.keys(s.TCP), ['inuse', 'orphan', 'tw', 'alloc', 'mem']);
  const issues: string[] = [];
  const odd = parseSockstat('TCP: inuse 3 orphan\nnothing\nUDP: inuse x\n', issues);
  assert.equal(odd.TCP.inuse, 3);
  assert.equal(issues.length, 3);
});

test('conntrack files', () => {
  assert.equal(parseSingleInteger('262144\n'), 262144);
  assert.equal(parseSingleInteger('-1'), null);
  assert.equal(parseSingleInteger(''), null);
  assert.equal(parseConntrackStatEntries(fx('nf_conntrack_stat.txt')), 0);
  assert.equal(parseConntrackStatEntries('entries  found\n0000002a  00000001\n'), 42);
  assert.equal(parseConntrackStatEntries('garbage'), null);
});

test('ss: netid column, IPv6 brackets, scope ids, timers, tcp_info retrans, header line', () => {
  const text = [
    'Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process',
    'udp ESTAB    0      0      127.0.0.1:52264 127.0.0.1:9',
    'udp UNCONN   0      0      127.0.0.53%lo:53 0.0.0.0:*',
    'tcp LISTEN   2      1          [::1]:35303      [::]:*',
    'tcp ESTAB    0      0          [::1]:35303     [::1]:34932',
    'tcp SYN-SENT 0      1          [::1]:34944     [::1]:35303 timer:(on,476ms,3)',
    'tcp ESTAB    0      0     [fe80::1]%eth0:22  [fe80::2]%eth0:50000 timer:(keepalive,10sec,0)',
    '\t cubic wscale:7,7 rto:204 retrans:0/5 rcv_space:14480',
    'tcp LISTEN   0      4096         *:80             *:*',
  ].join('\n');
  const bad: string[] = [];
  const e = parseSs(text, bad);
  assert.deepEqual(bad, []);
  assert.equal(e.length, 7);
  assert.deepEqual(e[1], { proto: 'udp', state: 'UNCONN', recvQ: 0, sendQ: 0, local: '127.0.0.53', localPort: 53, peer: '0.0.0.0', peerPort: null, timerRetrans: 0, totalRetrans: null });
  assert.equal(e[2].local, '::1');
  assert.equal(e[4].timerRetrans, 3);
  assert.equal(e[5].local, 'fe80::1');
  assert.equal(e[5].totalRetrans, 5);
  assert.equal(e[6].local, '*');
  // Without a Netid column (ss -t).
  assert.equal(parseSs('ESTAB 0 0 10.0.0.1:22 10.0.0.2:5555\n')[0].proto, 'tcp');
  parseSs('Hello world\ntcp ESTAB x 0 a:1 b:2\ntcp ESTAB 0 0 nocolon b:2\n', bad);
  assert.equal(bad.length, 3);
  assert.deepEqual(splitSsAddress('*:*'), { addr: '*', port: null });
  assert.equal(splitSsAddress('1.2.3.4:99999'), null);
});

test('ss fixture captured on this host parses cleanly', () => {
  const bad: string[] = [];
  const e = parseSs(fx('ss-tuanoH.txt'), bad);
  assert.deepEqual(bad, []);
  assert.ok(e.some((x) => x.state === 'LISTEN'));
});

test('/proc/net/tcp fallback: addresses, states, accept queue without its maximum', () => {
  assert.equal(decodeProcAddress('0100007F', true), '127.0.0.1');
  assert.equal(decodeProcAddress('7F000001', false), '127.0.0.1');
  assert.equal(decodeProcAddress('00000000000000000000000001000000', true), '::1');
  assert.equal(decodeProcAddress('0000000000000000FFFF00000100007F', true), '127.0.0.1');
  assert.equal(decodeProcAddress('000080FE000000000000000001000000', true), 'fe80::1');
  assert.equal(decodeProcAddress('XYZ', true), null);
  const text = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 1065 1 0 100 0 0 10 0',
    '   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 1066 1 0 20 4 30 10 -1',
    '   2: 0100007F:C350 0100007F:1F90 01 00000010:00000000 01:00000020 00000002     0        0 1067 1 0 20 4 30 10 -1',
  ].join('\n');
  const e = parseProcNetSockets(text, 'tcp', [], true);
  assert.equal(e.length, 3);
  assert.deepEqual(
    { state: e[0].state, port: e[0].localPort, q: e[0].recvQ, peer: e[0].peer, pp: e[0].peerPort },
    { state: 'LISTEN', port: 8080, q: 2, peer: '*', pp: null },
  );
  assert.equal(e[2].timerRetrans, 2);
  const s = summarizeSockets(e, LOOPBACK_SUBNETS, 'proc');
  assert.deepEqual(s.listen, [{ local: '127.0.0.1', port: 8080, queue: 2, max: null }]);
  assert.equal(s.inbound, 1);
  assert.equal(s.outbound, 1);
  const u = parseProcNetSockets('   0: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 1 2 0 0', 'udp', [], true);
  assert.equal(u[0].state, 'UNCONN');
  const bad: string[] = [];
  parseProcNetSockets('   0: zz:0035 00000000:0000 07 0:0 00:0 0 0 0 1\nshort line', 'tcp', bad, true);
  assert.equal(bad.length, 2);
});

test('fixtures of /proc/net/tcp* captured on this host parse cleanly', () => {
  for (const [f, p] of [['tcp.txt', 'tcp'], ['tcp6.txt', 'tcp'], ['udp.txt', 'udp'], ['udp6.txt', 'udp']] as const) {
    const bad: string[] = [];
    parseProcNetSockets(fx(f), p, bad);
    assert.deepEqual(bad, [], f);
  }
});

test('socket summary: states, inbound/outbound, per port, remotes folded outside own subnets', () => {
  const e = parseSs(
    [
      'tcp LISTEN 3 4 0.0.0.0:80 0.0.0.0:*',
      'tcp ESTAB 0 0 10.1.2.3:80 10.1.2.9:40000',
      'tcp ESTAB 0 0 10.1.2.3:80 8.8.8.8:40001',
      'tcp ESTAB 0 0 [::ffff:10.1.2.3]:80 [::ffff:1.1.1.1]:40002',
      'tcp TIME-WAIT 0 0 10.1.2.3:45000 10.1.2.9:443',
      'tcp ESTAB 0 0 10.1.2.3:45001 9.9.9.9:443',
      'udp UNCONN 0 0 0.0.0.0:53 0.0.0.0:*',
    ].join('\n'),
  );
  const s = summarizeSockets(e, [parseCidr('10.1.2.0/24')!, ...LOOPBACK_SUBNETS], 'ss');
  assert.deepEqual(s.byState, { LISTEN: 1, ESTAB: 4, 'TIME-WAIT': 1 });
  assert.deepEqual(s.udpByState, { UNCONN: 1 });
  assert.equal(s.inbound, 3);
  assert.equal(s.outbound, 2);
  assert.deepEqual(s.byPort, { '80': 3 });
  assert.deepEqual(s.byRemote, { '10.1.2.9': 2, other: 3 });
  assert.deepEqual(s.listen, [{ local: '0.0.0.0', port: 80, queue: 3, max: 4 }]);
});

test('ip helpers', () => {
  assert.equal(formatIPv6(parseIPv6('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
  assert.equal(formatIPv6(parseIPv6('::')!), '::');
  assert.equal(parseIPv6('1::2::3'), null);
  assert.ok(inSubnet(parseIPv6('fe80::abcd')!, parseCidr('fe80::/10')!));
  assert.ok(!inSubnet(parseIPv6('fec0::1')!, parseCidr('fe80::/10')!));
  const subs = subnetsFromIpJson(JSON.stringify([{ addr_info: [{ local: '192.168.7.2', prefixlen: 24 }] }]));
  assert.ok(subs.some((s) => inSubnet(new Uint8Array([192, 168, 7, 200]), s)));
  assert.equal(subnetsFromIpJson('not json').length, LOOPBACK_SUBNETS.length);
});

test('Prometheus text format: labels, escapes, timestamps, special values, comments', () => {
  const r = parsePromText(
    [
      '# HELP node_netstat_Tcp_RetransSegs Statistic TcpRetransSegs.',
      '# TYPE node_netstat_Tcp_RetransSegs untyped',
      'node_netstat_Tcp_RetransSegs 12',
      'node_netstat_Tcp_MaxConn -1',
      'node_softnet_dropped_total{cpu="1"} 3 1700000000000',
      'x{a="q\\"uo\\\\te",b="line\\nbreak"} 1.5e3',
      'y NaN',
      'z{} +Inf',
      'bad line here',
      'w{a=unquoted} 1',
    ].join('\r\n'),
  );
  assert.equal(r.samples.length, 6);
  assert.equal(r.bad, 2);
  assert.deepEqual(plain(r.samples[3].labels), { a: 'q"uo\\te', b: 'line\nbreak' });
  assert.equal(r.samples[3].value, 1500);
  assert.ok(Number.isNaN(r.samples[4].value));
  assert.equal(r.samples[5].value, Infinity);
  assert.equal(parsePromLine('a{b="c"'), null);
});

test('node_exporter names map onto the procfs model', () => {
  const text = [
    'node_netstat_Tcp_RetransSegs 12',
    'node_netstat_TcpExt_ListenOverflows 3',
    'node_netstat_Ip6_InReceives 40',
    'node_netstat_Udp_NoPorts 5',
    'node_sockstat_TCP_inuse 4',
    'node_sockstat_TCP_mem_bytes 8192',
    'node_sockstat_sockets_used 20',
    'node_sockstat_TCP6_inuse 1',
    'node_softnet_processed_total{cpu="0"} 100',
    'node_softnet_dropped_total{cpu="0"} 1',
    'node_softnet_times_squeezed_total{cpu="0"} 2',
    'node_softnet_processed_total{cpu="2"} 7',
    'node_nf_conntrack_entries 10',
    'node_nf_conntrack_entries_limit 100',
    'node_network_receive_bytes_total{device="lo"} 1000',
    'node_network_transmit_colls_total{device="lo"} 0',
    'node_network_up{device="lo"} 1',
  ].join('\n');
  const s = samplesToSnapshot(parsePromText(text).samples, 'http://x/metrics', 1, 2);
  assert.equal(s.groups.Tcp.RetransSegs, 12);
  assert.equal(s.groups.TcpExt.ListenOverflows, 3);
  assert.equal(s.groups.Ip6.InReceives, 40);
  assert.deepEqual(plain(s.sockstat), { TCP: { inuse: 4 }, sockets: { used: 20 }, TCP6: { inuse: 1 } });
  assert.deepEqual(plain(s.softnet), [{ cpu: 0, processed: 100, dropped: 1, time_squeeze: 2 }, { cpu: 2, processed: 7, dropped: 0, time_squeeze: 0 }]);
  assert.deepEqual(s.conntrack, { count: 10, max: 100 });
  assert.deepEqual(plain(s.devices), { lo: { rx_bytes: 1000, tx_colls: 0 } });
  assert.deepEqual(s.unavailable.map((u) => u.part), ['sockets']);
});

test('Prometheus API answers', () => {
  const ok = JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: [{ metric: { __name__: 'node_netstat_Udp_NoPorts', instance: 'h:9100' }, value: [1700000000.5, '7'] }] },
  });
  const r = parsePrometheusQueryResponse(ok, 'u');
  assert.equal(r.samples[0].name, 'node_netstat_Udp_NoPorts');
  assert.equal(r.samples[0].value, 7);
  assert.equal(r.latest, 1700000000500);
  assert.throws(() => parsePrometheusQueryResponse('<html>', 'u'), /did not return JSON/);
  assert.throws(() => parsePrometheusQueryResponse('{"status":"error","error":"bad query"}', 'u'), /bad query/);
  assert.throws(() => parsePrometheusQueryResponse('{"status":"success","data":{"resultType":"matrix","result":[]}}', 'u'), /no vector/);
  assert.equal(normalizeSelector(' {instance="a"} '), 'instance="a"');
  assert.equal(metricsUrl('http://127.0.0.1:9100'), 'http://127.0.0.1:9100/metrics');
  assert.equal(metricsUrl('http://127.0.0.1:9100/custom'), 'http://127.0.0.1:9100/custom');
});

test('source specs', () => {
  assert.deepEqual(parseSource(undefined), { kind: 'procfs' });
  assert.deepEqual(parseSource('procfs', 12), { kind: 'procfs', netnsPid: 12 });
  assert.deepEqual(parseSource('http://h:9100/metrics'), { kind: 'node_exporter', url: 'http://h:9100/metrics' });
  assert.deepEqual(parseSource('prometheus:http://p:9090#instance="h:9100"'), { kind: 'prometheus', url: 'http://p:9090', selector: 'instance="h:9100"' });
  assert.throws(() => parseSource('prometheus:http://p:9090'), /selector/);
  assert.throws(() => parseSource('ftp://x'), /unknown source/);
  assert.throws(() => parseSource('http://x', 5), /--netns/);
});

test('files read from this machine right now parse without issues', () => {
  const live = (f: string) => {
    try {
      return readFileSync('/proc/net/' + f, 'latin1');
    } catch {
      return null;
    }
  };
  const snmp = live('snmp');
  assert.ok(snmp, '/proc/net/snmp must exist on the test host');
  const issues: string[] = [];
  const g = { ...parseSnmp(snmp, issues), ...parseNetstat(live('netstat') ?? '', issues) };
  assert.ok(g.Tcp && g.Udp && g.Ip && g.TcpExt);
  // Every value line holds as many numbers as its header has names.
  for (const line of snmp.split('\n').filter((l, i) => i % 2 === 0 && l)) {
    const grp = line.split(':')[0];
    if (grp !== 'IcmpMsg') assert.equal(Object.keys(g[grp]).length, line.split(/\s+/).filter(Boolean).length - 1, grp);
  }
  parseNetDev(live('dev') ?? '', issues);
  parseSoftnet(live('softnet_stat') ?? '', issues);
  parseSockstat(live('sockstat') ?? '', issues);
  const s6 = live('snmp6');
  if (s6) parseSnmp6(s6, issues);
  assert.deepEqual(issues, []);
});

test('the byte-stream ss parser agrees with the reference parser, chunk boundaries anywhere', async () => {
  const { SocketAccumulator } = await import('../../src/core/metrics/socketSummary.ts');
  const { SsStreamParser } = await import('../../src/core/metrics/ssStream.ts');
  const text =
    fx('ss-tuanoH.txt') +
    [
      'tcp LISTEN   2      1          [::1]:35303      [::]:*',
      'tcp ESTAB    0      0          [::1]:35303     [::1]:34932',
      'tcp SYN-SENT 0      1          [::1]:34944     [::1]:35303 timer:(on,476ms,3)',
      'tcp ESTAB    0      0     [fe80::1]%eth0:22  [fe80::2]%eth0:50000 timer:(keepalive,10sec,0)',
      'tcp ESTAB    5      7     10.9.9.9:22  8.8.8.8:50000',
      'tcp TIME-WAIT 0 0 [::ffff:127.0.0.1]:41000 [::ffff:127.0.0.1]:35303',
      'udp UNCONN   0      0      127.0.0.53%lo:53 0.0.0.0:*',
      'udp ESTAB    0      0      127.0.0.1:52264 127.0.0.1:9',
    ].join('\n');
  const subnets = [parseCidr('fe80::/64')!, ...LOOPBACK_SUBNETS];
  const ref = plain(summarizeSockets(parseSs(text), subnets, 'ss'));
  assert.deepEqual(plain(summarizeSsBytes(Buffer.from(text), subnets).summary), ref);
  const bytes = Buffer.from(text);
  for (const cut of [1, 7, 64, 100, bytes.length - 3]) {
    const acc = new SocketAccumulator(subnets, 'ss');
    const p = new SsStreamParser(acc);
    p.push(bytes.subarray(0, cut));
    p.push(bytes.subarray(cut));
    p.end();
    assert.deepEqual(plain(acc.finish()), ref, `cut at ${cut}`);
  }
  assert.equal(ref.retrans.current, 3);
  assert.equal(ref.byRemote.other, 1);
  const bad = summarizeSsBytes(Buffer.from('tcp ESTAB x 0 a:1 b:2\nUsage: ss\ntcp ESTAB 0 0 1.2.3.4:99999 5.6.7.8:1\n'), subnets).bad;
  assert.equal(bad.length, 3);
});

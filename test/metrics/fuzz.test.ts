// Fuzz every parser with generated inputs (seeded, reproducible): nothing may throw, and the outputs
// keep their shapes (numbers are numbers, softnet rows have a CPU).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSnmp } from '../../src/core/metrics/snmp.ts';
import { parseNetstat } from '../../src/core/metrics/netstat.ts';
import { parseSnmp6 } from '../../src/core/metrics/snmp6.ts';
import { parseNetDev } from '../../src/core/metrics/netdev.ts';
import { parseSoftnet } from '../../src/core/metrics/softnet.ts';
import { parseSockstat } from '../../src/core/metrics/sockstat.ts';
import { parseConntrackStatEntries, parseSingleInteger } from '../../src/core/metrics/conntrack.ts';
import { parseSs } from '../../src/core/metrics/ss.ts';
import { parseProcNetSockets } from '../../src/core/metrics/procNetTcp.ts';
import { parsePromText } from '../../src/core/metrics/prometheusText.ts';
import { samplesToSnapshot } from '../../src/core/metrics/prometheusMap.ts';
import { parsePrometheusQueryResponse } from '../../src/core/metrics/prometheusSources.ts';
import { summarizeSockets } from '../../src/core/metrics/socketSummary.ts';
import { summarizeSsBytes } from '../../src/core/metrics/ssStream.ts';
import { LOOPBACK_SUBNETS } from '../../src/core/metrics/ipaddr.ts';
import { computeRates } from '../../src/core/metrics/rates.ts';
import { emptySnapshot } from '../../src/core/metrics/snapshot.ts';
import { seededRandom } from '../helpers.ts';

const prng = seededRandom;

const fx = (n: string) => readFileSync(join(__dirname, 'fixtures', n), 'latin1');
const SEEDS: Record<string, string> = {
  snmp: fx('snmp.txt'),
  netstat: fx('netstat.txt'),
  snmp6: fx('snmp6.txt'),
  dev: fx('dev.txt'),
  softnet: fx('softnet_stat.txt'),
  sockstat: fx('sockstat.txt') + fx('sockstat6.txt'),
  ss: fx('ss-tuanoH.txt') + 'tcp ESTAB 0 0 [::1]:1 [::1]:2 timer:(on,1ms,2)\n\t retrans:1/4\n',
  tcp: fx('tcp.txt'),
  ssBytes: fx('ss-tuanoH.txt') + 'tcp SYN-SENT 0 1 [::1]:1 [fe80::1]%lo:2 timer:(on,1ms,2)\nudp UNCONN 0 0 *:53 *:*\n',
  conntrack: fx('nf_conntrack_stat.txt'),
  prom: 'node_netstat_Tcp_RetransSegs 1\nnode_softnet_dropped_total{cpu="0"} 2\nnode_network_receive_bytes_total{device="lo"} 3 17\n# HELP x y\n',
  promApi: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"node_netstat_Udp_NoPorts"},"value":[1,"2"]}]}}',
};
const TOKENS = [' ', '\t', '\n', ':', '-1', '0', 'ffffffff', '99999999999999999999', 'NaN', '{', '}', '"', '\\', '=', ',', '[', ']', '%', '*', '__proto__', 'constructor', 'Tcp:', 'IcmpMsg:', '|', 'LISTEN', 'tcp', 'udp', 'e+308', '\u0000', 'é', 'timer:(on,'];

function mutate(src: string, rnd: () => number): string {
  let s = src;
  const ops = 1 + Math.floor(rnd() * 8);
  for (let i = 0; i < ops; i++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const op = Math.floor(rnd() * 6);
    if (op === 0) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 20)); // delete
    else if (op === 1) s = s.slice(0, at) + TOKENS[Math.floor(rnd() * TOKENS.length)] + s.slice(at); // insert a token
    else if (op === 2) s = s.slice(0, at) + String.fromCharCode(Math.floor(rnd() * 256)) + s.slice(at + 1); // flip a char
    else if (op === 3) s = s.slice(0, at); // truncate
    else if (op === 4) {
      const lines = s.split('\n'); // swap or duplicate lines
      const a = Math.floor(rnd() * lines.length);
      const b = Math.floor(rnd() * lines.length);
      lines.splice(b, 0, lines[a]);
      s = lines.join('\n');
    } else s = Array.from({ length: Math.floor(rnd() * 40) }, () => TOKENS[Math.floor(rnd() * TOKENS.length)]).join(''); // noise
  }
  return s;
}

const PARSERS: Record<string, (t: string) => unknown> = {
  snmp: (t) => parseSnmp(t),
  netstat: (t) => parseNetstat(t),
  snmp6: (t) => parseSnmp6(t),
  dev: (t) => parseNetDev(t),
  softnet: (t) => parseSoftnet(t),
  sockstat: (t) => parseSockstat(t),
  ss: (t) => summarizeSockets(parseSs(t), LOOPBACK_SUBNETS, 'ss'),
  ssBytes: (t) => summarizeSsBytes(Buffer.from(t, 'latin1'), LOOPBACK_SUBNETS),
  tcp: (t) => summarizeSockets(parseProcNetSockets(t, 'tcp'), LOOPBACK_SUBNETS, 'proc'),
  conntrack: (t) => [parseConntrackStatEntries(t), parseSingleInteger(t)],
  prom: (t) => samplesToSnapshot(parsePromText(t).samples, 'x', 0, 0),
  promApi: (t) => {
    try {
      return parsePrometheusQueryResponse(t, 'u'); // documented to throw a one-line Error
    } catch (e) {
      assert.ok(e instanceof Error && !e.message.includes('\n'));
      return null;
    }
  },
};

function allNumbers(v: unknown, path: string): void {
  if (typeof v === 'number') return;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (Array.isArray(v)) return v.forEach((x, i) => allNumbers(x, path + '[' + i + ']'));
  if (typeof v === 'object') for (const [k, x] of Object.entries(v as object)) allNumbers(x, path + '.' + k);
  else assert.fail(`unexpected ${typeof v} at ${path}`);
}

test('fuzz: 24,000 generated inputs, no exception escapes any parser', () => {
  const rnd = prng(0x5eed);
  let runs = 0;
  for (const [name, seed] of Object.entries(SEEDS)) {
    for (let i = 0; i < 2000; i++) {
      const input = mutate(seed, rnd);
      let out: unknown;
      try {
        out = PARSERS[name](input);
      } catch (e) {
        assert.fail(`${name} threw on input #${i} (${JSON.stringify(input.slice(0, 200))}): ${(e as Error).stack}`);
      }
      allNumbers(out, name);
      if (name === 'softnet') for (const r of out as { cpu: number }[]) assert.ok(Number.isInteger(r.cpu));
      runs++;
    }
  }
  assert.equal(runs, 24_000);
});

test('fuzz: rates between random snapshots are never negative', () => {
  const rnd = prng(42);
  for (let i = 0; i < 2000; i++) {
    const a = emptySnapshot('x', 0, 0);
    const b = emptySnapshot('x', 0, 1 + rnd() * 2000);
    const val = () => (rnd() < 0.1 ? 0 : rnd() < 0.5 ? Math.floor(rnd() * 2 ** 32) : Math.floor(rnd() * 2 ** 52));
    for (const s of [a, b]) {
      s.groups = { Tcp: { InSegs: val(), CurrEstab: val() }, Udp: { NoPorts: val() } };
      s.devices = { lo: { rx_bytes: val() } };
      s.softnet = [{ cpu: 0, processed: val() % 2 ** 32, dropped: val() % 2 ** 32, time_squeeze: 0 }];
    }
    const r = computeRates(a, b);
    for (const [k, v] of Object.entries(r.perSec)) assert.ok(v >= 0 && Number.isFinite(v), `${k}=${v}`);
  }
});

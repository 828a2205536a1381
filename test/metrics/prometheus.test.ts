// node_exporter and a Prometheus server started by the test on loopback ports it picks; their numbers,
// mapped onto HostSnapshot, must match procfs read around them. CI installs the Debian packages
// `prometheus-node-exporter` and `prometheus`; set NETSTACK_ATLAS_SKIP_PROMETHEUS=1 to skip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { takeSnapshot } from '../../src/core/metrics/source.ts';
import { GAUGE_KEYS, type HostSnapshot } from '../../src/core/metrics/snapshot.ts';
import { cli, countersJson, pollUntil, stopChild } from './helpers.ts';

const SKIP = process.env.NETSTACK_ATLAS_SKIP_PROMETHEUS === '1';
const NODE_EXPORTER = ['/usr/bin/prometheus-node-exporter', '/usr/bin/node_exporter', '/usr/local/bin/node_exporter'].find(existsSync);
const PROMETHEUS = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find(existsSync);
const opts = { skip: SKIP && 'NETSTACK_ATLAS_SKIP_PROMETHEUS=1' };

let exporter: ChildProcess | undefined;
let prometheus: ChildProcess | undefined;
let dir = '';
let exporterUrl = '';
let promUrl = '';
let instance = '';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function httpOk(url: string, check: (body: string) => boolean = () => true): Promise<boolean> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return r.ok && check(await r.text());
  } catch {
    return false;
  }
}

before(async () => {
  if (SKIP) return;
  assert.ok(
    NODE_EXPORTER && PROMETHEUS,
    `prometheus-node-exporter and prometheus must be installed for these tests (apt-get install prometheus-node-exporter prometheus), or set NETSTACK_ATLAS_SKIP_PROMETHEUS=1. Found node_exporter: ${NODE_EXPORTER ?? 'no'}, prometheus: ${PROMETHEUS ?? 'no'}`,
  );
  dir = mkdtempSync(join(tmpdir(), 'atlas-prom-'));
  const pe = await freePort();
  instance = `127.0.0.1:${pe}`;
  exporterUrl = `http://${instance}/metrics`;
  exporter = spawn(NODE_EXPORTER!, [`--web.listen-address=${instance}`, '--collector.netstat.fields=.*', '--collector.netdev.device-exclude=^$', '--no-collector.systemd'], { stdio: 'ignore' });
  assert.ok((await pollUntil(() => httpOk(exporterUrl), (x) => x, 15_000, 100)).ok, 'node_exporter did not start');
  const pp = await freePort();
  promUrl = `http://127.0.0.1:${pp}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['${instance}']\n`,
  );
  prometheus = spawn(PROMETHEUS!, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${pp}`], { stdio: 'ignore' });
  const up = await pollUntil(
    () => httpOk(`${promUrl}/api/v1/query?query=${encodeURIComponent(`node_netstat_Tcp_InSegs{instance="${instance}"}`)}`, (b) => JSON.parse(b).data.result.length === 1),
    (x) => x,
    30_000,
    250,
  );
  assert.ok(up.ok, 'prometheus did not scrape node_exporter within 30 s');
});

after(async () => {
  await stopChild(prometheus);
  await stopChild(exporter);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every counter of `remote` lies between procfs readings taken before and after it (gauges: ±tol). */
function assertBetween(a: HostSnapshot, remote: HostSnapshot, b: HostSnapshot): number {
  let n = 0;
  const check = (what: string, lo: number | undefined, v: number, hi: number | undefined, gauge: boolean) => {
    if (lo === undefined || hi === undefined) return;
    const tol = gauge ? 3 : 0;
    assert.ok(v >= Math.min(lo, hi) - tol && v <= Math.max(lo, hi) + tol, `${what}: remote ${v}, procfs ${lo} then ${hi}`);
    n++;
  };
  for (const [g, c] of Object.entries(remote.groups)) for (const [k, v] of Object.entries(c)) check(`${g}:${k}`, a.groups[g]?.[k], v, b.groups[g]?.[k], GAUGE_KEYS.has(`${g}:${k}`));
  for (const [d, c] of Object.entries(remote.devices)) for (const [k, v] of Object.entries(c)) check(`dev ${d} ${k}`, a.devices[d]?.[k], v, b.devices[d]?.[k], false);
  for (const row of remote.softnet) {
    const ra = a.softnet.find((r) => r.cpu === row.cpu);
    const rb = b.softnet.find((r) => r.cpu === row.cpu);
    for (const k of ['processed', 'dropped', 'time_squeeze']) check(`softnet ${row.cpu} ${k}`, ra?.[k], row[k], rb?.[k], false);
  }
  for (const [p, f] of Object.entries(remote.sockstat)) for (const [k, v] of Object.entries(f)) if (k !== 'mem') check(`sockstat ${p} ${k}`, a.sockstat[p]?.[k], v, b.sockstat[p]?.[k], true);
  assert.ok(remote.conntrack && a.conntrack, 'conntrack through both');
  assert.equal(remote.conntrack.max, a.conntrack.max);
  return n;
}

test('node_exporter /metrics maps onto the procfs model and matches procfs', opts, async () => {
  const a = await takeSnapshot('procfs', { sockets: false });
  const r = await cli(['counters', '--json', '--source', exporterUrl]);
  assert.equal(r.code, 0, r.err);
  const b = await takeSnapshot('procfs', { sockets: false });
  const remote = JSON.parse(r.out) as HostSnapshot;
  assert.equal(remote.source, exporterUrl);
  for (const k of ['Tcp', 'TcpExt', 'Udp', 'Ip', 'Ip6']) assert.ok(remote.groups[k], `group ${k}`);
  assert.equal(typeof remote.groups.Tcp.RetransSegs, 'number');
  assert.equal(typeof remote.groups.TcpExt.ListenOverflows, 'number');
  assert.ok(remote.devices.lo && typeof remote.devices.lo.rx_bytes === 'number');
  assert.equal(remote.softnet.length, a.softnet.length);
  assert.deepEqual(remote.unavailable.map((u) => u.part), ['sockets']);
  const compared = assertBetween(a, remote, b);
  assert.ok(compared > 150, `only ${compared} values compared`);
});

test('Prometheus API (instant query, selector picks the host) matches procfs', opts, async () => {
  const source = `prometheus:${promUrl}#instance="${instance}"`;
  const a = await takeSnapshot('procfs', { sockets: false });
  // Wait for a scrape newer than `a`.
  const r = await pollUntil(() => countersJson(['--source', source]), (j) => j.time > a.time + 100, 5000, 200);
  assert.ok(r.ok, 'no scrape newer than the first procfs reading within 5 s');
  const b = await takeSnapshot('procfs', { sockets: false });
  assert.equal(r.value.source, `prometheus:${promUrl}#instance="${instance}"`);
  assert.ok(r.value.groups.Udp && typeof r.value.groups.Udp.NoPorts === 'number');
  const compared = assertBetween(a, r.value, b);
  assert.ok(compared > 150, `only ${compared} values compared`);
});

test('Prometheus: a selector that matches nothing, or is malformed, is a clear one-line error', opts, async () => {
  const none = await cli(['counters', '--json', '--source', `prometheus:${promUrl}#instance="nowhere:1"`]);
  assert.equal(none.code, 1);
  assert.match(none.err, /no node_exporter series matching \{instance="nowhere:1"\}/);
  assert.equal(none.err.trim().split('\n').length, 1);
  const bad = await cli(['counters', '--json', '--source', `prometheus:${promUrl}#instance=`]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^netstack-atlas counters: Prometheus at http:\/\/127.0.0.1:\d+ answered HTTP 400: \S/);
  assert.equal(bad.err.trim().split('\n').length, 1);
});

test('watch over node_exporter: rates from a remote source', opts, async () => {
  const r = await cli(['watch', '--source', exporterUrl, '--interval', '0.5', '--count', '3', '--json']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.equal(lines[0].rates, null);
  assert.ok(lines[2].rates['Tcp:InSegs'] > 0, 'the scrapes themselves make loopback TCP traffic');
});

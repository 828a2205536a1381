// Sampler, rates, history ring and alerts, driven by an injected read function and clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readProcfs } from '../../src/core/metrics/procfsSource.ts';
import { Sampler, type Timers } from '../../src/core/metrics/sampler.ts';
import { computeRates } from '../../src/core/metrics/rates.ts';
import { HistoryRing } from '../../src/core/metrics/history.ts';
import { computeAlerts, DEFAULT_THRESHOLDS } from '../../src/core/metrics/alerts.ts';
import { emptySnapshot, type HostSnapshot } from '../../src/core/metrics/snapshot.ts';
import type { Clock } from '../../src/core/metrics/clock.ts';

/** A fake /proc whose files the test rewrites between ticks. */
function fakeProc(files: Record<string, string>) {
  return async (path: string) => {
    if (path in files) return files[path];
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  };
}
function fakeClock(): Clock & { t: number } {
  const c = { t: 1000, now: () => 1_700_000_000_000 + c.t, mono: () => c.t };
  return c;
}
const hex = (n: number) => n.toString(16).padStart(8, '0');
function procText(v: { inSegs: number; estab: number; noPorts: number; icmp?: string; processed: number; dropped: number; rx: number }) {
  return {
    '/proc/net/snmp': `Tcp: RtoMin MaxConn CurrEstab InSegs RetransSegs OutSegs\nTcp: 200 -1 ${v.estab} ${v.inSegs} 0 ${v.inSegs}\n${v.icmp ?? ''}Udp: InDatagrams NoPorts RcvbufErrors\nUdp: 0 ${v.noPorts} 0\n`,
    '/proc/net/netstat': 'TcpExt: ListenOverflows ListenDrops\nTcpExt: 0 0\n',
    '/proc/net/dev': 'Inter-| Receive | Transmit\n face |bytes packets|bytes packets\n  lo: ' + v.rx + ' 1 2 3\n',
    '/proc/net/softnet_stat': [v.processed, v.dropped, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0].map(hex).join(' ') + '\n',
    '/proc/net/sockstat': 'TCP: inuse 3 tw 1\n',
  };
}

test('rates: per second, gauges excluded, counter reset and 32-bit softnet wrap never negative, new IcmpMsg columns', async () => {
  const clock = fakeClock();
  const files = procText({ inSegs: 100, estab: 5, noPorts: 10, processed: 0xfffffff0, dropped: 3, rx: 5000 });
  const read = fakeProc(files);
  const a = await readProcfs({ read, clock, sockets: false });
  assert.deepEqual(a.unavailable.map((u) => u.part).sort(), ['conntrack', 'snmp6', 'sockstat6']);
  clock.t += 2000;
  Object.assign(files, procText({ inSegs: 300, estab: 2, noPorts: 4, icmp: 'IcmpMsg: InType3\nIcmpMsg: 9\n', processed: 0x10, dropped: 3, rx: 6000 }));
  const b = await readProcfs({ read, clock, sockets: false });
  const r = computeRates(a, b);
  assert.equal(r.dt, 2);
  assert.equal(r.perSec['Tcp:InSegs'], 100);
  assert.equal(r.delta['Tcp:InSegs'], 200);
  assert.equal(r.perSec['Tcp:CurrEstab'], undefined, 'gauges have no rate');
  assert.equal(r.perSec['Tcp:MaxConn'], undefined);
  assert.equal(r.delta['Udp:NoPorts'], 4, 'a counter that went down restarted from zero');
  assert.ok(r.resets.includes('Udp:NoPorts'));
  assert.equal(r.delta['softnet:0:processed'], 0x20, '32-bit wrap');
  assert.equal(r.delta['softnet:processed'], 0x20);
  assert.equal(r.delta['softnet:dropped'], 0);
  assert.equal(r.perSec['dev:lo:rx_bytes'], 500);
  assert.equal(r.perSec['IcmpMsg:InType3'], undefined, 'no rate for a column that just appeared');
  for (const v of Object.values(r.perSec)) assert.ok(v >= 0);
});

test('history ring keeps the last N samples, oldest first, NaN where a key was missing', () => {
  const h = new HistoryRing(3);
  h.push(1, { a: 1 });
  h.push(2, { a: 2, b: 20 });
  assert.deepEqual(h.get('b').values.map(String), ['NaN', '20']);
  h.push(3, { a: 3 });
  h.push(4, { b: 40 });
  assert.equal(h.size, 3);
  assert.deepEqual(h.get('a'), { times: [2, 3, 4], values: [2, 3, NaN] });
  assert.deepEqual(h.get('b').values.map(String), ['20', 'NaN', '40']);
  assert.deepEqual(h.get('zzz').values.length, 3);
  assert.throws(() => new HistoryRing(0));
});

test('sampler: first tick has no rates; socket dumps every fullEvery ticks or on request; history sized from historyMs', async () => {
  const clock = fakeClock();
  const fulls: boolean[] = [];
  let n = 0;
  const take = async (full: boolean): Promise<HostSnapshot> => {
    fulls.push(full);
    const s = emptySnapshot('fake', clock.now(), clock.mono());
    s.groups = { Tcp: { InSegs: 10 * n++, CurrEstab: 1 } };
    if (full) s.sockets = { via: 'ss', byState: {}, udpByState: {}, inbound: 0, outbound: 0, listen: [{ local: '0.0.0.0', port: 80, queue: 10, max: 10 }], byPort: {}, byRemote: {}, retrans: { sockets: 0, current: 0, total: null }, total: 1 };
    clock.t += 1000;
    return s;
  };
  const sampler = new Sampler({ take, clock, intervalMs: 1000, historyMs: 5000, fullEvery: 3 });
  assert.equal(sampler.history.capacity, 5);
  const first = await sampler.tick();
  assert.equal(first.rates, null);
  assert.equal(first.full, true);
  assert.equal(first.alerts[0]?.kind, 'listen-queue', 'level alerts work without rates');
  const second = await sampler.tick();
  assert.equal(second.rates?.perSec['Tcp:InSegs'], 10);
  assert.equal(second.full, false);
  assert.equal(second.sockets?.listen[0].port, 80, 'the last socket table is carried over');
  assert.equal(second.socketsAgeMs, 1000);
  await sampler.tick();
  sampler.requestFull();
  await sampler.tick(); // requested
  await sampler.tick();
  await sampler.tick(); // seq 5: not a multiple of 3
  await sampler.tick(); // seq 6
  assert.deepEqual(fulls, [true, false, false, true, false, false, true]);
  const hist = sampler.history.get('Tcp:InSegs');
  assert.equal(hist.values.length, 5);
  assert.deepEqual(hist.values, [10, 10, 10, 10, 10]);
  assert.deepEqual(sampler.history.get('Tcp:CurrEstab').values, [1, 1, 1, 1, 1], 'gauges are kept as values');
});

test('sampler without fullEvery: socket dumps as often as the CPU budget allows', async () => {
  const clock = fakeClock();
  const fulls: boolean[] = [];
  let dumpMs = 5;
  const take = async (full: boolean) => {
    fulls.push(full);
    clock.t += full ? dumpMs : 1;
    return emptySnapshot('x', clock.now(), clock.mono());
  };
  const sampler = new Sampler({ take, clock, intervalMs: 1000, socketDumpBudget: 0.01 });
  for (let i = 0; i < 4; i++) await sampler.tick();
  assert.deepEqual(fulls, [true, true, true, true], 'a 5 ms dump fits a 10 ms/s budget every tick');
  dumpMs = 35; // a big socket table: 35 ms per dump → every 4th tick
  fulls.length = 0;
  for (let i = 0; i < 9; i++) await sampler.tick();
  assert.deepEqual(fulls, [true, false, false, false, true, false, false, false, true]);
  dumpMs = 10_000; // capped at one dump a minute
  fulls.length = 0;
  for (let i = 0; i < 64; i++) await sampler.tick();
  // The 35 ms schedule still owes 3 cheap ticks; after the 10 s dump, the next comes 60 ticks later.
  assert.deepEqual(fulls.map((f, i) => (f ? i : -1)).filter((i) => i >= 0), [3, 63]);
  sampler.requestFull();
  assert.equal((await sampler.tick()).full, false, 'the snapshot here has no sockets, but a dump was asked for');
  assert.equal(fulls[fulls.length - 1], true);
});

test('sampler timer loop: ticks on the interval grid, emits samples, stops', async () => {
  const clock = fakeClock();
  const pending: { fn: () => void; at: number }[] = [];
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      const h = { fn, at: clock.t + ms };
      pending.push(h);
      return h;
    },
    clearTimeout: (h) => {
      const i = pending.indexOf(h as (typeof pending)[0]);
      if (i >= 0) pending.splice(i, 1);
    },
  };
  const take = async () => {
    clock.t += 30; // each reading takes 30 ms of clock time
    return emptySnapshot('fake', clock.now(), clock.mono());
  };
  const sampler = new Sampler({ take, clock, timers, intervalMs: 500 });
  const seen: number[] = [];
  sampler.on('sample', (s) => seen.push(s.seq));
  const t0 = clock.t;
  sampler.start();
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setImmediate(r));
    assert.equal(pending.length, 1);
    const next = pending.shift()!;
    assert.equal(next.at - t0, (i + 1) * 500, 'next tick on the grid');
    clock.t = next.at;
    next.fn();
  }
  await new Promise((r) => setImmediate(r));
  sampler.stop();
  assert.equal(pending.length, 0);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  assert.equal(sampler.isRunning, false);
});

test('sampler reports a failing source as an error event and keeps going', async () => {
  let calls = 0;
  const sampler = new Sampler({
    intervalMs: 10,
    take: async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return emptySnapshot('x', Date.now(), performance.now());
    },
  });
  const errors: string[] = [];
  const got = new Promise<void>((resolve) => {
    sampler.on('error', (e) => errors.push(e.message));
    sampler.on('sample', () => resolve());
  });
  sampler.start();
  await got;
  sampler.stop();
  assert.deepEqual(errors, ['boom']);
});

test('alerts: each rule fires above its threshold and stays quiet below; thresholds are settings', () => {
  const s = emptySnapshot('x', 0, 0);
  s.conntrack = { count: 95, max: 100 };
  s.sockets = {
    via: 'ss', byState: {}, udpByState: {}, inbound: 0, outbound: 0, byPort: {}, byRemote: {}, retrans: { sockets: 0, current: 0, total: null }, total: 3,
    listen: [
      { local: '0.0.0.0', port: 80, queue: 9, max: 10 },
      { local: '0.0.0.0', port: 81, queue: 2, max: 1 },
      { local: '::', port: 82, queue: 8, max: 10 },
      { local: '::', port: 83, queue: 5, max: null },
    ],
  };
  const rates = {
    dt: 1, delta: {}, resets: [],
    perSec: {
      'TcpExt:ListenOverflows': 2, 'TcpExt:ListenDrops': 0, 'softnet:dropped': 1, 'softnet:time_squeeze': 3,
      'Udp:RcvbufErrors': 4, 'Udp:NoPorts': 5, 'Udp6:NoPorts': 0, 'Tcp:RetransSegs': 50, 'Tcp:OutSegs': 1000,
    },
  };
  const kinds = (a: { kind: string; keys: string[] }[]) => a.map((x) => `${x.kind}:${x.keys.join('+')}`).sort();
  assert.deepEqual(kinds(computeAlerts(s, rates)), [
    'conntrack:conntrack:count',
    'listen-drops:TcpExt:ListenOverflows',
    'listen-queue:listen:0.0.0.0:80',
    'listen-queue:listen:0.0.0.0:81',
    'softnet-dropped:softnet:dropped',
    'softnet-squeeze:softnet:time_squeeze',
    'tcp-retrans-ratio:Tcp:RetransSegs+Tcp:OutSegs',
    'udp-noports:Udp:NoPorts',
    'udp-rcvbuf:Udp:RcvbufErrors',
  ]);
  assert.equal(computeAlerts(s, rates).find((a) => a.keys[0] === 'listen:0.0.0.0:81')?.severity, 'critical');
  assert.deepEqual(kinds(computeAlerts(s, null)), ['conntrack:conntrack:count', 'listen-queue:listen:0.0.0.0:80', 'listen-queue:listen:0.0.0.0:81']);
  const relaxed = computeAlerts(s, rates, {
    listenQueueRatio: 2.5, conntrackRatio: 0.99, listenDropsPerSec: 5, softnetDroppedPerSec: 5, softnetSqueezePerSec: 5,
    udpRcvbufErrorsPerSec: 5, udpNoPortsPerSec: 5, tcpRetransRatio: 0.1,
  });
  assert.deepEqual(relaxed, []);
  const fast = computeAlerts(s, { ...rates, perSec: { 'Tcp:RetransSegs': DEFAULT_THRESHOLDS.tcpRetransPerSec + 1 } }, { listenQueueRatio: 10, conntrackRatio: 1 });
  assert.deepEqual(kinds(fast), ['tcp-retrans:Tcp:RetransSegs']);
  const quiet = emptySnapshot('x', 0, 0);
  assert.deepEqual(computeAlerts(quiet, { dt: 1, delta: {}, resets: [], perSec: { 'Udp:NoPorts': 0, 'softnet:dropped': 0 } }), []);
});

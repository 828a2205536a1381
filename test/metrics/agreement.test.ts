// A snapshot agrees with the system's own tools read at the same moment: `nstat -az`, `ss -s`,
// `ss -tan` and `cat /proc/net/snmp`. Counters are checked by sandwich (tool before ≤ ours ≤ tool
// after), gauges within a small tolerance of the two tool readings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { takeSnapshot } from '../../src/core/metrics/source.ts';
import { flattenCounters } from '../../src/core/metrics/rates.ts';
import { GAUGE_KEYS } from '../../src/core/metrics/snapshot.ts';
import { run } from './helpers.ts';

async function nstat(): Promise<Record<string, number>> {
  // -a: absolute values, -s: leave nstat's history file alone, -z: zeros too.
  return JSON.parse(await run('nstat', ['-asz', '--json'])).kernel;
}

test('every counter agrees with nstat -az (nstat before ≤ ours ≤ nstat after)', async () => {
  const a = await nstat();
  const snap = await takeSnapshot('procfs', { sockets: false });
  const b = await nstat();
  let compared = 0;
  for (const [g, counters] of Object.entries(snap.groups)) {
    for (const [n, v] of Object.entries(counters)) {
      const k = g + n; // nstat glues group and name: TcpRetransSegs, TcpExtListenOverflows, Ip6InReceives
      if (!(k in a) || !(k in b)) continue;
      compared++;
      const lo = Math.min(a[k], b[k]);
      const hi = Math.max(a[k], b[k]);
      const tol = GAUGE_KEYS.has(`${g}:${n}`) ? 2 : 0;
      // nstat's JSON prints some 64-bit counters (IpExt:InOctets) wrapped at 2^32: compare modulo it then
      const w = v >= 2 ** 32 && hi < 2 ** 32 ? v % 2 ** 32 : v;
      assert.ok(w >= lo - tol && w <= hi + tol, `${g}:${n} = ${v}, nstat says ${a[k]} then ${b[k]}`);
    }
  }
  // nstat reads the same three files; nearly all of its keys must be ours too.
  const ours = new Set(Object.entries(snap.groups).flatMap(([g, c]) => Object.keys(c).map((n) => g + n)));
  const missing = Object.keys(b).filter((k) => !ours.has(k));
  assert.deepEqual(missing, [], 'counters nstat knows and we do not');
  assert.ok(compared > 200, `only ${compared} counters compared`);
});

test('counters agree with cat /proc/net/snmp (header/value zipped independently)', async () => {
  const zip = (text: string) => {
    const m = new Map<string, number>();
    const lines = text.trim().split('\n');
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const [g, ...names] = lines[i].split(/\s+/);
      const vals = lines[i + 1].split(/\s+/).slice(1);
      names.forEach((n, j) => m.set(g.replace(':', '') + ':' + n, Number(vals[j])));
    }
    return m;
  };
  const a = zip(await run('cat', ['/proc/net/snmp']));
  const snap = await takeSnapshot('procfs', { sockets: false });
  const b = zip(await run('cat', ['/proc/net/snmp']));
  const ours = flattenCounters(snap);
  for (const [k, va] of a) {
    const vb = b.get(k)!;
    if (GAUGE_KEYS.has(k)) continue;
    const v = ours.get(k);
    assert.ok(v !== undefined && v >= Math.min(va, vb) && v <= Math.max(va, vb), `${k}: ours ${v}, cat ${va} then ${vb}`);
  }
  assert.equal(snap.groups.Tcp.MaxConn, a.get('Tcp:MaxConn'));
});

test('socket figures agree with ss -s and ss -tan', async () => {
  const parseSummary = (t: string) => {
    const m = /TCP:\s+(\d+) \(estab (\d+), closed (\d+), orphaned (\d+), timewait (\d+)\)/.exec(t);
    const total = /^Total: (\d+)/m.exec(t);
    assert.ok(m && total, `unexpected ss -s output: ${t}`);
    return { estab: +m[2], orphaned: +m[4], timewait: +m[5], total: +total[1] };
  };
  const countTan = (t: string) => t.trim().split('\n').length - 1;
  const a = parseSummary(await run('ss', ['-s']));
  const ta = countTan(await run('ss', ['-tan']));
  const snap = await takeSnapshot('procfs', { sockets: true });
  const b = parseSummary(await run('ss', ['-s']));
  const tb = countTan(await run('ss', ['-tan']));
  const near = (v: number, x: number, y: number, what: string, tol = 2) =>
    assert.ok(v >= Math.min(x, y) - tol && v <= Math.max(x, y) + tol, `${what}: ours ${v}, ss says ${x} then ${y}`);
  near(snap.groups.Tcp.CurrEstab, a.estab, b.estab, 'estab (Tcp:CurrEstab)');
  near(snap.sockstat.TCP.orphan, a.orphaned, b.orphaned, 'orphaned');
  near(snap.sockstat.TCP.tw, a.timewait, b.timewait, 'timewait');
  // ss holds a few netlink sockets of its own while it reads, so `Total` runs a little higher.
  near(snap.sockstat.sockets.used, a.total, b.total, 'sockets used', 10);
  const s = snap.sockets!;
  assert.equal(s.via, 'ss');
  const tcpInDump = Object.values(s.byState).reduce((x, y) => x + y, 0);
  near(tcpInDump, ta, tb, 'TCP sockets in the dump vs ss -tan');
  // CurrEstab counts ESTABLISHED and CLOSE-WAIT.
  near((s.byState.ESTAB ?? 0) + (s.byState['CLOSE-WAIT'] ?? 0), a.estab, b.estab, 'ESTAB+CLOSE-WAIT vs CurrEstab');
});

// Live tests: real traffic on loopback, seen through the real CLI (`counters --json`) within 2 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { countersJson, pollUntil, startChild, stopChild, PY_NO_ACCEPT } from './helpers.ts';

async function closedUdpPort(type: 'udp4' | 'udp6', addr: string): Promise<number> {
  const s = dgram.createSocket(type);
  await new Promise<void>((r) => s.bind(0, addr, () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function sendDatagrams(type: 'udp4' | 'udp6', addr: string, port: number, n: number): Promise<void> {
  const s = dgram.createSocket(type);
  for (let i = 0; i < n; i++) await new Promise<void>((r, j) => s.send(Buffer.from('atlas ' + i), port, addr, (e) => (e ? j(e) : r())));
  await new Promise<void>((r) => s.close(() => r()));
}

test('counters --json has the contract keys', async () => {
  const j = await countersJson();
  for (const k of ['source', 'time', 'groups', 'devices', 'softnet', 'sockstat', 'conntrack', 'sockets', 'alerts', 'unavailable']) assert.ok(k in j, k);
  assert.equal(j.source, 'procfs');
  assert.equal(typeof j.time, 'number');
  for (const g of ['Tcp', 'TcpExt', 'Udp', 'Ip']) assert.equal(typeof j.groups[g], 'object', g);
  assert.equal(typeof j.devices.lo.rx_bytes, 'number');
  assert.ok(j.softnet.length >= 1);
  for (const k of ['cpu', 'processed', 'dropped', 'time_squeeze']) assert.equal(typeof j.softnet[0][k], 'number', k);
  for (const k of ['byState', 'inbound', 'outbound', 'listen', 'byPort', 'byRemote']) assert.ok(k in j.sockets, k);
  assert.ok(j.conntrack === null || (typeof j.conntrack.count === 'number' && 'max' in j.conntrack));
  assert.ok(Array.isArray(j.alerts));
});

for (const [type, addr, group] of [['udp4', '127.0.0.1', 'Udp'], ['udp6', '::1', 'Udp6']] as const) {
  test(`${group}:NoPorts rises by at least the datagrams sent to a closed port on ${addr}, within 2 s`, async () => {
    const port = await closedUdpPort(type, addr);
    const before = (await countersJson(['--no-sockets'])).groups[group].NoPorts as number;
    const n = 37;
    await sendDatagrams(type, addr, port, n);
    const r = await pollUntil(
      () => countersJson(['--no-sockets']),
      (j) => j.groups[group].NoPorts >= before + n,
    );
    assert.ok(r.ok, `${group}:NoPorts ${before} → ${r.value.groups[group].NoPorts}, expected +${n}`);
  });
}

test('a backlog-1 listener that never accepts: accept queue full (current ≥ max) and ListenOverflows/ListenDrops rise, within 2 s', async (t) => {
  const { child, line } = await startChild('python3', ['-c', PY_NO_ACCEPT, '127.0.0.1', '1']);
  const port = Number(line);
  const clients: net.Socket[] = [];
  t.after(async () => {
    for (const c of clients) c.destroy();
    await stopChild(child);
  });
  const before = await countersJson();
  const drops0 = before.groups.TcpExt.ListenOverflows + before.groups.TcpExt.ListenDrops;
  for (let i = 0; i < 12; i++) {
    const c = net.connect({ host: '127.0.0.1', port });
    c.on('error', () => {});
    clients.push(c);
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const entry = (j: any) => j.sockets.listen.find((l: { port: number }) => l.port === port);
  const r = await pollUntil(
    () => countersJson(),
    (j) => {
      const e = entry(j);
      return !!e && e.max !== null && e.queue >= e.max && j.groups.TcpExt.ListenOverflows + j.groups.TcpExt.ListenDrops > drops0;
    },
  );
  const e = entry(r.value);
  assert.ok(r.ok, `listen entry ${JSON.stringify(e)}, overflows+drops ${drops0} → ${r.value.groups.TcpExt.ListenOverflows + r.value.groups.TcpExt.ListenDrops}`);
  assert.equal(e.max, 1, 'Send-Q of a LISTEN socket is its backlog');
  assert.ok(r.value.alerts.some((a: { kind: string; keys: string[] }) => a.kind === 'listen-queue' && a.keys[0] === `listen:127.0.0.1:${port}`), 'a full accept queue raises an alert');
  assert.ok((r.value.sockets.byState['SYN-SENT'] ?? 0) >= 1, 'clients beyond the queue wait in SYN-SENT');
});

test('connections show up by state and as inbound/outbound, per port and per remote; closing leaves TIME-WAIT', async (t) => {
  const accepted: net.Socket[] = [];
  const server = net.createServer((s) => accepted.push(s));
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const clients: net.Socket[] = [];
  t.after(() => {
    for (const c of [...clients, ...accepted]) c.destroy();
    server.close();
  });
  const base = await countersJson();
  const n = 6;
  for (let i = 0; i < n; i++) {
    const c = net.connect({ host: '127.0.0.1', port });
    c.on('error', () => {});
    clients.push(c);
  }
  const r = await pollUntil(
    () => countersJson(),
    (j) => j.sockets.byPort[String(port)] === n,
  );
  const s = r.value.sockets;
  assert.equal(s.byPort[String(port)], n, 'inbound connections on the listening port');
  assert.ok(s.listen.some((l: { port: number }) => l.port === port));
  assert.ok(s.inbound >= base.sockets.inbound + n - 2 && s.inbound >= n, `inbound ${s.inbound}`);
  assert.ok(s.outbound >= n, `outbound ${s.outbound} (the client ends use ephemeral ports)`);
  assert.ok((s.byState.ESTAB ?? 0) >= 2 * n, `ESTAB ${s.byState.ESTAB}`);
  assert.ok((s.byRemote['127.0.0.1'] ?? 0) >= 2 * n, `byRemote ${JSON.stringify(s.byRemote)}`);
  // The clients close first, so their ends go through TIME-WAIT.
  const tw0 = s.byState['TIME-WAIT'] ?? 0;
  for (const c of clients) c.end();
  for (const a of accepted) a.on('end', () => a.end());
  const r2 = await pollUntil(
    () => countersJson(),
    (j) => (j.sockets.byState['TIME-WAIT'] ?? 0) >= tw0 + n && j.sockets.byPort[String(port)] === undefined,
  );
  assert.ok(r2.ok, `TIME-WAIT ${tw0} → ${r2.value.sockets.byState['TIME-WAIT']}, byPort ${r2.value.sockets.byPort[String(port)]}`);
  assert.ok(r2.value.sockstat.TCP.tw >= n, 'sockstat agrees on TIME-WAIT');
});

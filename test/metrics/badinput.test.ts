// Bad input: missing or unreadable procfs parts, ss missing or printing garbage, remote URLs that
// refuse, hang, or answer HTML or garbage. Each must give a clear one-line message and no freeze.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProcfs } from '../../src/core/metrics/procfsSource.ts';
import { execFileText, type ExecFn } from '../../src/core/metrics/ss.ts';
import { cli, PY_NO_ACCEPT, startChild, stopChild } from './helpers.ts';

test('a /proc with only some files (container, non-Linux): the rest is marked unavailable, what exists works', async () => {
  const root = mkdtempSync(join(tmpdir(), 'atlas-proc-'));
  try {
    mkdirSync(join(root, 'net'));
    // (copyFileSync would copy nothing: proc files report a size of 0)
    writeFileSync(join(root, 'net', 'snmp'), readFileSync('/proc/net/snmp'));
    const s = await readProcfs({ procRoot: root, socketReader: 'proc' });
    assert.ok(s.groups.Tcp && s.groups.Udp, 'snmp still read');
    const parts = Object.fromEntries(s.unavailable.map((u) => [u.part, u.reason]));
    assert.deepEqual(Object.keys(parts).sort(), ['conntrack', 'dev', 'netstat', 'snmp6', 'sockets', 'sockstat', 'sockstat6', 'softnet']);
    assert.match(parts.netstat, /net\/netstat: not found$/);
    assert.match(parts.snmp6, /not found \(IPv6 disabled\?\)$/);
    assert.equal(parts.conntrack, 'nf_conntrack module not loaded');
    assert.equal(s.conntrack, null);
    assert.equal(s.sockets, null);
    for (const r of Object.values(parts)) assert.ok(!r.includes('\n'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an unreadable file and a file with unexpected contents', async () => {
  const read = async (p: string) => {
    if (p.endsWith('/netstat')) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    if (p.endsWith('/snmp')) return 'this is not\nthe snmp file\n';
    if (p.endsWith('nf_conntrack_count')) return 'lots\n';
    throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  };
  const s = await readProcfs({ read, sockets: false });
  assert.equal(s.unavailable.find((u) => u.part === 'netstat')?.reason, '/proc/net/netstat: permission denied');
  assert.equal(s.unavailable.find((u) => u.part === 'conntrack')?.reason, 'unexpected contents');
  assert.ok(s.notes.some((n) => n.startsWith('snmp: ')), s.notes.join('; '));
  assert.deepEqual(s.groups, {});
});

const missingSs: ExecFn = (file, args, o) => execFileText(file === 'ss' ? 'ss-is-not-installed-here' : file, args, o);

test('ss missing: falls back to /proc/net/tcp*, says it is slower and lacks the backlog maximum', async (t) => {
  const { child, line } = await startChild('python3', ['-c', PY_NO_ACCEPT, '127.0.0.1', '7']);
  t.after(() => stopChild(child));
  const port = Number(line);
  const s = await readProcfs({ exec: missingSs });
  assert.equal(s.sockets?.via, 'proc');
  assert.deepEqual(s.sockets?.listen.find((l) => l.port === port), { local: '127.0.0.1', port, queue: 0, max: null });
  assert.ok(s.notes.some((n) => /ss not found; fell back to \/proc\/net\/tcp\* \(slower, and no accept-queue maximum\)/.test(n)), s.notes.join('; '));
  const withSs = await readProcfs({});
  assert.equal(withSs.sockets?.listen.find((l) => l.port === port)?.max, 7, 'with ss the maximum is there');
});

test('ss printing something unexpected, or failing: fallback with a note', async () => {
  const garbage: ExecFn = async () => 'Usage: ss [ OPTIONS ]\n  --what\n';
  const s = await readProcfs({ exec: garbage });
  assert.equal(s.sockets?.via, 'proc');
  assert.ok(s.notes.some((n) => n.includes('ss printed something unexpected')), s.notes.join('; '));
  const failing: ExecFn = (_f, a, o) => execFileText('false', a, o);
  const f = await readProcfs({ exec: failing });
  assert.equal(f.sockets?.via, 'proc');
  assert.ok(f.notes.some((n) => n.includes('fell back')));
});

test('the real CLI without ss on PATH still answers, through the fallback', async () => {
  const cliMain = join(__dirname, '..', '..', 'src', 'cli', 'main.ts');
  // A PATH holding only node (node may live in /usr/bin next to ss).
  const bin = mkdtempSync(join(tmpdir(), 'atlas-bin-'));
  symlinkSync(process.execPath, join(bin, 'node'));
  const child = spawn(process.execPath, ['--import', 'tsx', cliMain, 'counters', '--json'], {
    env: { ...process.env, PATH: bin },
    cwd: join(__dirname, '..', '..'),
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  rmSync(bin, { recursive: true, force: true });
  assert.equal(code, 0);
  const j = JSON.parse(out);
  assert.equal(j.sockets.via, 'proc');
  assert.ok(j.notes.some((n: string) => n.includes('ss not found')));
});

async function withServer(handler: http.RequestListener, f: (url: string) => Promise<void>): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    await f(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

async function counterErr(source: string, timeout = '1'): Promise<{ err: string; ms: number }> {
  const t0 = performance.now();
  const r = await cli(['counters', '--json', '--timeout', timeout, '--source', source]);
  assert.equal(r.code, 1, `expected failure, got ${r.code}: ${r.out.slice(0, 200)}`);
  assert.equal(r.out, '');
  assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
  return { err: r.err.trim(), ms: performance.now() - t0 };
}

test('node_exporter URL that refuses, hangs, hangs mid-body, answers HTML, garbage or 404: one line each, no freeze', async () => {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const closed = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  assert.match((await counterErr(`http://127.0.0.1:${closed}/metrics`)).err, /^netstack-atlas counters: http:\/\/127.0.0.1:\d+\/metrics: connection refused$/);

  await withServer(() => {}, async (url) => {
    const r = await counterErr(url + '/metrics', '0.5');
    assert.match(r.err, /did not answer within 0.5 s$/);
    assert.ok(r.ms < 3000, `took ${r.ms} ms`);
  });
  await withServer((_q, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('node_netstat_Tcp_InSegs 1\n'); // and never ends
  }, async (url) => {
    const r = await counterErr(url + '/metrics', '0.5');
    assert.match(r.err, /did not answer within 0.5 s$/);
  });
  await withServer((_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>Grafana</body></html>'), async (url) => {
    assert.match((await counterErr(url)).err, /returned HTML, not Prometheus metrics/);
  });
  await withServer((_q, res) => res.writeHead(200).end('\u0000\u0001garbage {{{ ]]\nmore junk here\n'), async (url) => {
    assert.match((await counterErr(url + '/metrics')).err, /returned no node_exporter metrics \(2 line\(s\) not in the exposition format/);
  });
  await withServer((_q, res) => res.writeHead(200).end('go_goroutines 8\n'), async (url) => {
    assert.match((await counterErr(url + '/metrics')).err, /returned no node_exporter metrics \(1 samples, none from node_exporter\)/);
  });
  await withServer((_q, res) => res.writeHead(404).end('not here'), async (url) => {
    assert.match((await counterErr(url + '/nope')).err, /answered HTTP 404/);
  });
});

test('Prometheus URL that is not Prometheus, refuses or hangs: one line each', async () => {
  await withServer((_q, res) => res.writeHead(200).end('plain text'), async (url) => {
    assert.match((await counterErr(`prometheus:${url}#instance="a"`)).err, /did not return JSON/);
  });
  await withServer((_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'), async (url) => {
    assert.match((await counterErr(`prometheus:${url}#instance="a"`)).err, /returned HTML, not the Prometheus API/);
  });
  await withServer(() => {}, async (url) => {
    const r = await counterErr(`prometheus:${url}#instance="a"`, '0.5');
    assert.match(r.err, /did not answer within 0.5 s$/);
  });
  await withServer((_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [
    { metric: { __name__: 'node_netstat_Tcp_InSegs', instance: 'a:1' }, value: [1, '1'] },
    { metric: { __name__: 'node_netstat_Tcp_InSegs', instance: 'b:1' }, value: [1, '2'] },
  ] } })), async (url) => {
    assert.match((await counterErr(`prometheus:${url}#job="node"`)).err, /matches 2 hosts \(a:1, b:1\); narrow it/);
  });
});

test('CLI usage errors exit 2 with the usage line', async () => {
  for (const argv of [
    ['counters', '/some/kernel/tree'],
    ['counters', '--source', 'ftp://x'],
    ['counters', '--netns', '999999999'],
    ['counters', '--netns', 'abc'],
    ['counters', '--source', 'prometheus:http://x:9090'],
    ['watch', '--interval', '0'],
    ['counters', '--bogus'],
  ]) {
    const r = await cli(argv);
    assert.equal(r.code, 2, `${argv.join(' ')} → ${r.code} ${r.err}`);
    assert.match(r.err, /usage: netstack-atlas (counters|watch)/);
  }
});

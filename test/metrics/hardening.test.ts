// Metrics sources and `watch` under hostile or failing sources (issue 12, items 12–14): a source that
// dies mid-watch, an exporter streaming 200 MB, credentials in URLs, a redirect loop, a --netns
// process that exits. Local servers on loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cli } from './helpers.ts';
import { runCli } from '../../src/cli/main.ts';
import { hugeExporterAnswer } from './hugeExporter.ts';

const ROOT = join(__dirname, '..', '..');
const METRICS = 'node_netstat_Tcp_InSegs 1\nnode_netstat_Tcp_OutSegs 2\nnode_network_receive_bytes_total{device="lo"} 3\n';

async function listen(handler: http.RequestListener): Promise<{ url: string; server: http.Server; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  let closed = false;
  return {
    url,
    server,
    close: async () => {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A hang guard (not a timing assertion): resolves 'hung' if `p` has not settled in `ms`. */
const guard = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms).unref())]);

test('12: watch --count N counts failed ticks, backs off, and stops when the source dies mid-run', async () => {
  let served = 0;
  const src = await listen((_q, res) => {
    served++;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(METRICS);
    if (served === 2) void src.close(); // the exporter goes away after two scrapes
  });
  let out = '';
  let err = '';
  const run = runCli(['watch', '--source', src.url + '/metrics', '--interval', '0.05', '--count', '7'], { out: (t) => (out += t), err: (t) => (err += t), isTTY: false });
  const code = await guard(run, 30_000);
  assert.notEqual(code, 'hung', `watch --count 7 never ended; stderr so far: ${err.split('\n').length} lines`);
  assert.equal(code, 1, 'the last tick failed');
  assert.equal(out.trim().split('\n').length, 2, 'two good ticks');
  const lines = err.trim().split('\n');
  assert.ok(lines.length <= 5, `a few lines, not one per tick:\n${err}`);
  // refused, or — when the third scrape took the kept-alive connection the exporter was closing — closed
  assert.match(lines[0], /: (connection refused|connection closed by the source); retrying in 100 ms$/);
  const pauses = [...err.matchAll(/retrying in (\d+) ms/g)].map((m) => Number(m[1]));
  assert.ok(pauses.every((p, i) => i === 0 || p > pauses[i - 1]), `the pause grows: ${pauses}`);
});

test('12: a source that drops the connection without an answer is named so, not "UND_ERR_SOCKET other side closed"', async () => {
  const src = await listen((q) => q.socket.destroy());
  try {
    const r = await cli(['counters', '--source', src.url + '/metrics']);
    assert.equal(r.code, 1);
    assert.equal(r.err, `netstack-atlas counters: ${src.url}/metrics: connection closed by the source\n`);
  } finally {
    await src.close();
  }
});

test('13: a 200 MB chunked exporter answer is cut at the 64 MiB cap while streaming; memory stays bounded', async () => {
  const src = await listen(hugeExporterAnswer);

  try {
    // In a child, so its peak memory is its own.
    const script = `const { httpGetText } = require(${JSON.stringify(join(ROOT, 'src/core/metrics/http.ts'))});
      httpGetText(process.argv[1], { timeoutMs: 60000 }).then(() => console.log('read all'), (e) => console.log(e.message))
        .finally(() => console.log('maxRSS', process.resourceUsage().maxRSS));`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, src.url + '/metrics'], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((r) => child.on('exit', r));
    assert.match(out, /sent more than 67108864 bytes; stopped reading/);
    const rssMiB = Number(/maxRSS (\d+)/.exec(out)?.[1]) / 1024;
    console.log(`peak RSS reading a 200 MB answer: ${rssMiB.toFixed(0)} MiB`);
    assert.ok(rssMiB < 64 + 160, `peak ${rssMiB.toFixed(0)} MiB for a 64 MiB cap (reading all 200 MB took ~700 MiB)`);
  } finally {
    await src.close();
  }
});

test('14: user:pass@ in a URL is sent as Basic auth and never echoed; a redirect loop says so', async () => {
  let auth = '';
  const src = await listen((q, res) => {
    if (q.url === '/a' || q.url === '/b') {
      res.writeHead(302, { location: q.url === '/a' ? '/b' : '/a' });
      return void res.end();
    }
    auth = q.headers.authorization ?? '';
    res.writeHead(auth ? 200 : 401, { 'content-type': 'text/plain' });
    res.end(auth ? METRICS : 'who are you');
  });
  try {
    const withCreds = src.url.replace('http://', 'http://scraper:hunter2@');
    const ok = await cli(['counters', '--json', '--no-sockets', '--source', withCreds + '/metrics']);
    assert.equal(ok.code, 0, ok.err);
    assert.equal(auth, 'Basic ' + Buffer.from('scraper:hunter2').toString('base64'));
    assert.doesNotMatch(ok.out, /hunter2/);
    assert.match(JSON.parse(ok.out).source, /^http:\/\/scraper:\*\*\*@127\.0\.0\.1:\d+\/metrics$/);

    const loop = await cli(['counters', '--json', '--source', withCreds + '/a']);
    assert.equal(loop.code, 1);
    assert.equal(loop.err.trim().split('\n').length, 1);
    assert.match(loop.err, /: redirect loop \(http:\/\/127\.0\.0\.1:\d+\/a → http:\/\/127\.0\.0\.1:\d+\/b → http:\/\/127\.0\.0\.1:\d+\/a\)$/m);
    assert.doesNotMatch(loop.err, /hunter2/);
  } finally {
    await src.close();
  }
  const gone = await listen(() => {});
  await gone.close();
  const refused = await cli(['counters', '--source', gone.url.replace('//', '//scraper:hunter2@') + '/metrics']);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /scraper:\*\*\*@127\.0\.0\.1:\d+\/metrics: connection refused/);
  const badPort = await cli(['counters', '--source', 'http://scraper:hunter2@127.0.0.1:1/metrics']);
  assert.match(badPort.err, /scraper:\*\*\*@127\.0\.0\.1:1\/metrics: \w/);
  assert.doesNotMatch(badPort.err, /hunter2|fetch failed/);
  assert.doesNotMatch(refused.err, /hunter2/);
  const badPrometheus = await cli(['counters', '--source', 'prometheus:ftp://u:hunter2@x#a="b"']);
  assert.doesNotMatch(badPrometheus.err, /hunter2/);
});

const isRoot = process.getuid?.() === 0;
const hasUnshare = spawnSync('unshare', ['--version']).status === 0;

test('14: the --netns process exits during a text-mode watch: one warning line, then stop', { skip: !(isRoot && hasUnshare) && 'needs root and unshare' }, async () => {
  const child = spawn('unshare', ['--net', 'sleep', '60'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 200));
  const pid = child.pid!;
  let out = '';
  let err = '';
  let lines = 0;
  const run = runCli(['watch', '--netns', String(pid), '--interval', '0.1', '--no-sockets'], {
    out: (t) => {
      out += t;
      if (++lines === 2) child.kill('SIGKILL'); // the namespace's only process exits mid-watch
    },
    err: (t) => (err += t),
    isTTY: false,
  });
  const code = await guard(run, 20_000);
  child.kill('SIGKILL');
  assert.notEqual(code, 'hung', `watch went on after the process exited: ${out.split('\n').slice(-3).join(' | ')}`);
  assert.equal(code, 1);
  assert.equal(err, `netstack-atlas watch: --netns ${pid}: the process has exited, its network namespace cannot be read any more; stopping\n`);
  assert.doesNotMatch(out, /Tcp:CurrEstab=- /, 'no empty ticks printed');
});

// 10,000 generated requests at a running `serve` on loopback (issue 12): random methods, request
// targets (bytes the URL parser chokes on, `..`, huge, percent garbage), headers (Host right and
// wrong, duplicate, oversized, lying Content-Length), bodies (protocol messages with every field
// mutated, JSON garbage, prototype names, random bytes). Seeded: a failure names the seed and the
// request. Every answer must be a well-formed HTTP status the router gives out — never a 500 —
// and at the end the server is alive and answers a real page's conversation correctly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFixtureTree, seededRandom } from '../helpers.ts';
import { startServe, http, events, post, raw } from '../serveClient.ts';

const N = Number(process.env.NSA_FUZZ_REQUESTS ?? 10_000);
const CONCURRENCY = 24;
const SEED = Number(process.env.NSA_FUZZ_SEED ?? 0x5eed12);

/** Seeded helpers to pick cases. */
function rng(seed: number) {
  const next = seededRandom(seed);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  return { next, int, pick, bytes };
}

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'get', 'G\x00T', 'BREW', ''];
const PATHS = ['/', '/api/msg', '/api/events', '/webview.js', '/webview.css', '/favicon.ico', '//a:99999', '//[::1', '/..%2f..%2fetc/passwd', '/%', '/%00', '/\u00ff', '/a/../../', '*', 'http://127.0.0.1/', '/?', '/api/msg/', '/API/MSG', '//', '/;', '/\\'];
const NAMES = ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf', 'tcp-send', 'tcp_sendmsg', 'x'.repeat(300), '', 'net/socket.c', '../../etc/passwd', '/etc/shadow', 'net/../../x', 'net/\u0000', 'net/socket.c\n'];
const TYPES = ['map/ready', 'map/expand', 'map/open', 'map/trace', 'map/svg', 'map/log', 'runtime/record', 'runtime/stop', '__proto__', 'constructor', 'map/init', ''];

type R = ReturnType<typeof rng>;

function message(r: R): unknown {
  const valid: Record<string, unknown>[] = [
    { type: 'map/ready' },
    { type: 'map/expand', id: 1, nodeId: 'fn:tcp_sendmsg', fn: r.pick(NAMES.slice(0, 7)), direction: r.pick(['callees', 'callers']) },
    { type: 'map/open', id: 2, file: r.pick(NAMES), line: r.pick([1, 0, -1, 1e9, 1.5]) },
    { type: 'map/trace', id: 3, preset: r.pick(NAMES) },
    { type: 'map/log', level: r.pick(['info', 'error', 'debug']), message: '\x1b[2J' + r.bytes(20).toString('latin1') },
    { type: 'runtime/record', id: 4, seconds: r.pick([1, 0, 601, 2.5]), mode: r.pick(['stacks', 'drops', 'both', 'all']) },
    { type: 'runtime/stop', id: 5 },
  ];
  const m = { ...r.pick(valid) };
  switch (r.int(6)) {
    case 0: m.type = r.pick(TYPES); break;
    case 1: m[r.pick(['id', 'file', 'preset', 'fn', 'extra', '__proto__'])] = r.pick([null, -1, 'x', [], {}, 1e308, true]); break;
    case 2: delete m[r.pick(Object.keys(m))]; break;
    default: break; // as generated (often valid)
  }
  return m;
}

function body(r: R): Buffer {
  switch (r.int(7)) {
    case 0: return r.bytes(r.int(2000));
    case 1: return Buffer.from(JSON.stringify(message(r)).slice(0, r.int(80)));
    case 2: return Buffer.from(r.pick(['null', '[]', '"x"', '1', '{', '{"type":"map/ready"}{"type":"map/ready"}', '{"__proto__":{"type":"map/ready"}}', '{"type":"map/ready","type":"map/trace"}']));
    default: return Buffer.from(JSON.stringify(message(r)));
  }
}

function request(r: R, port: number, token: string, clients: string[]): { bytes: Buffer; expectAnswer: boolean } {
  const method = r.int(10) < 6 ? r.pick(['GET', 'POST', 'HEAD']) : r.pick(METHODS);
  let path = r.int(10) < 7 ? r.pick(PATHS.slice(0, 6)) : r.pick(PATHS);
  if (r.int(4) === 0) path += r.bytes(r.int(30)).toString('latin1').replace(/[\r\n ]/g, '%');
  const q: string[] = [];
  if (r.int(10) < 8) q.push(`token=${r.int(10) < 8 ? token : r.pick(['', 'x', token + 'x', '%00', token.slice(1)])}`);
  if (r.int(10) < 7) q.push(`client=${r.pick([...clients, '', 'short', 'x'.repeat(100), '%2e%2e'])}`);
  if (r.int(5) === 0) q.push(r.pick(['token=a&token=b', '&&', '=', 'a=%zz']));
  if (q.length) path += '?' + q.join('&');
  if (r.int(200) === 0) path += 'x'.repeat(20_000);
  const headers: string[] = [];
  const hostRoll = r.int(12);
  if (hostRoll < 8) headers.push(`Host: ${r.pick(['127.0.0.1', 'localhost', 'LOCALHOST'])}:${port}`);
  else if (hostRoll < 10) headers.push(`Host: ${r.pick(['evil.example', '127.0.0.1', `127.0.0.1:${port + 1}`, `[::1]:${port}`, '', '127.0.0.1:' + port + '@evil'])}`);
  else if (hostRoll === 10) headers.push(`Host: 127.0.0.1:${port}`, `Host: evil.example:${port}`);
  const b = method === 'GET' || method === 'HEAD' ? (r.int(10) === 0 ? body(r) : Buffer.alloc(0)) : body(r);
  const lenRoll = r.int(12);
  if (lenRoll < 8) headers.push(`Content-Length: ${b.length}`);
  else if (lenRoll === 8) headers.push('Transfer-Encoding: chunked');
  else if (lenRoll === 9) headers.push(`Content-Length: ${r.pick(['-1', 'abc', '99999999999', String(b.length), '0x10'])}`);
  else if (lenRoll === 10) headers.push(`Content-Length: ${b.length}`, `Content-Length: ${b.length + 1}`);
  if (r.int(8) === 0) headers.push(r.pick(['Expect: 100-continue', 'Connection: keep-alive', 'X-Long: ' + 'a'.repeat(r.pick([100, 20_000])), 'Bad Header: x', ': empty', 'X-Ctl: \x1b[31m', 'Content-Type: text/html']));
  headers.push('Connection: close');
  const chunked = headers.includes('Transfer-Encoding: chunked');
  const payload = chunked ? Buffer.concat([Buffer.from(b.length.toString(16) + '\r\n'), b, Buffer.from('\r\n0\r\n\r\n')]) : b;
  const version = r.int(20) === 0 ? r.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/9', 'FOO']) : 'HTTP/1.1';
  const head = `${method} ${path} ${version}\r\n${headers.join('\r\n')}\r\n\r\n`;
  return { bytes: Buffer.concat([Buffer.from(head, 'latin1'), payload]), expectAnswer: true };
}

/** The final status line for raw bytes (a 100 Continue may come first), or the first line. */
async function exchange(port: number, bytes: Buffer): Promise<string> {
  const finalStatus = /^HTTP\/1\.1 [2-5]\d\d.*$/m;
  const got = await raw(port, bytes, 5000, (g) => finalStatus.test(g));
  return finalStatus.exec(got)?.[0] ?? got.split('\r\n')[0];
}

test(`fuzz: ${N} generated requests; no 500, the server alive and answering correctly after`, { timeout: 600_000 }, async () => {
  const s = await startServe(copyFixtureTree());
  const clients = ['fuzzpage01', 'fuzzpage02'];
  const pages = await Promise.all(clients.map((c) => events(s, c)));
  const r = rng(SEED);
  const statuses = new Map<string, number>();
  const bad: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < N) {
      const i = next++;
      const req = request(r, s.port, s.token, clients);
      const line = await exchange(s.port, req.bytes);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(line)?.[1] ?? (line === '' ? 'closed' : 'garbled');
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (process.env.NSA_FUZZ_SHOW_CLOSED && status === 'closed') console.log('closed:', JSON.stringify(req.bytes.subarray(0, 200).toString('latin1')));
      if (status === '500' || status === 'garbled') bad.push(`#${i} (seed ${SEED}) → ${line}: ${JSON.stringify(req.bytes.subarray(0, 300).toString('latin1'))}`);
      if (s.child.exitCode !== null) throw new Error(`server exited after request #${i}: ${JSON.stringify(req.bytes.subarray(0, 300).toString('latin1'))}\n${s.err().slice(-2000)}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log('statuses:', JSON.stringify(Object.fromEntries([...statuses].sort())));
    assert.deepEqual(bad.slice(0, 5), [], `${bad.length} bad answers`);
    const allowed = new Set(['200', '204', '400', '403', '404', '405', '408', '409', '413', '431', '503', '505', 'closed']);
    for (const k of statuses.keys()) assert.ok(allowed.has(k), `unexpected status ${k}`);
    assert.ok((statuses.get('closed') ?? 0) < N / 20, 'almost every request got an answer');

    // Alive, and still right: a page's conversation from scratch.
    assert.equal(s.child.exitCode, null);
    assert.equal((await http(s, 'GET', `/?token=${s.token}`)).status, 200);
    const page = await events(s, 'afterfuzz01');
    assert.equal((await post(s, 'afterfuzz01', { type: 'map/ready' })).status, 204);
    const init = await page.next('map/init');
    assert.ok(((init.model as { nodes: unknown[] }).nodes).length > 0);
    assert.equal((await post(s, 'afterfuzz01', { type: 'map/open', id: 9, file: 'net/socket.c', line: 1 })).status, 204);
    assert.match(String((await page.next('map/source')).text), /__sys_socket/);
    page.close();
    assert.doesNotMatch(s.err(), /\n\s+at /, 'no stack trace on stderr');
    assert.ok(s.err().split('\n').length < N / 4, `stderr stays short (rate-limited): ${s.err().split('\n').length} lines`);
  } finally {
    for (const p of pages) p.close();
    await s.stop();
  }
});

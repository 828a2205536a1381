// A running `netstack-atlas serve` for the tests, and raw HTTP against it (node:http checks what
// it sends; hostile requests need a plain socket).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { cliPath } from './helpers.ts';

export interface Serve {
  child: ChildProcess;
  port: number;
  token: string;
  /** Everything the server wrote to stderr so far. */
  err(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** `cacheDir`: serve from that cache (else `--no-cache`). */
export async function startServe(tree: string, extra: string[] = [], cacheDir?: string): Promise<Serve> {
  const cache = cacheDir ? ['--cache-dir', cacheDir] : ['--no-cache'];
  const child = spawn(process.execPath, [cliPath, 'serve', tree, '--port', '0', ...cache, '--no-metrics', '--workers', '0', '--quiet', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  let out = '';
  for await (const chunk of child.stdout!) {
    out += chunk;
    if (out.includes('\n')) break;
  }
  const m = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)/.exec(out);
  if (!m) throw new Error(`serve did not start: ${out} ${err}`);
  return {
    child,
    port: Number(m[1]),
    token: m[2],
    err: () => err,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

export interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One request with node:http (any path text, any Host header). */
export function http(s: Serve, method: string, path: string, opts: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.port, method, path, headers: { host: `127.0.0.1:${s.port}`, ...opts.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Raw bytes on a fresh connection; resolves with what came back before the server closed, `ms`
 *  passed, or `enough` said so. */
export function raw(port: number, bytes: Buffer | string, ms = 3000, enough: (got: string) => boolean = () => false): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, ms);
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (enough(got)) done();
    });
    sock.on('error', done);
    sock.on('close', done);
    sock.on('connect', () => sock.end(bytes));
  });
}

/** An event stream of the map for one page (`client` id); `next()` waits for the next message. */
export async function events(s: Serve, client: string): Promise<{ status: number; next(type?: string): Promise<{ type: string; [k: string]: unknown }>; close(): void; res: IncomingMessage }> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.port, path: `/api/events?token=${s.token}&client=${client}`, headers: { host: `127.0.0.1:${s.port}` } }, resolve);
    req.on('error', reject);
    req.end();
  });
  const queue: { type: string }[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  res.setEncoding('utf8').on('data', (c: string) => {
    buf += c;
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (frame.startsWith('data: ')) {
        queue.push(JSON.parse(frame.slice(6)));
        waiters.shift()?.();
      }
    }
  });
  return {
    status: res.statusCode ?? 0,
    res,
    async next(type) {
      for (;;) {
        while (!queue.length) await new Promise<void>((r) => waiters.push(r));
        const m = queue.shift()!;
        if (!type || m.type === type) return m as { type: string };
      }
    },
    close: () => res.destroy(),
  };
}

export const post = (s: Serve, client: string, m: unknown) => http(s, 'POST', `/api/msg?token=${s.token}&client=${client}`, { body: JSON.stringify(m), headers: { 'content-type': 'application/json' } });

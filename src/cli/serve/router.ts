// The HTTP front of `serve`: every request goes through here, and nothing a request carries can take
// the process down. Checked in order: the Host header (127.0.0.1:<port> or localhost:<port> only —
// a page on another name that resolves to 127.0.0.1 is DNS rebinding), the request target (parsed by
// hand: `//a:99999` is a path, not a URL to reject with an exception), the route and its method (HEAD
// as GET), the token, the body size (413 before reading more than the cap). A handler that throws or
// rejects becomes a 500. Every refusal is one line on the log, rate-limited.
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { oneLine } from '../terminalText.ts';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  /** A HEAD request: answer like GET, the body is dropped. */
  head: boolean;
  /** The request body (POST routes), UTF-8. */
  body: string;
}

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  /** Needs `?token=` (the page's assets are public; everything that reads the tree is not). */
  auth: boolean;
  /** POST body cap in bytes (default: the router's). */
  maxBody?: number;
  handle(ctx: RouteContext): void | Promise<void>;
}

export interface RouterOptions {
  token: string;
  /** The port actually bound (for the Host check). */
  port(): number;
  log(line: string): void;
  routes: Route[];
  /** Default POST body cap (bytes). */
  maxBody?: number;
}

export const DEFAULT_MAX_BODY = 8 * 1024 * 1024;

/** A short plain-text answer. */
export function reply(res: ServerResponse, code: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', ...headers });
  res.end(text + '\n');
}

class HttpRefusal extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

function sameSecret(a: string | null, b: string): boolean {
  if (a === null) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** At most `perSecond` lines a second; the count of lines left out goes with the next one. */
export function rateLimitedLog(log: (line: string) => void, perSecond = 10, now = () => Date.now()): (line: string) => void {
  let windowStart = 0;
  let inWindow = 0;
  let dropped = 0;
  return (line) => {
    const t = now();
    if (t - windowStart >= 1000) {
      windowStart = t;
      inWindow = 0;
    }
    if (inWindow >= perSecond) {
      dropped++;
      return;
    }
    inWindow++;
    log(dropped ? `${line} (${dropped} similar lines left out)` : line);
    dropped = 0;
  };
}

export class Router {
  private readonly routes = new Map<string, Route[]>();
  private readonly log: (line: string) => void;
  private readonly maxBody: number;

  constructor(private readonly opts: RouterOptions) {
    for (const r of opts.routes) this.routes.set(r.path, [...(this.routes.get(r.path) ?? []), r]);
    this.log = rateLimitedLog(opts.log);
    this.maxBody = opts.maxBody ?? DEFAULT_MAX_BODY;
  }

  /** Wire into a server: requests, `Expect: 100-continue` (refused before the body is sent when too big), client errors. */
  attach(server: Server): void {
    server.on('request', (req, res) => this.handle(req, res));
    server.on('checkContinue', (req, res) => this.handle(req, res, true));
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      // Bytes after a request that are not a request (pipelined garbage): let the answer in flight
      // finish, then close. A client that hung up mid-request (ECONNRESET, EOF inside a body): no answer.
      const inFlight = (socket as { _httpMessage?: ServerResponse })._httpMessage;
      if (inFlight && !inFlight.writableFinished) {
        const close = () => socket.destroy();
        inFlight.once('finish', close).once('close', close);
        setTimeout(close, 5000).unref();
        return;
      }
      if (err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE' || !socket.writable || inFlight) return void socket.destroy();
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      this.log(`${status.slice(0, 3)} a malformed or stalled request (${oneLine(err.code ?? err.message, 60)})`);
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    });
    // CONNECT would otherwise just drop the connection: say no like to any other method.
    server.on('connect', (req: IncomingMessage, socket: Duplex) => {
      this.log(`405 ${this.describe(req)}: method not allowed`);
      socket.end('HTTP/1.1 405 Method Not Allowed\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    });
    // A slow or stalled request is cut, not waited for.
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
  }

  private describe(req: IncomingMessage): string {
    // the token stays out of logs
    return `${oneLine(req.method ?? '?', 16)} ${oneLine((req.url ?? '').replace(/([?&]token=)[^&]*/g, '$1…'), 120)}`;
  }

  handle(req: IncomingMessage, res: ServerResponse, expectsContinue = false): void {
    this.route(req, res, expectsContinue).catch((e: unknown) => {
      const refusal = e instanceof HttpRefusal ? e : undefined;
      const status = refusal?.status ?? 500;
      const msg = e instanceof Error ? e.message : String(e);
      this.log(`${status} ${this.describe(req)}: ${oneLine(msg)}`);
      reply(res, status, refusal ? msg : 'internal error (logged by the server)', refusal?.headers);
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
    const port = this.opts.port();
    const host = (req.headers.host ?? '').toLowerCase();
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) throw new HttpRefusal(400, `Host must be 127.0.0.1:${port} or localhost:${port}`);
    const target = req.url ?? '';
    if (!target.startsWith('/')) throw new HttpRefusal(400, 'the request target must be a path');
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
    const candidates = this.routes.get(path);
    if (!candidates) throw new HttpRefusal(404, 'not found');
    const head = req.method === 'HEAD';
    const route = candidates.find((r) => r.method === (head ? 'GET' : req.method));
    if (!route) {
      const allow = [...new Set(candidates.flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method])))].join(', ');
      throw new HttpRefusal(405, `method not allowed (allowed: ${allow})`, { allow });
    }
    if (route.auth && !sameSecret(query.get('token'), this.opts.token)) throw new HttpRefusal(403, 'missing or wrong token: use the URL printed by `netstack-atlas serve`');
    let body = '';
    if (route.method === 'POST') {
      const cap = route.maxBody ?? this.maxBody;
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > cap) throw new HttpRefusal(413, `request body over ${cap} bytes`);
      if (expectsContinue) res.writeContinue();
      body = await readBody(req, cap);
    }
    await route.handle({ req, res, query, head, body });
  }
}

/** The body as text, at most `cap` bytes; past the cap a 413 (the rest is read and dropped by the server). */
function readBody(req: IncomingMessage, cap: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > cap) {
        req.off('data', onData);
        chunks.length = 0;
        req.resume();
        reject(new HttpRefusal(413, `request body over ${cap} bytes`));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    req.on('aborted', () => reject(new HttpRefusal(400, 'request aborted by the client')));
  });
}

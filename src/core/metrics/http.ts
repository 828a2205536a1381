// HTTP GET with a hard timeout and one-line error messages (refused, timed out, HTTP status,
// redirect loop). The body is read as a stream and dropped at the size cap, so a huge or endless
// answer costs at most the cap in memory. `user:pass@` in a URL becomes a Basic authorization
// header and never appears in a message.
export interface HttpOptions {
  timeoutMs?: number;
  /** Largest body accepted (default 64 MiB). */
  maxBytes?: number;
  /** Return non-2xx answers instead of throwing (the Prometheus API explains errors in a JSON body). */
  allowErrorStatus?: boolean;
  /** How to name the URL in error messages (default: the URL without its password). */
  label?: string;
}

const MAX_REDIRECTS = 5;

/** The URL (or any text holding URLs: `prometheus:http://…#sel`) as it may be shown: each
 *  `//user:password@` becomes `//user:***@`. */
export function redactUrl(text: string): string {
  return text.replace(/(\/\/[^/@\s:]*):[^/@\s]*@/g, '$1:***@');
}

/** Credentials out of the URL (fetch refuses them there) into an Authorization header. */
function splitCredentials(url: string): { url: string; auth?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url };
  }
  if (!u.username && !u.password) return { url };
  const auth = 'Basic ' + Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  u.username = '';
  u.password = '';
  return { url: u.toString(), auth };
}

export async function httpGetText(url: string, opts: HttpOptions = {}): Promise<{ status: number; text: string; contentType: string }> {
  const name = opts.label ?? redactUrl(url);
  const timeoutMs = opts.timeoutMs ?? 5000;
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const first = splitCredentials(url);
    let target = first.url;
    const seen = [target];
    let res: Response;
    // Redirects by hand: a loop is named as one, and credentials are not sent to another origin.
    for (;;) {
      const headers: Record<string, string> = { accept: 'text/plain, application/json' };
      if (first.auth && new URL(target).origin === new URL(first.url).origin) headers.authorization = first.auth;
      res = await fetch(target, { signal: ctl.signal, redirect: 'manual', headers });
      const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
      if (location === null) break;
      await res.body?.cancel().catch(() => {});
      const next = new URL(location, target).toString();
      if (seen.includes(next)) throw new Error(`${name}: redirect loop (${[...seen.slice(seen.indexOf(next)), next].map(redactUrl).join(' → ')})`);
      if (seen.length > MAX_REDIRECTS) throw new Error(`${name}: more than ${MAX_REDIRECTS} redirects (last to ${redactUrl(next)})`);
      seen.push(next);
      target = next;
    }
    if (!res.ok && !opts.allowErrorStatus) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`${name} answered HTTP ${res.status} ${res.statusText}`.trim());
    }
    const contentType = res.headers.get('content-type') ?? '';
    const len = Number(res.headers.get('content-length') ?? '0');
    if (len > maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`${name} sent ${len} bytes, more than the ${maxBytes} accepted`);
    }
    const text = await readCapped(res, maxBytes, name);
    return { status: res.status, text, contentType };
  } catch (e) {
    if (ctl.signal.aborted) throw new Error(`${name} did not answer within ${timeoutMs / 1000} s`);
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') throw new Error(`${name}: connection refused`);
    if (cause?.code === 'ENOTFOUND') throw new Error(`${name}: host not found`);
    // a kept-alive connection the source closed (it stopped or restarted): undici says "UND_ERR_SOCKET other side closed"
    if (cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET') throw new Error(`${name}: connection closed by the source`);
    if (cause?.code) throw new Error(`${name}: ${cause.code}${cause.message ? ' ' + cause.message : ''}`);
    // "fetch failed" says nothing: its cause does (bad port, redirect count exceeded, …)
    if (cause?.message) throw new Error(`${name}: ${cause.message.split('\n')[0]}`);
    if (e instanceof TypeError && /Invalid URL|Failed to parse URL/i.test(e.message)) throw new Error(`not a valid URL: ${redactUrl(url)}`);
    if (e instanceof TypeError) throw new Error(`${name}: ${e.message.split('\n')[0]}`);
    throw e instanceof Error ? e : new Error(String(e));
  } finally {
    clearTimeout(timer);
  }
}

/** The body as text, reading no more than `maxBytes` (the rest is never pulled off the socket). */
async function readCapped(res: Response, maxBytes: number, name: string): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new Error(`${name} sent more than ${maxBytes} bytes; stopped reading`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

export function looksLikeHtml(text: string, contentType: string): boolean {
  return /html/i.test(contentType) || /^\s*<(!doctype|html|head|body|\?xml)/i.test(text);
}

// HTTP GET with a hard timeout and one-line error messages (refused, timed out, HTTP status).
export interface HttpOptions {
  timeoutMs?: number;
  /** Largest body accepted (default 64 MiB). */
  maxBytes?: number;
}

export async function httpGetText(url: string, opts: HttpOptions = {}): Promise<{ text: string; contentType: string }> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const res = await fetch(url, { signal: ctl.signal, redirect: 'follow', headers: { accept: 'text/plain, application/json' } });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`${url} answered HTTP ${res.status} ${res.statusText}`.trim());
    }
    const contentType = res.headers.get('content-type') ?? '';
    const len = Number(res.headers.get('content-length') ?? '0');
    if (len > maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`${url} sent ${len} bytes, more than the ${maxBytes} accepted`);
    }
    const text = await res.text();
    if (text.length > maxBytes) throw new Error(`${url} sent more than ${maxBytes} bytes`);
    return { text, contentType };
  } catch (e) {
    if (ctl.signal.aborted) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') throw new Error(`${url}: connection refused`);
    if (cause?.code === 'ENOTFOUND') throw new Error(`${url}: host not found`);
    if (cause?.code) throw new Error(`${url}: ${cause.code}${cause.message ? ' ' + cause.message : ''}`);
    if (e instanceof TypeError && /Invalid URL|Failed to parse URL/i.test(e.message)) throw new Error(`not a valid URL: ${url}`);
    throw e instanceof Error ? e : new Error(String(e));
  } finally {
    clearTimeout(timer);
  }
}

export function looksLikeHtml(text: string, contentType: string): boolean {
  return /html/i.test(contentType) || /^\s*<(!doctype|html|head|body|\?xml)/i.test(text);
}

// HTTP GET with a hard timeout and one-line error messages (refused, timed out, HTTP status).
export interface HttpOptions {
  timeoutMs?: number;
  /** Largest body accepted (default 64 MiB). */
  maxBytes?: number;
  /** Return non-2xx answers instead of throwing (the Prometheus API explains errors in a JSON body). */
  allowErrorStatus?: boolean;
  /** How to name the URL in error messages (default: the URL). */
  label?: string;
}

export async function httpGetText(url: string, opts: HttpOptions = {}): Promise<{ status: number; text: string; contentType: string }> {
  const name = opts.label ?? url;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const res = await fetch(url, { signal: ctl.signal, redirect: 'follow', headers: { accept: 'text/plain, application/json' } });
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
    const text = await res.text();
    if (text.length > maxBytes) throw new Error(`${name} sent more than ${maxBytes} bytes`);
    return { status: res.status, text, contentType };
  } catch (e) {
    if (ctl.signal.aborted) throw new Error(`${name} did not answer within ${timeoutMs / 1000} s`);
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') throw new Error(`${name}: connection refused`);
    if (cause?.code === 'ENOTFOUND') throw new Error(`${name}: host not found`);
    if (cause?.code) throw new Error(`${name}: ${cause.code}${cause.message ? ' ' + cause.message : ''}`);
    if (e instanceof TypeError && /Invalid URL|Failed to parse URL/i.test(e.message)) throw new Error(`not a valid URL: ${url}`);
    throw e instanceof Error ? e : new Error(String(e));
  } finally {
    clearTimeout(timer);
  }
}

export function looksLikeHtml(text: string, contentType: string): boolean {
  return /html/i.test(contentType) || /^\s*<(!doctype|html|head|body|\?xml)/i.test(text);
}

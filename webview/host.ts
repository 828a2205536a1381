// The map's transport: the VS Code webview API, or `serve`'s POST + server-sent events. Both carry
// only the typed protocol of src/core/map/protocol.ts.
import type { FromWebview, ToWebview } from '../src/core/map/protocol.ts';

export interface Host {
  post(m: FromWebview): void;
  listen(cb: (m: ToWebview) => void): void;
  state<T>(): T | undefined;
  setState<T>(s: T): void;
  /** 'vscode' saves exports through the host's save dialog; 'serve' downloads them. */
  kind?: 'vscode' | 'serve' | 'test';
}
declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };

export function vscodeHost(): Host {
  const api = acquireVsCodeApi();
  return {
    kind: 'vscode',
    post: (m) => api.postMessage(m),
    listen: (cb) => window.addEventListener('message', (e: MessageEvent) => cb(e.data as ToWebview)),
    state: <T>() => api.getState() as T | undefined,
    setState: (s) => api.setState(s),
  };
}

/** `serve`: messages up by POST, down by server-sent events, both carrying the URL's token and this
 *  page's client id (the server answers on this page's stream only). Posts wait until the event
 *  stream is open, so no reply is sent before this page listens. */
export function httpHost(): Host {
  const token = encodeURIComponent(new URLSearchParams(location.search).get('token') ?? '');
  const client = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
  let open = false;
  const queue: FromWebview[] = [];
  const send = (m: FromWebview) => void fetch(`api/msg?token=${token}&client=${client}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(m) });
  return {
    kind: 'serve',
    post: (m) => (open ? send(m) : queue.push(m)),
    listen: (cb) => {
      const es = new EventSource(`api/events?token=${token}&client=${client}`);
      es.onopen = () => {
        open = true;
        for (const m of queue.splice(0)) send(m);
      };
      es.onmessage = (e) => cb(JSON.parse(e.data) as ToWebview);
    },
    state: <T>() => {
      try {
        return (JSON.parse(sessionStorage.getItem('nsa') ?? 'null') ?? undefined) as T | undefined;
      } catch {
        return undefined;
      }
    },
    setState: (s) => sessionStorage.setItem('nsa', JSON.stringify(s)),
  };
}

export function hasVsCodeApi(): boolean {
  return typeof acquireVsCodeApi === 'function';
}

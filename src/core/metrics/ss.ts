// Sockets through netlink sock_diag, by running iproute2's `ss` (execFile, no shell) and parsing it.
//   ss -tuanoH  →  `tcp LISTEN 2 1 [::1]:35303 [::]:* ` / `tcp SYN-SENT 0 1 [::1]:34944 [::1]:35303 timer:(on,476ms,0)`
// With tcp_info (-i) each socket is followed by a tab-indented line holding `retrans:cur/total`.
import { execFile } from 'node:child_process';
import { splitWords } from './headerValuePairs.ts';
import type { SocketEntry } from './socketTable.ts';

/** Runs a program without a shell; resolves with its stdout. Tests and benches can pass their own. */
export type ExecFn = (file: string, args: string[], opts: { timeoutMs: number }) => Promise<string>;

export const execFileText: ExecFn = (file, args, opts) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: opts.timeoutMs, maxBuffer: 512 * 1024 * 1024, encoding: 'latin1', env: { ...process.env, LC_ALL: 'C' } },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });

export interface SsOptions {
  /** Look into the network namespace of this process (through nsenter; needs CAP_SYS_ADMIN). */
  netnsPid?: number;
  /** Also read tcp_info (`-i`) for per-socket total retransmits. Costs more. */
  tcpInfo?: boolean;
  exec?: ExecFn;
  timeoutMs?: number;
}

export function ssCommand(opts: SsOptions): { file: string; args: string[] } {
  const ssArgs = [opts.tcpInfo ? '-tuanoiH' : '-tuanoH'];
  if (opts.netnsPid !== undefined) {
    return { file: 'nsenter', args: [`--net=/proc/${opts.netnsPid}/ns/net`, '--', 'ss', ...ssArgs] };
  }
  return { file: 'ss', args: ssArgs };
}

/** Run ss and parse its output. Throws when ss cannot run or prints something unexpected. */
export async function readSocketsWithSs(opts: SsOptions = {}): Promise<SocketEntry[]> {
  const { file, args } = ssCommand(opts);
  const out = await (opts.exec ?? execFileText)(file, args, { timeoutMs: opts.timeoutMs ?? 10_000 });
  const bad: string[] = [];
  const entries = parseSs(out, bad);
  if (bad.length > 0) throw new Error(`ss printed something unexpected: ${bad[0]}`);
  return entries;
}

const STATES = new Set([
  'ESTAB', 'LISTEN', 'SYN-SENT', 'SYN-RECV', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSE-WAIT',
  'LAST-ACK', 'CLOSING', 'UNCONN', 'CLOSED', 'UNKNOWN',
]);

/** Split `addr:port` as printed by ss: `[::1]:80`, `0.0.0.0:*`, `127.0.0.53%lo:53`, `*:*`. */
export function splitSsAddress(s: string): { addr: string; port: number | null } | null {
  const c = s.lastIndexOf(':');
  if (c <= 0) return null;
  let addr = s.slice(0, c);
  const portText = s.slice(c + 1);
  let port: number | null;
  if (portText === '*') port = null;
  else if (/^\d{1,5}$/.test(portText) && Number(portText) <= 65535) port = Number(portText);
  else return null;
  const pct = addr.indexOf('%');
  if (pct > 0) addr = addr.slice(0, pct);
  if (addr.startsWith('[') && addr.endsWith(']')) addr = addr.slice(1, -1);
  if (addr === '') return null;
  return { addr, port };
}

/** Parse `ss -tuan[o][i]H` output (a header line, if present, is skipped). Unparseable lines go to `bad`. */
export function parseSs(text: string, bad: string[] = []): SocketEntry[] {
  const out: SocketEntry[] = [];
  const lines = text.split('\n');
  let last: SocketEntry | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length === 0) continue;
    const c0 = line.charCodeAt(0);
    if (c0 === 9 || c0 === 32) {
      // A tcp_info continuation line (`\t bbr wscale:… retrans:0/3 …`) or blank padding.
      if (last) {
        const r = line.indexOf(' retrans:');
        if (r >= 0) {
          const m = /^ retrans:(\d+)\/(\d+)/.exec(line.slice(r));
          if (m) last.totalRetrans = Number(m[2]);
        } else if (last.totalRetrans === null && last.proto === 'tcp' && line.trim() !== '') last.totalRetrans = 0;
      }
      continue;
    }
    const w = splitWords(line);
    if (w[0] === 'Netid' || w[0] === 'State') continue;
    let k = 0;
    let proto: 'tcp' | 'udp' | null = null;
    if (w[0] === 'tcp' || w[0] === 'udp') {
      proto = w[0];
      k = 1;
    } else if (STATES.has(w[0])) {
      proto = 'tcp'; // `ss -t` without a Netid column
    } else {
      bad.push(`line ${i + 1}: '${line.slice(0, 80)}'`);
      continue;
    }
    if (w.length < k + 5 || !STATES.has(w[k]) || !/^\d+$/.test(w[k + 1]) || !/^\d+$/.test(w[k + 2])) {
      bad.push(`line ${i + 1}: '${line.slice(0, 80)}'`);
      continue;
    }
    const local = splitSsAddress(w[k + 3]);
    const peer = splitSsAddress(w[k + 4]);
    if (!local || !peer || local.port === null) {
      bad.push(`line ${i + 1}: bad address in '${line.slice(0, 80)}'`);
      continue;
    }
    let timerRetrans = 0;
    for (let j = k + 5; j < w.length; j++) {
      if (w[j].startsWith('timer:(on,')) {
        const m = /,(\d+)\)$/.exec(w[j]);
        if (m) timerRetrans = Number(m[1]);
      }
    }
    last = {
      proto,
      state: w[k],
      recvQ: Number(w[k + 1]),
      sendQ: Number(w[k + 2]),
      local: local.addr,
      localPort: local.port,
      peer: peer.addr,
      peerPort: peer.port,
      timerRetrans,
      totalRetrans: null,
    };
    out.push(last);
  }
  return out;
}

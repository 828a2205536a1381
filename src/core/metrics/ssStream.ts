// The fast path for large socket tables: parse `ss -tuanoH` straight from its stdout bytes into a
// SocketAccumulator, without building a string or an object per socket. (parseSs in ss.ts is the
// readable reference parser; both must agree — see the tests.)
import { spawn } from 'node:child_process';
import type { Subnet } from './ipaddr.ts';
import type { SocketSummary } from './snapshot.ts';
import { SocketAccumulator } from './socketSummary.ts';

const SP = 32;
const TAB = 9;
const COLON = 58;
const LF = 10;

const STATE_NAMES = ['ESTAB', 'LISTEN', 'SYN-SENT', 'SYN-RECV', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSING', 'UNCONN', 'CLOSED', 'UNKNOWN'];
const STATE_BYTES = STATE_NAMES.map((s) => Buffer.from(s, 'latin1'));

function stateAt(b: Buffer, s: number, e: number): string | null {
  const len = e - s;
  outer: for (let k = 0; k < STATE_BYTES.length; k++) {
    const c = STATE_BYTES[k];
    if (c.length !== len || c[0] !== b[s]) continue;
    for (let i = 1; i < len; i++) if (c[i] !== b[s + i]) continue outer;
    return STATE_NAMES[k];
  }
  return null;
}

function digits(b: Buffer, s: number, e: number): number {
  if (s >= e || e - s > 10) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = b[i] - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** The address part of `addr:port` bytes, without [brackets] or %scope. */
function addrAt(b: Buffer, s: number, colon: number): string {
  let e = colon;
  for (let i = s; i < colon; i++) {
    if (b[i] === 37 /* % */) {
      e = i;
      break;
    }
  }
  if (b[s] === 91 /* [ */ && b[e - 1] === 93 /* ] */) return b.toString('latin1', s + 1, e - 1);
  return b.toString('latin1', s, e);
}

function lastColon(b: Buffer, s: number, e: number): number {
  for (let i = e - 1; i > s; i--) if (b[i] === COLON) return i;
  return -1;
}

const TIMER_ON = Buffer.from('timer:(on,', 'latin1');

export class SsStreamParser {
  readonly bad: string[] = [];
  private carry: Buffer | null = null;
  private lineNo = 0;

  constructor(private readonly acc: SocketAccumulator) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.carry) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(LF, start);
      if (nl < 0) break;
      this.line(buf, start, nl);
      start = nl + 1;
    }
    if (start < buf.length) this.carry = Buffer.from(buf.subarray(start));
  }

  end(): void {
    if (this.carry) this.line(this.carry, 0, this.carry.length);
    this.carry = null;
  }

  private fail(b: Buffer, s: number, e: number): void {
    if (this.bad.length < 5) this.bad.push(`line ${this.lineNo}: '${b.toString('latin1', s, Math.min(e, s + 80))}'`);
    else this.bad.push('');
  }

  private line(b: Buffer, s: number, e: number): void {
    this.lineNo++;
    if (s >= e) return;
    const c0 = b[s];
    if (c0 === SP || c0 === TAB) return; // continuation (tcp_info) or padding
    // Tokens: [netid] state recvq sendq local peer [extras…]
    const tok: number[] = [];
    let i = s;
    while (i < e && tok.length < 16) {
      while (i < e && (b[i] === SP || b[i] === TAB)) i++;
      if (i >= e) break;
      const ts = i;
      while (i < e && b[i] !== SP && b[i] !== TAB) i++;
      tok.push(ts, i);
    }
    let k = 0;
    let udp = false;
    const t0len = tok[1] - tok[0];
    if (t0len === 3 && b[tok[0] + 1] === 100 /* d */ && b[tok[0]] === 117 /* u */ && b[tok[0] + 2] === 112) {
      udp = true;
      k = 2;
    } else if (t0len === 3 && b[tok[0]] === 116 /* t */ && b[tok[0] + 1] === 99 && b[tok[0] + 2] === 112) {
      k = 2;
    } else if ((t0len === 5 && b.toString('latin1', tok[0], tok[1]) === 'Netid') || (t0len === 5 && b.toString('latin1', tok[0], tok[1]) === 'State')) {
      return; // a header line
    }
    if (tok.length < k + 10) return this.fail(b, s, e);
    const state = stateAt(b, tok[k], tok[k + 1]);
    const recvQ = digits(b, tok[k + 2], tok[k + 3]);
    const sendQ = digits(b, tok[k + 4], tok[k + 5]);
    const ls = tok[k + 6];
    const le = tok[k + 7];
    const ps = tok[k + 8];
    const pe = tok[k + 9];
    const lc = lastColon(b, ls, le);
    const pc = lastColon(b, ps, pe);
    const localPort = lc > 0 ? digits(b, lc + 1, le) : -1;
    const peerStar = pc > 0 && pe - pc === 2 && b[pc + 1] === 42; /* * */
    const peerPort = peerStar ? 0 : pc > 0 ? digits(b, pc + 1, pe) : -1;
    if (state === null || recvQ < 0 || sendQ < 0 || localPort < 0 || localPort > 65535 || peerPort < 0 || peerPort > 65535 || lc === ls || pc === ps) {
      return this.fail(b, s, e);
    }
    if (udp) {
      this.acc.addUdp(state);
      return;
    }
    let timerRetrans = 0;
    for (let j = k + 10; j < tok.length; j += 2) {
      const ts = tok[j];
      const te = tok[j + 1];
      if (te - ts > TIMER_ON.length && b[ts] === 116 && b.compare(TIMER_ON, 0, TIMER_ON.length, ts, ts + TIMER_ON.length) === 0 && b[te - 1] === 41 /* ) */) {
        const comma = b.lastIndexOf(44, te - 1);
        const v = comma > ts ? digits(b, comma + 1, te - 1) : -1;
        if (v > 0) timerRetrans = v;
      }
    }
    const listen = state === 'LISTEN';
    this.acc.addTcp(state, recvQ, sendQ, listen ? addrAt(b, ls, lc) : null, localPort, listen ? '*' : addrAt(b, ps, pc), timerRetrans, null);
  }
}

/** Parse a whole ss output held in one buffer (tests, and the reference comparison). */
export function summarizeSsBytes(out: Buffer, subnets: readonly Subnet[]): { summary: SocketSummary; bad: string[] } {
  const acc = new SocketAccumulator(subnets, 'ss');
  const p = new SsStreamParser(acc);
  p.push(out);
  p.end();
  return { summary: acc.finish(), bad: p.bad };
}

/** Run `file args` (ss, or nsenter … ss) and summarise its output as it streams in. */
export function streamSs(file: string, args: string[], subnets: readonly Subnet[], timeoutMs: number): Promise<SocketSummary> {
  return new Promise((resolve, reject) => {
    const acc = new SocketAccumulator(subnets, 'ss');
    const parser = new SsStreamParser(acc);
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stderr = '';
    let done = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new Error(`${file} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(acc.finish());
    };
    child.stdout.on('data', (d: Buffer) => {
      if (!done) parser.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString('latin1');
    });
    child.on('error', (e) => finish(e));
    child.on('close', (code, signal) => {
      if (done) return;
      parser.end();
      if (code !== 0) {
        const why = stderr.trim().split('\n')[0] || (signal ? `killed by ${signal}` : `exit code ${code}`);
        return finish(Object.assign(new Error(`${file} failed: ${why}`), { code: 'EFAILED' }));
      }
      if (parser.bad.length > 0) return finish(new Error(`ss printed something unexpected: ${parser.bad[0]}`));
      finish(null);
    });
  });
}

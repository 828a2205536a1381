// The default source: this host's procfs. Reads /proc/net/{snmp,netstat,snmp6,dev,softnet_stat,
// sockstat,sockstat6}, conntrack usage, and (when asked) the socket table through `ss` with a
// /proc/net/tcp* fallback. With `netnsPid`, /proc/<pid>/net/… shows that process's network namespace.
// Every part that cannot be read is listed in `unavailable`; the rest still works.
import { describeError, readTextFile, systemClock, type Clock, type ReadFn } from './clock.ts';
import { parseConntrackStatEntries, parseSingleInteger } from './conntrack.ts';
import { localSubnets, subnetsFromIpJson, LOOPBACK_SUBNETS, type Subnet } from './ipaddr.ts';
import { parseNetDev } from './netdev.ts';
import { parseNetstat } from './netstat.ts';
import { parseProcNetSockets } from './procNetTcp.ts';
import { emptySnapshot, type HostSnapshot } from './snapshot.ts';
import { parseSnmp } from './snmp.ts';
import { parseSnmp6 } from './snmp6.ts';
import { summarizeSockets } from './socketSummary.ts';
import type { SocketEntry } from './socketTable.ts';
import { parseSockstat } from './sockstat.ts';
import { parseSoftnet } from './softnet.ts';
import { execFileText, readSocketsWithSs, ssCommand, type ExecFn } from './ss.ts';
import { streamSs } from './ssStream.ts';

export interface ProcfsOptions {
  /** procfs mount point (default `/proc`). */
  procRoot?: string;
  /** Read the network namespace of this process. */
  netnsPid?: number;
  /** Dump the socket table (ss or /proc/net/tcp*). Costs far more than the counters; default true. */
  sockets?: boolean;
  /** Add tcp_info to the socket dump (per-socket total retransmits). */
  tcpInfo?: boolean;
  /** `ss` (default), or `proc` to force the /proc/net/tcp* reader. */
  socketReader?: 'ss' | 'proc';
  /** The host's own subnets for folding remote addresses; default: this namespace's interfaces. */
  subnets?: Subnet[];
  read?: ReadFn;
  exec?: ExecFn;
  clock?: Clock;
}

/** The --netns process is gone, and with it the way into its namespace (its pid may be reused). */
export class NetnsGone extends Error {}

const PART_ORDER = ['snmp', 'netstat', 'snmp6', 'dev', 'softnet', 'sockstat', 'sockstat6', 'conntrack', 'sockets'];

export async function readProcfs(opts: ProcfsOptions = {}): Promise<HostSnapshot> {
  const read = opts.read ?? readTextFile;
  const clock = opts.clock ?? systemClock;
  const proc = opts.procRoot ?? '/proc';
  const net = opts.netnsPid !== undefined ? `${proc}/${opts.netnsPid}/net` : `${proc}/net`;
  const snap = emptySnapshot(opts.netnsPid !== undefined ? `procfs:${proc}/${opts.netnsPid}` : 'procfs', clock.now(), clock.mono());

  const tryRead = async (part: string, path: string): Promise<string | null> => {
    try {
      return await read(path);
    } catch (e) {
      snap.unavailable.push({ part, reason: `${path}: ${describeError(e)}` });
      return null;
    }
  };
  const note = (part: string, issues: string[]) => {
    if (issues.length) snap.notes.push(`${part}: ${issues.length} item(s) not understood (${issues[0]})`);
  };

  const [snmp, netstat, snmp6, dev, softnet, sockstat, sockstat6] = await Promise.all([
    tryRead('snmp', `${net}/snmp`),
    tryRead('netstat', `${net}/netstat`),
    tryRead('snmp6', `${net}/snmp6`),
    tryRead('dev', `${net}/dev`),
    // softnet_stat is global (not per namespace): always the host's.
    tryRead('softnet', `${proc}/net/softnet_stat`),
    tryRead('sockstat', `${net}/sockstat`),
    tryRead('sockstat6', `${net}/sockstat6`),
  ]);
  if (opts.netnsPid !== undefined && snmp === null && netstat === null && dev === null && snap.unavailable.every((u) => u.reason.endsWith('not found'))) {
    throw new NetnsGone(`--netns ${opts.netnsPid}: the process has exited, its network namespace cannot be read any more`);
  }
  if (snmp !== null) {
    const issues: string[] = [];
    Object.assign(snap.groups, parseSnmp(snmp, issues));
    note('snmp', issues);
  }
  if (netstat !== null) {
    const issues: string[] = [];
    Object.assign(snap.groups, parseNetstat(netstat, issues));
    note('netstat', issues);
  }
  if (snmp6 !== null) {
    const issues: string[] = [];
    Object.assign(snap.groups, parseSnmp6(snmp6, issues));
    note('snmp6', issues);
  } else {
    const u = snap.unavailable.find((x) => x.part === 'snmp6');
    if (u && u.reason.endsWith('not found')) u.reason += ' (IPv6 disabled?)';
  }
  if (dev !== null) {
    const issues: string[] = [];
    snap.devices = parseNetDev(dev, issues);
    note('dev', issues);
  }
  if (softnet !== null) {
    const issues: string[] = [];
    snap.softnet = parseSoftnet(softnet, issues);
    note('softnet', issues);
  }
  if (sockstat !== null || sockstat6 !== null) {
    const issues: string[] = [];
    if (sockstat !== null) parseSockstat(sockstat, issues, snap.sockstat);
    if (sockstat6 !== null) parseSockstat(sockstat6, issues, snap.sockstat);
    note('sockstat', issues);
  }
  await readConntrack(snap, read, proc, opts.netnsPid);
  if (opts.sockets ?? true) await readSockets(snap, opts, read, net);
  // Reads finish in any order; keep the list stable.
  snap.unavailable.sort((a, b) => PART_ORDER.indexOf(a.part) - PART_ORDER.indexOf(b.part));
  return snap;
}

async function readConntrack(snap: HostSnapshot, read: ReadFn, proc: string, netnsPid: number | undefined): Promise<void> {
  const sys = `${proc}/sys/net/netfilter`;
  let count: number | null = null;
  let reason = '';
  try {
    count =
      netnsPid === undefined
        ? parseSingleInteger(await read(`${sys}/nf_conntrack_count`))
        : parseConntrackStatEntries(await read(`${proc}/${netnsPid}/net/stat/nf_conntrack`));
    if (count === null) reason = 'unexpected contents';
  } catch (e) {
    reason = (e as { code?: unknown })?.code === 'ENOENT' ? 'nf_conntrack module not loaded' : describeError(e);
  }
  if (count === null) {
    snap.unavailable.push({ part: 'conntrack', reason });
    return;
  }
  let max: number | null = null;
  try {
    max = parseSingleInteger(await read(`${sys}/nf_conntrack_max`));
  } catch {
    max = null;
  }
  snap.conntrack = { count, max };
}

async function readSockets(snap: HostSnapshot, opts: ProcfsOptions, read: ReadFn, net: string): Promise<void> {
  const subnets = opts.subnets ?? (await ownSubnets(opts));
  if ((opts.socketReader ?? 'ss') === 'ss') {
    try {
      const ssOpts = { netnsPid: opts.netnsPid, tcpInfo: opts.tcpInfo, exec: opts.exec };
      if (opts.exec || opts.tcpInfo) {
        // Injected runners (tests) and tcp_info output go through the reference text parser.
        snap.sockets = summarizeSockets(await readSocketsWithSs(ssOpts), subnets, 'ss');
        if (opts.tcpInfo && snap.sockets.retrans.total === null) snap.sockets.retrans.total = 0;
      } else {
        const { file, args } = ssCommand(ssOpts);
        snap.sockets = await streamSs(file, args, subnets, 10_000);
      }
      return;
    } catch (e) {
      const code = (e as { code?: unknown })?.code;
      const why = code === 'ENOENT' ? 'ss not found' : describeError(e);
      snap.notes.push(`sockets: ${why}; fell back to ${net}/tcp* (slower, and no accept-queue maximum)`);
    }
  }
  const entries: SocketEntry[] = [];
  let any = false;
  const bad: string[] = [];
  for (const [file, proto] of [['tcp', 'tcp'], ['tcp6', 'tcp'], ['udp', 'udp'], ['udp6', 'udp']] as const) {
    try {
      const text = await read(`${net}/${file}`);
      any = true;
      for (const e of parseProcNetSockets(text, proto, bad)) entries.push(e);
    } catch {
      // tcp6/udp6 are absent without IPv6; the others are reported below if all fail.
    }
  }
  if (bad.length) snap.notes.push(`sockets: ${bad.length} line(s) of ${net}/tcp* not understood`);
  if (!any) {
    snap.unavailable.push({ part: 'sockets', reason: `neither ss nor ${net}/tcp could be read` });
    return;
  }
  snap.sockets = summarizeSockets(entries, subnets, 'proc');
}

async function ownSubnets(opts: ProcfsOptions): Promise<Subnet[]> {
  if (opts.netnsPid === undefined) return localSubnets();
  try {
    const json = await (opts.exec ?? execFileText)('nsenter', [`--net=/proc/${opts.netnsPid}/ns/net`, '--', 'ip', '-j', 'addr', 'show'], { timeoutMs: 5000 });
    return subnetsFromIpJson(json);
  } catch {
    return [...LOOPBACK_SUBNETS];
  }
}

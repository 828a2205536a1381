// Why a recording is unavailable or incomplete, in one line that names the fix (perf_event_paranoid,
// kptr_restrict, the tracepoint, the package). Built from the machine's settings before perf runs and
// from perf's own stderr after.

export type ProblemCode =
  | 'perf-missing'
  | 'not-permitted'
  | 'kptr-restrict'
  | 'tracepoint-missing'
  | 'perf-killed'
  | 'perf-failed'
  | 'zero-samples'
  | 'unknown-frames'
  | 'tempdir'
  | 'bad-input';

export class RuntimeProblem extends Error {
  constructor(readonly code: ProblemCode, message: string) {
    super(message);
  }
}

export interface HostSettings {
  /** /proc/sys/kernel/perf_event_paranoid, kptr_restrict (null: unreadable). */
  paranoid: number | null;
  kptrRestrict: number | null;
  isRoot: boolean;
}

export function readHostSettings(readSystemFile: (path: string) => string | undefined, isRoot: boolean): HostSettings {
  const num = (p: string) => {
    const t = readSystemFile(p)?.trim();
    return t !== undefined && /^-?\d+$/.test(t) ? Number(t) : null;
  };
  return { paranoid: num('/proc/sys/kernel/perf_event_paranoid'), kptrRestrict: num('/proc/sys/kernel/kptr_restrict'), isRoot };
}

export const PERF_MISSING = 'perf is not installed: apt install linux-perf (Debian) or linux-tools-$(uname -r) (Ubuntu)';

export function notPermitted(s: HostSettings): string {
  return `perf may not record system-wide here (kernel.perf_event_paranoid=${s.paranoid ?? '?'}): run as root, grant CAP_PERFMON, or sysctl -w kernel.perf_event_paranoid=-1`;
}

export function kptrHidden(s: HostSettings): string {
  return `kernel symbols are hidden (kernel.kptr_restrict=${s.kptrRestrict ?? '?'}): sysctl -w kernel.kptr_restrict=0, or run as root with kptr_restrict below 2`;
}

export const TRACEPOINT_MISSING = 'the skb:kfree_skb tracepoint is missing (kernel older than 2.6.32, or tracefs not mounted: mount -t tracefs nodev /sys/kernel/tracing); stacks still work';

/** Settings that will spoil a recording, checked before perf starts (warnings, not errors). */
export function preflight(s: HostSettings): string[] {
  const out: string[] = [];
  if (s.kptrRestrict !== null && (s.kptrRestrict >= 2 || (s.kptrRestrict === 1 && !s.isRoot))) out.push(kptrHidden(s));
  return out;
}

/** perf's stderr (and exit) → the problem, when it failed. */
export function classifyPerfFailure(stderr: string, s: HostSettings, wantsDrops: boolean): RuntimeProblem {
  const e = stderr;
  if (/perf_event_paranoid|Permission denied|Operation not permitted|No permission|EACCES|EPERM|Access to performance monitoring/i.test(e)) return new RuntimeProblem('not-permitted', notPermitted(s));
  if (wantsDrops && /kfree_skb|tracepoint|event syntax error|unknown tracepoint|can't access trace events|No such file/i.test(e)) return new RuntimeProblem('tracepoint-missing', TRACEPOINT_MISSING);
  if (/command not found|No such file or directory.*perf|WARNING: perf not found/i.test(e)) return new RuntimeProblem('perf-missing', PERF_MISSING);
  const last = e.split('\n').map((l) => l.trim()).filter((l) => l && !/^\[ perf record/.test(l)).pop() ?? 'no message';
  return new RuntimeProblem('perf-failed', `perf record failed: ${last.slice(0, 200)}`);
}

/** The share of kernel frames perf could not name above which symbols are taken as hidden. */
export const UNKNOWN_FRAME_LIMIT = 0.5;

export function unknownFramesNote(unknown: number, frames: number, s: HostSettings | null): string | undefined {
  if (!unknown || !frames) return undefined;
  const share = unknown / frames;
  if (share >= UNKNOWN_FRAME_LIMIT) return s ? kptrHidden(s) : `kernel symbols hidden in this recording (${pct(share)} of kernel frames are [unknown]): record with kernel.kptr_restrict=0 as root`;
  return `${unknown.toLocaleString('en-US')} kernel frames (${pct(share)}) are [unknown] (a module without symbols, or a JIT): counted, not placed`;
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`;

export function tempDirNote(dir: string, err: unknown): string {
  const code = (err as { code?: string })?.code ?? '';
  const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'it is not writable' : (err as Error)?.message ?? String(err);
  return `no private temp dir in ${dir} (${why}${code ? `, ${code}` : ''}): perf runs without one (nothing is written to disk); free space or set TMPDIR to a writable directory`;
}

/** `6.18.44-fc` → [6, 18]; null when it does not look like a release. */
export function majorMinor(v: string | null | undefined): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** A note when the running kernel and the tree differ (frames may be missing or moved). */
export function versionNote(kernelRelease: string, treeVersion: string | null): string | undefined {
  const a = majorMinor(kernelRelease);
  const b = majorMinor(treeVersion);
  if (!a || !b) return `running kernel ${kernelRelease}, tree ${treeVersion ?? 'of unknown version'}: functions are matched by name only`;
  const d = (a[0] - b[0]) * 100 + (a[1] - b[1]);
  if (d === 0) return undefined;
  const far = Math.abs(d) >= 3 || a[0] !== b[0];
  return `running kernel ${kernelRelease} is ${d > 0 ? 'newer' : 'older'} than the tree (${treeVersion})${far ? ' by several releases' : ''}: functions added, renamed or inlined since are listed as not in the tree, and lines may have moved`;
}

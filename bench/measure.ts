// Shared by the bench modules: run a command under GNU time (wall, CPU, peak RSS), medians.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface Measure {
  seconds: number;
  rssMiB: number;
  /** User + system CPU seconds (the machine is shared: CPU is steadier than wall). */
  cpu: number;
}

const repo = join(__dirname, '..');

/** Wall seconds, CPU seconds and peak RSS of a command, from GNU time. */
export function timed(cmd: string, args: string[], cwd = repo): Measure {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr.slice(-500)}`);
  const m = /(\d+\.\d+) (\d+\.\d+) (\d+\.\d+) (\d+)\s*$/.exec(r.stderr);
  if (!m) throw new Error(`no timing from /usr/bin/time: ${r.stderr.slice(-200)}`);
  return { seconds: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssMiB: Number(m[4]) / 1024 };
}

/** cscope from nothing (it updates an existing database incrementally) on a file list. */
export function timedCscope(tree: string, list: string, work: string): Measure {
  for (const ext of ['', '.in', '.po']) rmSync(join(work, 'cscope.out' + ext), { force: true });
  return timed('cscope', ['-b', '-q', '-k', '-i', list, '-f', join(work, 'cscope.out')], tree);
}

/** gtags on the same file list, into a fresh folder (it writes GTAGS, GRTAGS, GPATH there). */
export function timedGtags(tree: string, list: string, work: string): Measure {
  const out = join(work, 'gtags');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  return timed('gtags', ['-f', list, out], tree);
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const med = (ms: Measure[]): Measure => ({ seconds: median(ms.map((m) => m.seconds)), cpu: median(ms.map((m) => m.cpu)), rssMiB: median(ms.map((m) => m.rssMiB)) });

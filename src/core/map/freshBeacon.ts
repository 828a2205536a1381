// A proof, kept by a long-running host (the extension, `serve`), that no file of the tree changed since
// the derived state on disk was saved — so a fresh CLI process can answer from it without stat-ing
// every file (13k stats are ~70–170 ms here, most of a query's time).
//
// The host watches every folder of the derived state's stamps (TreeWatch) and only then checks the
// stamps once (a change before the watch started fails that check; one after it is an event). While
// nothing changed it keeps `fresh-<scope>.json` in the cache folder and touches it every 2 s; on any
// change it deletes it at once. A reader trusts the file only if it names the derived state it is
// reading, its host process is alive, and it was touched within 6 s (a host whose event loop is
// blocked stops touching it, so its queued events cannot hide a change for longer than that).
// When the derived state is saved again (by the host or by a CLI run that rebuilt it), the host
// re-arms. What stays: a change is seen by readers as soon as the host's event loop takes the
// inotify event (milliseconds), not before.
import { readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive, writeFileAtomic } from '../index/cacheDir.ts';
import { TreeWatch } from './treeWatch.ts';
import { DerivedStore, derivedPath, stampsMatch, type DerivedMeta } from './derivedStore.ts';

export const BEAT_MS = 2000;
export const VALID_MS = 6000;

export const beaconPath = (cacheDir: string, scope: string) => join(cacheDir, `fresh-${scope}.json`);

interface BeaconText {
  pid: number;
  root: string;
  key: string;
  writtenAt: string;
}

/** True when a live host vouches that nothing changed since the derived state `meta` describes was saved. */
export function beaconVouches(cacheDir: string, scope: string, meta: DerivedMeta, now = Date.now()): boolean {
  const path = beaconPath(cacheDir, scope);
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st || Math.abs(now - st.mtimeMs) > VALID_MS) return false;
  let b: Partial<BeaconText>;
  try {
    b = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return false;
  }
  // a damaged beacon (`null`, a number) is no beacon: `b.root` must not throw out of a query
  if (typeof b !== 'object' || b === null) return false;
  return b.root === meta.root && b.key === meta.key && b.writtenAt === meta.writtenAt && pidAlive(b.pid as number);
}

export interface BeaconOptions {
  root: string;
  cacheDir: string;
  scope: string;
  /** Said once per distinct reason the proof cannot be kept (a folder that cannot be watched). */
  log?: (line: string) => void;
}

/** The host side: watches the tree and keeps the beacon while the derived state on disk is current. */
export class FreshnessBeacon {
  private watch: TreeWatch | undefined;
  private armed = false;
  private body: Buffer | undefined;
  /** mtime of the derived file last armed for (or found stale): re-armed when it is saved again. */
  private triedMtime: number | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly told = new Set<string>();
  /** Why the proof was last dropped (for tests and logs). */
  lastChange: string | undefined;

  constructor(private readonly o: BeaconOptions) {
    this.timer = setInterval(() => this.tick(), BEAT_MS);
    this.timer.unref();
    this.tick();
  }

  get path(): string {
    return beaconPath(this.o.cacheDir, this.o.scope);
  }

  get isArmed(): boolean {
    return this.armed;
  }

  /** Touches the beacon while armed; otherwise arms when the derived state was saved since the last try. */
  tick(): void {
    if (this.armed) {
      const now = new Date();
      try {
        utimesSync(this.path, now, now);
      } catch {
        // removed by another host that stopped; our watch still stands, so write it again
        this.write();
      }
      return;
    }
    const m = statSync(derivedPath(this.o.cacheDir, this.o.scope), { throwIfNoEntry: false })?.mtimeMs;
    if (m === undefined || m === this.triedMtime) return;
    this.triedMtime = m;
    this.arm();
  }

  private arm(): void {
    const store = DerivedStore.open(derivedPath(this.o.cacheDir, this.o.scope), this.o.scope, undefined, () => {});
    try {
      const stamps = store.stamps();
      const meta = store.meta;
      if (!stamps || !meta) return;
      this.watch?.close();
      this.watch = new TreeWatch({ root: this.o.root, dirs: stamps.dirs, files: stamps.files, onChange: (why) => this.disarm(why) });
      // watching first, then the check: a change before the watch fails it, one after is an event
      if (!this.watch.watching || !stampsMatch(this.o.root, stamps)) return this.stopWatching();
      this.body = Buffer.from(JSON.stringify({ pid: process.pid, root: meta.root, key: meta.key, writtenAt: meta.writtenAt } satisfies BeaconText));
      this.armed = this.write();
    } finally {
      store.close();
    }
  }

  private write(): boolean {
    try {
      writeFileAtomic(this.path, [this.body!]);
      return true;
    } catch (e) {
      this.say(`cannot keep ${this.path}: ${(e as Error).message}`);
      return false;
    }
  }

  private disarm(why: string): void {
    this.lastChange = why;
    if (/^(cannot watch|watching)/.test(why)) this.say(why);
    // whoever wrote it: a change ends every host's proof (the other hosts see it too)
    if (this.armed) rmSync(this.path, { force: true });
    this.armed = false;
    this.stopWatching();
  }

  private stopWatching(): void {
    this.watch?.close();
    this.watch = undefined;
  }

  /** Deletes the beacon if it is this process's. */
  private remove(): void {
    try {
      const b = JSON.parse(readFileSync(this.path, 'utf8')) as BeaconText;
      if (b.pid === process.pid) rmSync(this.path, { force: true });
    } catch {
      // gone already, or unreadable: nothing of ours to remove
    }
  }

  private say(line: string): void {
    if (this.told.has(line)) return;
    this.told.add(line);
    this.o.log?.(line);
  }

  dispose(): void {
    clearInterval(this.timer);
    if (this.armed) this.remove();
    this.armed = false;
    this.stopWatching();
  }
}

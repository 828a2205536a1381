// Watches a tree's folders for what would make stamps stale: an entry created, deleted or renamed in
// a watched folder (its mtime moves), or a stamped file written or touched. One inotify watch per
// folder (fs.watch, not recursive: the folder list is the stamps' own). Anything it cannot watch is
// reported as a change, so a silent gap never vouches for a tree.
import { watch, type FSWatcher } from 'node:fs';

export interface TreeWatchOptions {
  root: string;
  /** Tree-relative folders to watch ('' or '.' is the root). */
  dirs: readonly string[];
  /** Tree-relative files whose content changes count ('change' events on other names do not). */
  files: readonly string[];
  /** Called on every relevant event, with a one-line reason. */
  onChange: (why: string) => void;
}

export class TreeWatch {
  private readonly watchers: FSWatcher[] = [];
  private readonly files: Set<string>;
  private closed = false;

  constructor(private readonly o: TreeWatchOptions) {
    this.files = new Set(o.files);
    for (const d of ['', ...o.dirs]) {
      if (this.closed) break;
      try {
        const w = watch(d ? `${o.root}/${d}` : o.root, { persistent: false }, (type, name) => this.event(d, type, name));
        w.on('error', (e) => this.fail(`watching ${d || '.'} failed: ${e.message}`));
        this.watchers.push(w);
      } catch (e) {
        this.fail(`cannot watch ${d || '.'}: ${(e as Error).message}`);
      }
    }
  }

  private event(dir: string, type: string, name: string | Buffer | null): void {
    if (this.closed) return;
    if (name === null) return this.o.onChange(`${dir || '.'}: an unnamed event`);
    const rel = dir ? `${dir}/${name}` : String(name);
    if (type === 'rename') return this.o.onChange(`${rel} created, deleted or renamed`);
    if (this.files.has(rel)) this.o.onChange(`${rel} changed`);
  }

  private fail(why: string): void {
    if (this.closed) return;
    this.o.onChange(why);
    this.close();
  }

  get watching(): number {
    return this.closed ? 0 : this.watchers.length;
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.splice(0)) w.close();
  }
}

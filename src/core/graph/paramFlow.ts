// Which functions reach a parameter: passed by name at a call site, handed out by a function called in
// the argument (`reg(dev, get_handler(dev))`), or forwarded from the caller's own parameter
// (`ip_append_data(…, getfrag, …)` → `__ip_append_data(…, getfrag, …)`), a few levels up.
import type { KernelIndex } from '../index/model.ts';
import type { FileFacts } from '../index/facts.ts';

/** How many forwarding levels are followed. */
const MAX_FORWARDS = 4;

export interface Reaching {
  fn: string;
  /** The argument that passed it (or the call whose result passed it). */
  file: string;
  line: number;
  /** The function whose call site passed it. */
  caller: string;
}

interface Site {
  caller: string;
  file: string;
  line: number;
  index: number;
  name: string;
  /** The argument is a call of `name`: its returned functions reach. */
  returned: boolean;
}

export class ParamFlow {
  private readonly sites = new Map<string, Site[]>();
  private readonly returned = new Map<string, { value: string; file: string; line: number }[]>();
  private readonly memo = new Map<string, Reaching[]>();
  /** Functions whose argument sites a walk has read. */
  readonly walked = new Set<string>();

  constructor(index: KernelIndex, private readonly isFunction: (n: string) => boolean, private readonly paramNames: (fn: string) => string[]) {
    for (const f of index.allFacts()) {
      this.addSites(f, (callee, s) => {
        const l = this.sites.get(callee);
        if (l) l.push(s);
        else this.sites.set(callee, [s]);
      });
      for (const r of f.returns) {
        const l = this.returned.get(r.fn);
        const v = { value: r.value, file: f.file, line: r.line };
        if (l) l.push(v);
        else this.returned.set(r.fn, [v]);
      }
    }
  }

  private addSites(f: FileFacts, add: (callee: string, s: Site) => void): void {
    for (const a of f.args) add(a.callee, { caller: a.caller, file: f.file, line: a.line, index: a.index, name: a.name, returned: false });
    for (const a of f.callArgs) add(a.callee, { caller: a.caller, file: f.file, line: a.line, index: a.index, name: a.fn, returned: true });
  }

  /**
   * One file's argument sites replaced (`ordinal`: where the file sits in index order; `ordinalOf` for the
   * others); the file's `returns` must be unchanged. What was walked before is forgotten.
   */
  replaceFile(old: FileFacts, now: FileFacts, ordinal: number, ordinalOf: (file: string) => number): void {
    const callees = new Set<string>();
    this.addSites(old, (c) => callees.add(c));
    for (const c of callees) {
      const kept = (this.sites.get(c) ?? []).filter((s) => s.file !== old.file);
      if (kept.length) this.sites.set(c, kept);
      else this.sites.delete(c);
    }
    this.addSites(now, (callee, s) => {
      const l = this.sites.get(callee);
      if (!l) return void this.sites.set(callee, [s]);
      let i = l.length;
      while (i > 0 && ordinalOf(l[i - 1].file) > ordinal) i--;
      l.splice(i, 0, s);
    });
    this.memo.clear();
  }

  /** Argument sites of calls to `callee` (by name, as a function or a caller's parameter). */
  argSites(callee: string): readonly Site[] {
    return this.sites.get(callee) ?? [];
  }

  /** Functions that reach parameter `index` of `fn`, each once, with the site that passed it. */
  reaching(fn: string, index: number): readonly Reaching[] {
    return this.walk(fn, index, 0, new Set());
  }

  private walk(fn: string, index: number, depth: number, onPath: Set<string>): Reaching[] {
    const key = `${fn}#${index}`;
    // remembered per remaining budget: a result cut short deep in one walk must not stand for a shallow one
    const memoKey = `${key}@${depth}`;
    const have = this.memo.get(memoKey);
    if (have) return have;
    const out: Reaching[] = [];
    if (depth > MAX_FORWARDS || onPath.has(key)) return out;
    this.walked.add(fn);
    onPath.add(key);
    const seen = new Set<string>();
    const take = (r: Reaching) => {
      if (seen.has(r.fn)) return;
      seen.add(r.fn);
      out.push(r);
    };
    for (const s of this.sites.get(fn) ?? []) {
      if (s.index !== index) continue;
      if (s.returned) {
        for (const r of this.returned.get(s.name) ?? []) if (this.isFunction(r.value)) take({ fn: r.value, file: s.file, line: s.line, caller: s.caller });
        continue;
      }
      if (this.isFunction(s.name)) {
        take({ fn: s.name, file: s.file, line: s.line, caller: s.caller });
        continue;
      }
      const pi = this.paramNames(s.caller).indexOf(s.name);
      if (pi >= 0) for (const r of this.walk(s.caller, pi, depth + 1, onPath)) take(r);
    }
    onPath.delete(key);
    this.memo.set(memoKey, out);
    return out;
  }
}

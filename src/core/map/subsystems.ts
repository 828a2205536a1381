// Subsystem columns of the stack map, from the tree's own MAINTAINERS file: each section's `F:`
// patterns (`net/ipv4/tcp*.c`, `net/sched/`) and `X:` exclusions, the most specific match winning
// (like get_maintainer.pl prefers the deepest pattern). Files no section covers fall back to their
// directory. Pure: the file's text is passed in; nothing here reads the disk.

export interface Section {
  title: string;
  /** F: patterns compiled, with how specific each is (its literal prefix length). */
  files: Pattern[];
  excludes: RegExp[];
}

export interface MaintainersParse {
  sections: Section[];
  /** One line when the text held nothing usable (the map then uses directories, and says so). */
  problem?: string;
}

/** At most this many lines are read (the real file has ~20k in 6.1); a runaway input stays bounded. */
const MAX_LINES = 200_000;

export interface Pattern {
  re: RegExp;
  /** Length of the literal prefix: the longer, the more specific. */
  literal: number;
  /** First path segment when literal (`net`), else `*`: lookups test only their bucket. */
  head: string;
}

/** `F:` glob → anchored regex: `*` and `?` within one path segment, a trailing `/` = the whole
 *  directory below, a pattern naming a directory without the slash also covers what is below. */
export function compilePattern(pat: string): Pattern | undefined {
  const p = pat.trim();
  if (!p || p.length > 512 || /\s/.test(p)) return undefined;
  const wild = p.search(/[*?[]/);
  const literal = wild < 0 ? p.length : wild;
  let src = '';
  for (const ch of p) {
    if (ch === '*') src += '[^/]*';
    else if (ch === '?') src += '[^/]';
    else src += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  src = p.endsWith('/') ? `${src}.*` : `${src}(?:/.*)?`;
  try {
    const head = /^[^/*?[]+(?=\/)/.exec(p)?.[0] ?? '*';
    return { re: new RegExp(`^${src}$`), literal, head };
  } catch {
    return undefined;
  }
}

/** Sections (a title line, then `X:\tvalue` lines) separated by blank lines. */
export function parseMaintainers(text: string | null | undefined): MaintainersParse {
  if (text == null) return { sections: [], problem: 'no MAINTAINERS file in the tree: columns by directory' };
  const sections: Section[] = [];
  let cur: Section | undefined;
  let n = 0;
  for (const raw of text.split('\n')) {
    if (++n > MAX_LINES) break;
    const line = raw.replace(/\r$/, '');
    if (!line.trim()) {
      cur = undefined;
      continue;
    }
    const tag = /^([A-Z]):\s*(.*)$/.exec(line);
    if (!tag) {
      // a title starts a section only at the start of a block and when it looks like one
      if (!cur && !/^\s/.test(line) && line.length <= 120) {
        cur = { title: line.trim(), files: [], excludes: [] };
        sections.push(cur);
      }
      continue;
    }
    if (!cur) continue;
    if (tag[1] === 'F') {
      const c = compilePattern(tag[2]);
      // catch-alls (`F: *`, `F: */` of THE REST) say nothing about a subsystem: directories are better
      if (c && c.literal > 0) cur.files.push(c);
    } else if (tag[1] === 'X') {
      const c = compilePattern(tag[2]);
      if (c) cur.excludes.push(c.re);
    }
  }
  const usable = sections.filter((s) => s.files.length > 0);
  if (!usable.length) return { sections: [], problem: 'MAINTAINERS has no section with F: patterns (malformed?): columns by directory' };
  return { sections: usable };
}

/** The directory a file falls back to: `net/ipv4`, `drivers/net/ethernet`, `include/net`. */
export function directoryOf(file: string): string {
  const parts = file.split('/');
  const depth = parts[0] === 'drivers' ? 3 : 2;
  return parts.slice(0, Math.min(depth, parts.length - 1)).join('/') || '(top)';
}

/** File → the most specific section covering it, or its directory. Cached per file; patterns
 *  bucketed by their first path segment so a lookup tests a few hundred, not 20,000. */
export class SubsystemMatcher {
  private readonly buckets = new Map<string, { section: Section; re: RegExp; literal: number }[]>();
  private readonly cache = new Map<string, { id: string; fromMaintainers: boolean }>();

  constructor(readonly parse: MaintainersParse) {
    for (const section of parse.sections) {
      for (const f of section.files) {
        const list = this.buckets.get(f.head) ?? [];
        list.push({ section, re: f.re, literal: f.literal });
        this.buckets.set(f.head, list);
      }
    }
  }

  /** The section title (or directory) of a file. */
  of(file: string): { id: string; fromMaintainers: boolean } {
    const hit = this.cache.get(file);
    if (hit) return hit;
    const head = file.split('/')[0];
    let best: { section: Section; literal: number } | undefined;
    for (const list of [this.buckets.get(head), this.buckets.get('*')]) {
      for (const c of list ?? []) {
        if (best && c.literal < best.literal) continue;
        if (best && c.literal === best.literal && c.section.title >= best.section.title) continue;
        if (!c.re.test(file) || c.section.excludes.some((x) => x.test(file))) continue;
        best = c;
      }
    }
    const r = best ? { id: best.section.title, fromMaintainers: true } : { id: directoryOf(file), fromMaintainers: false };
    this.cache.set(file, r);
    return r;
  }
}

export interface Column {
  id: string;
  title: string;
  /** How many map nodes it holds (summed over the sections merged into it). */
  count: number;
  /** Sections folded into this column (for "other": all of them; else the one). */
  sections: string[];
}

export const OTHER_COLUMN = 'other';

/** The ≤ `max` columns the map shows: the `max - 1` sections holding most nodes shown from the start
 *  (then most nodes at all), the rest folded into "other". Ties broken by name: the same tree gives
 *  the same columns. */
export function chooseColumns(countBySection: Map<string, number>, max = 12, shownBySection: Map<string, number> = new Map()): { columns: Column[]; columnOf: (section: string) => string } {
  const rank = (s: string) => (shownBySection.get(s) ?? 0) * 1e6 + (countBySection.get(s) ?? 0);
  const ranked = [...countBySection].sort((a, b) => rank(b[0]) - rank(a[0]) || (a[0] < b[0] ? -1 : 1));
  const keep = ranked.length <= max ? ranked : ranked.slice(0, max - 1);
  const kept = new Set(keep.map(([s]) => s));
  const columns: Column[] = keep.map(([s, c]) => ({ id: s, title: s, count: c, sections: [s] }));
  const rest = ranked.filter(([s]) => !kept.has(s));
  if (rest.length) columns.push({ id: OTHER_COLUMN, title: `other (${rest.length})`, count: rest.reduce((a, [, c]) => a + c, 0), sections: rest.map(([s]) => s) });
  return { columns, columnOf: (s) => (kept.has(s) ? s : OTHER_COLUMN) };
}

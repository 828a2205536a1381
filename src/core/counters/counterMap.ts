// Counter ↔ source: which kernel functions bump which /proc counter. Everything is read off the
// indexed tree: the SNMP_MIB_ITEM tables (name ↔ enum), the proc code that prints them (table ↔
// group ↔ net->mib.X), the statistics macros (derived from their definitions, not a fixed list)
// and their call sites (with the enum argument read from the source line).
import type { KernelIndex } from '../index/model.ts';
import type { FileFacts } from '../index/facts.ts';
import type { ReadTreeFile } from '../index/treeFiles.ts';
import { splitSnmp6Name } from '../metrics/snmp6.ts';

export interface CounterInfo {
  /** `Tcp:RetransSegs`, `Ip6:InDiscards`. */
  counter: string;
  enum: string;
  /** The `net->mib` field it lives in: `tcp_statistics`. */
  mib: string;
  table: { name: string; file: string; line: number };
  /** From Documentation/networking/snmp_counter.rst when described there. */
  doc?: string;
}

export interface CounterSite {
  counter: string;
  enum: string;
  function: string;
  file: string;
  line: number;
  macro: string;
}

export interface StatsMacro {
  name: string;
  /** The mib fields it updates (UDP_INC_STATS: udp and udplite). */
  mibs: string[];
  /** `…_UPD_PO_STATS(net, IPSTATS_MIB_OUT, len)` bumps OUTPKTS and OUTOCTETS. */
  pktsAndOctets: boolean;
}

export class CounterMap {
  readonly counters = new Map<string, CounterInfo>();
  readonly macros = new Map<string, StatsMacro>();
  private readonly byMibEnum = new Map<string, string[]>();
  private readonly sites = new Map<string, CounterSite[]>();
  private readonly byFunction = new Map<string, CounterSite[]>();
  /** Tables found, with whether they still end with SNMP_MIB_SENTINEL. */
  readonly tables: { name: string; file: string; items: number; sentinel: boolean }[] = [];

  constructor(private readonly index: KernelIndex, private readonly read: ReadTreeFile) {
    this.readTables();
    this.deriveMacros();
    for (const f of this.index.allFacts()) this.fileSites.set(f.file, this.sitesIn(f));
    this.assemble();
    this.readDocs();
  }

  /** Each file's own sites (the statistics macros it calls, with the counter read off the call's line). */
  private readonly fileSites = new Map<string, CounterSite[]>();

  /** Every site in file order, then the sites lifted to the callers of inline helpers. */
  private assemble(): void {
    this.sites.clear();
    this.byFunction.clear();
    for (const f of this.index.allFacts()) {
      for (const site of this.fileSites.get(f.file) ?? []) {
        push(this.sites, site.counter, site);
        push(this.byFunction, site.function, site);
      }
    }
    this.liftHelperSites();
  }

  /**
   * One file changed (its new facts are in the index, its new text on disk): its sites are read again and
   * the map is put together anew. Returns why that is not enough (the caller rebuilds the map), or undefined.
   * `old`: the file's facts before (the statistics macros and tables it held).
   */
  refreshFile(old: FileFacts | undefined, file: string): string | undefined {
    const now = this.index.fileFacts(file);
    for (const f of [old, now]) {
      if (!f) continue;
      if (f.opsInstances.some((o) => o.struct === 'snmp_mib')) return 'it holds an SNMP_MIB table';
      if (/\.h$/.test(file) && f.functions.some((fn) => fn.isInline && /STATS/.test(fn.name))) return 'an inline statistics helper is read off its lines';
    }
    if (this.tables.some((t) => t.file === file)) return 'a counter table is printed from it';
    const macros = (f: FileFacts | undefined) => JSON.stringify(f?.macros.filter((m) => m.params && /STATS|_DEVINC|_DEVADD|_DEVUPD|mib\./.test(m.body)).map((m) => [m.name, m.params, m.body]) ?? []);
    if (macros(old) !== macros(now)) return 'a statistics macro changed';
    this.lineCache.delete(file);
    if (now) this.fileSites.set(file, this.sitesIn(now));
    else this.fileSites.delete(file);
    this.assemble();
    return undefined;
  }

  private readonly lineCache = new Map<string, string[]>();
  /** A tree file's lines, read once (tables, inline helpers and call sites all read the same files). */
  private linesOf(file: string): string[] {
    let lines = this.lineCache.get(file);
    if (!lines) this.lineCache.set(file, (lines = (this.read(file) ?? '').split('\n')));
    return lines;
  }

  counterSites(counter: string): CounterSite[] {
    return this.sites.get(counter) ?? [];
  }

  functionCounters(fn: string): CounterSite[] {
    return this.byFunction.get(fn) ?? [];
  }

  /** Counters the tree defines, for version comparisons with a host. */
  names(): string[] {
    return [...this.counters.keys()];
  }

  /** Every site, by counter and by function, for the cache (counterCodec). */
  siteLists(): { byCounter: ReadonlyMap<string, CounterSite[]>; byFunction: ReadonlyMap<string, CounterSite[]> } {
    return { byCounter: this.sites, byFunction: this.byFunction };
  }

  private readTables(): void {
    const byFile = new Map<string, { name: string; line: number; endLine: number }[]>();
    for (const { file, def } of this.index.opsInstances('snmp_mib')) {
      const name = def.name.replace(/\[.*$/, '');
      const list = byFile.get(file) ?? [];
      if (!list.some((t) => t.name === name)) list.push({ name, line: def.line, endLine: def.endLine });
      else {
        const t = list.find((x) => x.name === name)!;
        t.line = Math.min(t.line, def.line);
        t.endLine = Math.max(t.endLine, def.endLine);
      }
      byFile.set(file, list);
    }
    for (const [file, tables] of byFile) {
      const lines = this.linesOf(file);
      if (lines.length <= 1 && !lines[0]) continue;
      for (const t of tables) this.readTable(file, lines, t);
    }
  }

  private readTable(file: string, lines: string[], t: { name: string; line: number; endLine: number }): void {
    // the table definition: from its line to the closing `};`
    let end = t.line - 1;
    while (end < lines.length && !/^\s*\};/.test(lines[end])) end++;
    const body = lines.slice(t.line - 1, end + 1).join('\n');
    const items = [...body.matchAll(/SNMP_MIB_ITEM\(\s*"(\w+)"\s*,\s*(\w+)\s*\)/g)];
    if (!items.length) return;
    this.tables.push({ name: t.name, file, items: items.length, sentinel: /SNMP_MIB_SENTINEL/.test(body) });
    // Where the table is printed: header loops print `T[i].name` right after a `"\nGroup:"` label;
    // value reads name `net->mib.X` in the same statement. Each mib gets the label of the nearest
    // header (v6 tables have none: their names carry the group, `Ip6InReceives`).
    const headers: { line: number; group: string }[] = [];
    const reads: { line: number; mib: string }[] = [];
    const tableRe = new RegExp(`\\b${t.name}\\b`);
    for (let i = 0; i < lines.length; i++) {
      if ((i >= t.line - 1 && i <= end) || !tableRe.test(lines[i])) continue;
      if (new RegExp(`\\b${t.name}\\s*\\[[^\\]]*\\]\\.name`).test(lines[i])) {
        for (let j = i; j >= Math.max(0, i - 3); j--) {
          const g = /"(?:\\n)?(\w+):/.exec(lines[j]);
          if (g) {
            headers.push({ line: i, group: g[1] });
            break;
          }
        }
      }
      let from = i;
      while (from > 0 && i - from < 3 && !/[;{}]\s*$/.test(lines[from - 1])) from--;
      let to = i;
      while (to < lines.length - 1 && to - i < 3 && !/;\s*$/.test(lines[to])) to++;
      let mib: string | undefined;
      for (let j = from; j <= to && !mib; j++) mib = /mib\.(\w+)/.exec(lines[j])?.[1];
      if (mib && !/^icmpmsg/.test(mib)) reads.push({ line: i, mib });
    }
    const uses: { mib: string; group?: string }[] = [];
    for (const r of reads) {
      let best: { line: number; group: string } | undefined;
      for (const h of headers) if (!best || Math.abs(h.line - r.line) < Math.abs(best.line - r.line)) best = h;
      if (!uses.some((u) => u.mib === r.mib)) uses.push({ mib: r.mib, group: best?.group });
    }
    for (const use of uses) {
      for (const [, name, en] of items) {
        const split = use.group ? null : splitSnmp6Name(name);
        const counter = use.group ? `${use.group}:${name}` : split ? `${split[0]}:${split[1]}` : `${t.name}:${name}`;
        if (!this.counters.has(counter)) this.counters.set(counter, { counter, enum: en, mib: use.mib, table: { name: t.name, file, line: t.line } });
        const key = `${use.mib}\0${en}`;
        const list = this.byMibEnum.get(key) ?? [];
        if (!list.includes(counter)) list.push(counter);
        this.byMibEnum.set(key, list);
      }
    }
  }

  /** Statistics macros: whose expansion reaches `net->mib.X` (directly, by token pasting, or through another). */
  private deriveMacros(): void {
    type Def = { name: string; params: string[]; body: string };
    const defs: Def[] = [];
    for (const f of this.index.allFacts()) {
      if (!f.file.startsWith('include/') && !f.file.startsWith('net/')) continue;
      for (const m of f.macros) if (m.params && /STATS|_DEVINC|_DEVADD|_DEVUPD|mib\./.test(m.body)) defs.push({ name: m.name, params: m.params, body: m.body });
    }
    // static inline helpers that update a mib (`MPTCP_INC_STATS(net, field)`) count as macros too
    for (const f of this.index.allFacts()) {
      if (!/\.h$/.test(f.file)) continue;
      for (const fn of f.functions) {
        if (!fn.isInline || !/STATS/.test(fn.name)) continue;
        const body = this.linesOf(f.file).slice(fn.startLine - 1, fn.endLine).join('\n');
        const params = /\(([^)]*)\)/.exec(fn.signature)?.[1].split(',').map((p) => /(\w+)\s*$/.exec(p.trim())?.[1] ?? '') ?? [];
        defs.push({ name: fn.name, params, body: body.slice(body.indexOf('{')) });
      }
    }
    const pasted = new Map<string, { param: number; suffix: string }>();
    for (const d of defs) {
      const direct = [...d.body.matchAll(/mib\.(\w+)\b(?!\s*##)/g)].map((m) => m[1]).filter((x) => !d.params.includes(x));
      const paste = /mib\.(\w+)\s*##\s*(\w*)/.exec(d.body);
      if (paste && d.params.includes(paste[1])) pasted.set(d.name, { param: d.params.indexOf(paste[1]), suffix: paste[2] });
      if (direct.length) this.macros.set(d.name, { name: d.name, mibs: [...new Set(direct)], pktsAndOctets: /UPD_PO_STATS/.test(d.body) });
    }
    for (let changed = true, round = 0; changed && round < 6; round++) {
      changed = false;
      for (const d of defs) {
        for (const call of d.body.matchAll(/\b(\w+)\s*\(/g)) {
          const callee = call[1];
          if (callee === d.name) continue;
          const known = this.macros.get(callee);
          const p = pasted.get(callee);
          let mibs: string[] = [];
          if (known) mibs = known.mibs;
          else if (p) {
            const args = splitArgs(d.body, call.index! + call[0].length - 1);
            const a = args[p.param]?.trim();
            if (a && /^\w+$/.test(a) && !d.params.includes(a)) mibs = [a + p.suffix];
          }
          if (!mibs.length) continue;
          const cur = this.macros.get(d.name) ?? { name: d.name, mibs: [], pktsAndOctets: false };
          const upd = cur.pktsAndOctets || /UPD_PO_STATS/.test(d.body) || !!known?.pktsAndOctets;
          const merged = [...new Set([...cur.mibs, ...mibs])];
          if (merged.length !== cur.mibs.length || upd !== cur.pktsAndOctets) {
            this.macros.set(d.name, { name: d.name, mibs: merged, pktsAndOctets: upd });
            changed = true;
          }
        }
      }
    }
  }

  private sitesIn(f: FileFacts): CounterSite[] {
    const out: CounterSite[] = [];
    {
      for (const c of f.calls) {
        const m = this.macros.get(c.callee);
        if (!m) continue;
        const lines = this.linesOf(f.file);
        // the invocation may span lines: read from the call line on
        const text = lines.slice(c.line - 1, c.line + 4).join('\n');
        const at = new RegExp(`\\b${c.callee}\\s*\\(`).exec(text);
        if (!at) continue;
        const args = splitArgs(text, at.index + at[0].length - 1).map((a) => a.trim());
        for (const arg of args) {
          if (!/^[A-Z][A-Z0-9_]+$/.test(arg)) continue;
          const enums = m.pktsAndOctets ? [arg + 'PKTS', arg + 'OCTETS', arg] : [arg];
          for (const en of enums) {
            for (const mib of m.mibs) {
              for (const counter of this.byMibEnum.get(`${mib}\0${en}`) ?? []) {
                out.push({ counter, enum: en, function: c.caller, file: f.file, line: c.line, macro: c.callee });
              }
            }
          }
        }
      }
    }
    return out;
  }

  /**
   * A static inline helper in a header that bumps a counter (`tcp_listendrop()`) bumps it for each
   * caller: add those sites one level up, named after the helper.
   */
  private liftHelperSites(): void {
    for (const [fn, sites] of [...this.byFunction]) {
      const def = this.index.functions(fn).find((d) => d.file.endsWith('.h') && d.def.isInline);
      if (!def) continue;
      for (const c of this.index.callers(fn)) {
        for (const s0 of sites) {
          const site: CounterSite = { counter: s0.counter, enum: s0.enum, function: c.from, file: c.file, line: c.line, macro: `${fn}()` };
          push(this.sites, s0.counter, site);
          push(this.byFunction, c.from, site);
        }
      }
    }
  }

  private readDocs(): void {
    const text = this.read('Documentation/networking/snmp_counter.rst');
    if (!text) return;
    const docName = new Map<string, string>();
    for (const c of this.counters.keys()) docName.set(c.replace(':', ''), c);
    const sections = text.split(/\n(?=\* \w)/);
    for (const s of sections) {
      const head = /^\* (.+)\n/.exec(s);
      if (!head) continue;
      const names = head[1].split(/\s*(?:,|and)\s*/).map((n) => n.trim());
      const body = s.slice(head[0].length).split(/\n\S[^\n]*\n[=\-~]{3,}\n/)[0].replace(/\.\. _[^\n]*\n/g, '').trim();
      for (const n of names) {
        const c = docName.get(n);
        const info = c ? this.counters.get(c) : undefined;
        if (info && !info.doc) info.doc = body.slice(0, 1200);
      }
    }
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** Arguments of the call whose `(` is at `open`, split on top-level commas. */
export function splitArgs(text: string, open: number): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') {
      if (depth++ === 0) continue;
    } else if (ch === ')') {
      if (--depth === 0) {
        out.push(cur);
        return out;
      }
    } else if (ch === ',' && depth === 1) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  return out;
}

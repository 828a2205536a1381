// What changed in one file's facts between two parses: per category, the facts only in the old or
// only in the new version (compared without their line numbers), and where the lines of the facts
// present in both moved to (an edit above them shifts them). Facts are paired in order, by the
// longest common subsequence of each category's list.
import type { FileFacts } from './facts.ts';

export const FACT_CATEGORIES = [
  'functions', 'prototypes', 'structs', 'enums', 'macros', 'opsInstances', 'calls', 'refs', 'memberCalls', 'stores',
  'hints', 'args', 'paramCalls', 'typedefs', 'copies', 'pointerCalls', 'returns', 'callArgs', 'localInstances',
] as const;
export type FactCategory = (typeof FACT_CATEGORIES)[number];

export interface FactsDiff {
  /** Facts only in the old version, by category (only categories with a difference are present). */
  removed: Partial<Record<FactCategory, unknown[]>>;
  added: Partial<Record<FactCategory, unknown[]>>;
  /** Old line → new line, for every line a fact present in both versions sits on. */
  lines: Map<number, number>;
  /** An old line went to two different new lines (a line split in two): `lines` cannot move what sits there. */
  ambiguous: boolean;
  /** Categories where something was added or removed. */
  changed: FactCategory[];
}

const LINE_KEYS = new Set(['line', 'startLine', 'endLine', 'memberLines']);

type Flat = Record<string, string | number | string[]>;
/** The many small facts of a function body, keyed by hand (every field but the line): JSON costs more than the diff. */
const FLAT_KEYS: Partial<Record<FactCategory, (f: Flat) => string>> = {
  calls: (f) => `${f.caller}\0${f.callee}`,
  refs: (f) => `${f.name}\0${f.context}`,
  args: (f) => `${f.caller}\0${f.callee}\0${f.index}\0${f.name}`,
  memberCalls: (f) => `${f.caller}\0${f.chain}`,
  pointerCalls: (f) => `${f.caller}\0${f.local}\0${f.chain}`,
  callArgs: (f) => `${f.caller}\0${f.callee}\0${f.index}\0${f.fn}`,
  stores: (f) => `${f.context}\0${f.chain}\0${f.value}\0${f.param}`,
  copies: (f) => `${f.context}\0${f.chain}\0${f.from}`,
  paramCalls: (f) => `${f.fn}\0${f.index}`,
  returns: (f) => `${f.fn}\0${f.value}`,
};
/** The fields those keys read, with `line`: a fact with any other field is keyed in full. */
const FLAT_FIELDS: Partial<Record<FactCategory, number>> = { calls: 3, refs: 3, args: 5, memberCalls: 3, pointerCalls: 4, callArgs: 5, stores: 5, copies: 4, paramCalls: 3, returns: 3 };

/** A fact as text without its line numbers (nested ones too: struct fields, enum members). */
function keyOf(fact: unknown): string {
  return JSON.stringify(fact, function (k, v: unknown) {
    if (LINE_KEYS.has(k)) return undefined;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((x) => [x, o[x]]));
  });
}

/** Every line number a fact carries, in a fixed order (the same for two facts with the same key). */
function linesOf(fact: unknown, out: number[] = []): number[] {
  if (Array.isArray(fact)) {
    for (const x of fact) linesOf(x, out);
    return out;
  }
  if (!fact || typeof fact !== 'object') return out;
  const o = fact as Record<string, unknown>;
  for (const k of Object.keys(o).sort()) {
    const v = o[k];
    if ((k === 'line' || k === 'startLine' || k === 'endLine') && typeof v === 'number') out.push(v);
    else if (k === 'memberLines' && v && typeof v === 'object') for (const m of Object.keys(v).sort()) out.push((v as Record<string, number>)[m]);
    else if (v && typeof v === 'object') linesOf(v, out);
  }
  return out;
}

/** Pairs of equal keys (indices into a and b) along a longest common subsequence. */
function pairs(a: string[], b: string[]): [number, number][] {
  const out: [number, number][] = [];
  let lo = 0;
  while (lo < a.length && lo < b.length && a[lo] === b[lo]) out.push([lo, lo]), lo++;
  let ea = a.length, eb = b.length;
  const tail: [number, number][] = [];
  while (ea > lo && eb > lo && a[ea - 1] === b[eb - 1]) tail.push([--ea, --eb]);
  const n = ea - lo, m = eb - lo;
  if (n && m) {
    if (n * m <= 4_000_000) {
      // classic LCS table on the middle part
      const w = m + 1;
      const t = new Uint16Array((n + 1) * w);
      for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) t[i * w + j] = a[lo + i] === b[lo + j] ? t[(i + 1) * w + j + 1] + 1 : Math.max(t[(i + 1) * w + j], t[i * w + j + 1]);
      for (let i = 0, j = 0; i < n && j < m; ) {
        if (a[lo + i] === b[lo + j]) out.push([lo + i++, lo + j++]);
        else if (t[(i + 1) * w + j] >= t[i * w + j + 1]) i++;
        else j++;
      }
    } else {
      // too big to pair finely: equal keys matched greedily in order
      const at = new Map<string, number[]>();
      for (let j = m - 1; j >= 0; j--) (at.get(b[lo + j]) ?? at.set(b[lo + j], []).get(b[lo + j])!).push(lo + j);
      let last = -1;
      for (let i = 0; i < n; i++) {
        const l = at.get(a[lo + i]);
        while (l?.length && l[l.length - 1] <= last) l.pop();
        const j = l?.pop();
        if (j !== undefined) out.push([lo + i, (last = j)]);
      }
    }
  }
  return out.concat(tail.reverse());
}

export function diffFacts(old: FileFacts, now: FileFacts): FactsDiff {
  const d: FactsDiff = { removed: {}, added: {}, lines: new Map(), ambiguous: false, changed: [] };
  for (const c of FACT_CATEGORIES) {
    const a = (old[c] ?? []) as unknown[];
    const b = (now[c] ?? []) as unknown[];
    const flat = FLAT_KEYS[c];
    const key = (x: unknown) => (flat && Object.keys(x as object).length === FLAT_FIELDS[c] ? flat(x as Flat) : keyOf(x));
    const ka = a.map(key), kb = b.map(key);
    const ps = pairs(ka, kb);
    const inA = new Set<number>(), inB = new Set<number>();
    for (const [i, j] of ps) {
      inA.add(i);
      inB.add(j);
      const la = flat ? [(a[i] as { line: number }).line] : linesOf(a[i]), lb = flat ? [(b[j] as { line: number }).line] : linesOf(b[j]);
      for (let k = 0; k < la.length; k++) {
        const have = d.lines.get(la[k]);
        if (have === undefined) d.lines.set(la[k], lb[k]);
        else if (have !== lb[k]) d.ambiguous = true;
      }
    }
    const removed = a.filter((_, i) => !inA.has(i));
    const added = b.filter((_, j) => !inB.has(j));
    if (removed.length) d.removed[c] = removed;
    if (added.length) d.added[c] = added;
    if (removed.length || added.length) d.changed.push(c);
  }
  return d;
}

// Compare the facts of a file parsed whole by tree-sitter with the same file read by the lexical
// tier: per fact kind, what one has and the other lacks. Used by the equivalence test and the bench.
import type { FileFacts } from './facts.ts';

/** The fact kinds that come from function bodies (the lexical tier produces these). */
export const BODY_FACT_KINDS = ['calls', 'refs', 'args', 'memberCalls', 'stores', 'hints', 'paramCalls', 'opsInstances', 'copies', 'pointerCalls', 'callArgs', 'returns'] as const;
/** The fact kinds that come from the skeleton parse either way. */
export const HEAD_FACT_KINDS = ['functions', 'prototypes', 'structs', 'enums', 'macros', 'typedefs'] as const;
export type FactKind = (typeof BODY_FACT_KINDS)[number] | (typeof HEAD_FACT_KINDS)[number];

export interface KindDiff {
  kind: FactKind;
  /** Facts tree-sitter found. */
  precise: number;
  /** Of those, found by the lexical tier too. */
  same: number;
  /** Found by tree-sitter only / by the lexical tier only (first few, as keys). */
  missing: string[];
  extra: string[];
  missingCount: number;
  extraCount: number;
}

const key = (x: unknown) => JSON.stringify(x);

export function compareFacts(precise: FileFacts, lexical: FileFacts, kinds: readonly FactKind[] = [...BODY_FACT_KINDS, ...HEAD_FACT_KINDS], keep = 5): KindDiff[] {
  return kinds.map((kind) => {
    const a = new Map<string, number>();
    for (const x of precise[kind] as unknown[]) a.set(key(x), (a.get(key(x)) ?? 0) + 1);
    const missing: string[] = [];
    const extra: string[] = [];
    let same = 0;
    let extraCount = 0;
    for (const x of lexical[kind] as unknown[]) {
      const k = key(x);
      const n = a.get(k) ?? 0;
      if (n > 0) {
        a.set(k, n - 1);
        same++;
      } else {
        extraCount++;
        if (extra.length < keep) extra.push(k);
      }
    }
    let missingCount = 0;
    for (const [k, n] of a) {
      missingCount += n;
      if (n > 0 && missing.length < keep) missing.push(k);
    }
    return { kind, precise: (precise[kind] as unknown[]).length, same, missing, extra, missingCount, extraCount };
  });
}

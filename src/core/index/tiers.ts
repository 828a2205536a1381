// Which files tree-sitter parses whole up front and which leave their function bodies to the
// lexical tier (lexicalBodies.ts). The network core (net/, include/) is always parsed whole: the
// layer map, hovers and the gold call paths live there. Elsewhere (drivers/net, and with --all the
// rest of the tree) heads are parsed and bodies lexed; a file is parsed whole on demand
// (IndexSession.ensurePrecise) when it is opened or asked about.

export interface TierPolicy {
  /** Tree-relative folder prefixes parsed whole (`net/`); null: every file is parsed whole. */
  precise: string[] | null;
}

/** Bodies outside the network core to the lexical tier (`--lexical-bodies`). */
export const LEXICAL_OUTSIDE_CORE: TierPolicy = { precise: ['net/', 'include/'] };
export const PRECISE_ONLY: TierPolicy = { precise: null };
/** The tier produces every body fact kind extraction does (BODY_FACT_KINDS; docs/cold-index.md). */
export const DEFAULT_TIERS: TierPolicy = LEXICAL_OUTSIDE_CORE;

export function lexicalFor(policy: TierPolicy, file: string): boolean {
  return policy.precise !== null && !policy.precise.some((p) => file.startsWith(p));
}

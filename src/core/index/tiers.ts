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
/**
 * Off by default: extraction gained fact kinds the tier does not produce yet (copies, pointerCalls,
 * callArgs, stores through WRITE_ONCE/rcu_assign_pointer); until it does, tree-sitter reads every body.
 */
export const DEFAULT_TIERS: TierPolicy = PRECISE_ONLY;

export function lexicalFor(policy: TierPolicy, file: string): boolean {
  return policy.precise !== null && !policy.precise.some((p) => file.startsWith(p));
}

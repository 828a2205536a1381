// What the CLI, the map and the extension ask of a call graph. CallGraph (built from the index) and
// StoredGraph (read back from the cache) both answer it.
import type { EdgeSource, PathOptions } from './pathSearch.ts';
import type { PathResult } from './types.ts';

export interface UnresolvedCall {
  caller: string;
  file: string;
  line: number;
  chain: string;
}

export interface ResolutionStats {
  /** Member-call sites: `x->f(…)` and calls through a local loaded from a member (`fp = x->f; fp(…)`). */
  opsSites: number;
  typed: number;
  fieldName: number;
  unresolved: number;
  /** Mean number of targets per resolved ops site. */
  meanTargets: number;
}

export interface GraphQueries extends EdgeSource {
  unresolvedIn(fn: string): readonly UnresolvedCall[];
  isFunction(name: string): boolean;
  /** The ops slots a function fills, as `instance.member`. */
  slotsOf(fn: string): readonly string[];
  path(from: string, to: string, opts?: PathOptions): PathResult;
  readonly stats: ResolutionStats;
}

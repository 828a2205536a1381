// Builds the call graph, the layer model and the counter map from an index, for the extension and
// `netstack-atlas serve` alike (pure: no vscode). If building one fails, callers fall back to the
// index's direct calls and an empty layer list, and the UI says "call graph not available" (no
// made-up data).
import type { KernelIndex } from '../index/model.ts';
import type { CallEdge, LayerModel, PathResult } from '../graph/types.ts';
import { CallGraph } from '../graph/callGraph.ts';
import type { GraphQueries } from '../graph/graphQueries.ts';
import { buildLayerModel } from '../graph/layers.ts';
import { PRESETS } from '../graph/presets.ts';
import { CounterMap } from '../counters/counterMap.ts';
import type { CounterQueries } from '../counters/counterCodec.ts';
import { treeFileReader } from '../index/treeFiles.ts';
import type { MapGraph } from './mapModel.ts';

export interface Graphs {
  graph: MapGraph;
  /** The real graph when available (slots, unresolved calls). */
  callGraph: GraphQueries | undefined;
  layers: LayerModel;
  counters: CounterQueries | undefined;
  presets: Record<string, { title: string; waypoints: string[] }>;
  graphAvailable: boolean;
  notes: string[];
  /** The tree's MAINTAINERS text for the map's subsystem columns (null: the tree has none). */
  maintainers: string | null;
}

/** Direct calls only, from the index. */
class DirectGraph implements MapGraph {
  constructor(private readonly index: KernelIndex) {}
  private edge(r: { from: string; to: string; file: string; line: number }): CallEdge {
    return { from: r.from, to: r.to, kind: 'direct', confidence: 'exact', file: r.file, line: r.line, evidence: { file: r.file, line: r.line } };
  }
  callees(fn: string): CallEdge[] {
    return this.index.callees(fn).map((r) => this.edge(r));
  }
  callers(fn: string): CallEdge[] {
    return this.index.callers(fn).map((r) => this.edge(r));
  }
  path(): PathResult {
    return { found: false, functions: [], edges: [], depth: 0 };
  }
}

/** Where the derived parts come from: built here from the index, or read from the cache (DerivedStore). */
export interface GraphSources {
  graph(): GraphQueries;
  layers(): LayerModel;
  counters(): CounterQueries;
}

/** Builds everything from the index in memory. */
export function buildGraphs(index: KernelIndex, log: (line: string) => void): Graphs {
  const read = treeFileReader(index.root);
  let g: CallGraph | undefined;
  const graph = () => (g ??= new CallGraph(index));
  return graphsFrom({ graph, layers: () => buildLayerModel(index, graph(), read), counters: () => new CounterMap(index, read) }, index, log);
}

/** The graphs from `src`; a part that fails is said once and replaced by what is still true (direct calls, no layers). */
export function graphsFrom(src: GraphSources, index: KernelIndex, log: (line: string) => void): Graphs {
  const notes: string[] = [];
  let callGraph: GraphQueries | undefined;
  let layers: LayerModel = { layers: [], registrations: [] };
  try {
    callGraph = src.graph();
    layers = src.layers();
  } catch (e) {
    callGraph = undefined;
    const msg = `call graph not available: ${e instanceof Error ? e.message : String(e)}`;
    notes.push(msg);
    log(msg);
  }
  let counters: Graphs['counters'];
  try {
    counters = src.counters();
  } catch (e) {
    const msg = `counter map not available: ${e instanceof Error ? e.message : String(e)}`;
    notes.push(msg);
    log(msg);
  }
  return {
    graph: callGraph ?? new DirectGraph(index),
    callGraph,
    layers,
    counters,
    presets: callGraph ? PRESETS : {},
    graphAvailable: !!callGraph,
    notes,
    maintainers: treeFileReader(index.root)('MAINTAINERS') ?? null,
  };
}

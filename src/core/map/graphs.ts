// Builds the call graph, the layer model and the counter map from an index, for the extension and
// `netstack-atlas serve` alike (pure: no vscode). If building one fails, callers fall back to the
// index's direct calls and an empty layer list, and the UI says "call graph not available" (no
// made-up data).
import type { KernelIndex } from '../index/model.ts';
import type { CallEdge, LayerModel, PathResult } from '../graph/types.ts';
import { CallGraph } from '../graph/callGraph.ts';
import { buildLayerModel } from '../graph/layers.ts';
import { PRESETS } from '../graph/presets.ts';
import { CounterMap, type CounterSite } from '../counters/counterMap.ts';
import { treeFileReader } from '../index/treeFiles.ts';
import type { MapGraph } from './mapModel.ts';

export interface Graphs {
  graph: MapGraph;
  /** The real graph when available (bindings, unresolved calls). */
  callGraph: CallGraph | undefined;
  layers: LayerModel;
  counters: { functionCounters(fn: string): CounterSite[]; counterSites(c: string): CounterSite[]; names(): string[] } | undefined;
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

export function buildGraphs(index: KernelIndex, log: (line: string) => void): Graphs {
  const notes: string[] = [];
  const read = treeFileReader(index.root);
  let callGraph: CallGraph | undefined;
  let layers: LayerModel = { layers: [], registrations: [] };
  try {
    callGraph = new CallGraph(index);
    layers = buildLayerModel(index, callGraph, read);
  } catch (e) {
    callGraph = undefined;
    const msg = `call graph not available: ${e instanceof Error ? e.message : String(e)}`;
    notes.push(msg);
    log(msg);
  }
  let counters: Graphs['counters'];
  try {
    counters = new CounterMap(index, read);
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
    maintainers: read('MAINTAINERS') ?? null,
  };
}

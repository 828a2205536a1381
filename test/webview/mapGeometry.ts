// The measures the issue sets for the map, computed on a laid-out MapState exactly as the webview
// lays it out (shared by the geometry tests and bench/layout.ts): crossings per visible edge, the lit
// path's own crossings and travel, the label size on screen after Fit.
import { layoutMap, type LayoutResult } from '../../webview/layout/layout.ts';
import { countCrossings, fitScale, travel, LABEL_PX } from '../../webview/layout/geometry.ts';
import type { MapState } from '../../webview/state.ts';

/** The map area of a 1600×1000 window (the toolbar takes the top 40 px). */
export const VIEW = { width: 1600, height: 960 };

export interface Geometry {
  nodes: number;
  edges: number;
  crossingsPerEdge: number;
  labelPx: number;
  layoutMs: number;
  path?: { edges: number; crossings: number; horizontal: number; vertical: number };
  result: LayoutResult;
}

export function measure(state: MapState, view = VIEW): Geometry {
  const input = state.layoutInput({ aspect: view.width / view.height });
  const t0 = performance.now();
  const result = layoutMap(input);
  const layoutMs = performance.now() - t0;
  const edges = state.visibleEdges();
  const k = fitScale(result.width, result.height, view.width, view.height);
  const g: Geometry = { nodes: input.nodes.length, edges: edges.length, crossingsPerEdge: edges.length ? countCrossings(result.boxes, edges) / edges.length : 0, labelPx: LABEL_PX * k, layoutMs, result };
  if (state.pathEdges.size) {
    const own = edges.filter((e) => state.isPathEdge(e));
    g.path = { edges: own.length, crossings: countCrossings(result.boxes, own), ...travel(result.boxes, own) };
  }
  return g;
}

// The measures the issue sets for the map, computed on a laid-out MapState exactly as the webview
// lays it out (shared by the geometry tests and bench/layout.ts): crossings per visible edge, the lit
// path's own crossings and travel, the label size on screen after Fit.
import { layoutMap, type LayoutResult } from '../../webview/layout/layout.ts';
import { countCrossings, fitScale, fitView, travel, LABEL_PX } from '../../webview/layout/geometry.ts';
import type { MapState } from '../../webview/state.ts';

/** The map area of a 1600×1000 window (the toolbar takes the top 40 px). */
export const VIEW = { width: 1600, height: 960 };

export interface Geometry {
  nodes: number;
  edges: number;
  crossingsPerEdge: number;
  /** Label size on screen after Fit (Fit keeps it ≥ 11 px while the band stack's width allows). */
  labelPx: number;
  /** Label size if the whole picture were fitted into the view. */
  wholePx: number;
  layoutMs: number;
  path?: { edges: number; crossings: number; horizontal: number; vertical: number };
  result: LayoutResult;
}

export function measure(state: MapState, view = VIEW): Geometry {
  const input = state.layoutInput({ view });
  const t0 = performance.now();
  const result = layoutMap(input);
  const layoutMs = performance.now() - t0;
  const edges = state.visibleEdges();
  const k = fitView(result.width, result.height, view.width, view.height).k;
  const whole = fitScale(result.width, result.height, view.width, view.height);
  const g: Geometry = { nodes: input.nodes.length, edges: edges.length, crossingsPerEdge: edges.length ? countCrossings(result.boxes, edges) / edges.length : 0, labelPx: LABEL_PX * k, wholePx: LABEL_PX * whole, layoutMs, result };
  if (state.pathEdges.size) {
    const own = edges.filter((e) => state.isPathEdge(e));
    g.path = { edges: own.length, crossings: countCrossings(result.boxes, own), ...travel(result.boxes, own) };
  }
  return g;
}

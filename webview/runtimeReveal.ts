// What a run-time overlay adds to the drawn map (pure, no DOM: tested under node --test).
import type { MapEdge, MapEdgeKind, RuntimeOverlay } from '../src/core/map/protocol.ts';

/** Hottest functions an overlay reveals on the map (the rest wait for a search or an expansion). */
export const OVERLAY_REVEAL = 15;

/** What a recording shows at once: the run-time path, the nodes that dropped, the ends of the calls
 *  the static graph does not explain, and the hottest functions — not all of the overlay's nodes
 *  (hundreds would bury the map). */
export function overlayReveal(rt: RuntimeOverlay, max = OVERLAY_REVEAL): string[] {
  const out = new Set<string>([...rt.hotPath, ...Object.keys(rt.drops)]);
  for (const e of rt.edges.filter((x) => x.static === null).slice(0, 20)) out.add(e.from).add(e.to);
  const hot = Object.entries(rt.heat).sort((a, b) => b[1] - a[1]);
  for (const [id] of hot) {
    if (out.size >= max + rt.hotPath.length) break;
    out.add(id);
  }
  return [...out];
}

/** Observed calls the static graph explains, as map edges (drawn thick between revealed nodes). */
export function observedEdges(rt: RuntimeOverlay): MapEdge[] {
  return rt.edges.filter((e) => e.static).map((e) => ({ from: e.from, to: e.to, kind: e.static!.kind as MapEdgeKind, evidence: `seen at run time: ${e.samples} samples${e.static!.hops > 1 ? ` (a path of ${e.static!.hops} static edges: inlined or tail-called frames in between)` : ''}` }));
}

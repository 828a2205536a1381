// A profile and/or drops report → the map's run-time overlay (`runtime/overlay`): node heat as the share
// of sampled network-stack CPU, observed edges with counts and the static verdict, the hottest
// system-call-to-driver chain, drop markers per node with the dropping lines. Pure data for both hosts.
import type { MapNode, RuntimeDrop, RuntimeEdge, RuntimeOverlay } from './protocol.ts';
import type { DropsReport, ProfileReport } from '../runtime/join.ts';

export const nodeId = (fn: string) => `fn:${fn}`;

export interface OverlayOptions {
  /** Hottest functions sent (the map shows the rest on expand). */
  maxNodes?: number;
  /** Observed edges sent (hottest first). */
  maxEdges?: number;
}

export function toOverlay(profile: ProfileReport | undefined, drops: DropsReport | undefined, opts: OverlayOptions = {}): RuntimeOverlay {
  const maxNodes = opts.maxNodes ?? 400;
  const maxEdges = opts.maxEdges ?? 1500;
  const nodes = new Map<string, MapNode>();
  const heat: Record<string, number> = {};
  const base = profile?.treeSamples || 0;
  for (const f of profile?.functions ?? []) {
    if (!f.layer || nodes.size >= maxNodes) continue;
    const id = nodeId(f.name);
    nodes.set(id, { id, label: f.name, kind: 'function', layer: f.layer, file: f.file, line: f.line, detail: `seen at run time: ${f.samples} samples (${f.self} self)` });
    if (base) heat[id] = Math.min(1, f.samples / base);
  }
  // the hot path and drop sites are shown even when colder than the node cap
  const byName = new Map((profile?.functions ?? []).map((f) => [f.name, f]));
  for (const n of profile?.hotPath ?? []) {
    const f = byName.get(n);
    if (f?.layer && !nodes.has(nodeId(n))) {
      nodes.set(nodeId(n), { id: nodeId(n), label: n, kind: 'function', layer: f.layer, file: f.file, line: f.line, detail: `seen at run time: ${f.samples} samples` });
      if (base) heat[nodeId(n)] = f.samples / base;
    }
  }
  const dropMap: Record<string, RuntimeDrop[]> = {};
  for (const r of drops?.reasons ?? []) {
    for (const l of r.locations) {
      if (!l.file || !l.layer) continue;
      const id = nodeId(l.function);
      if (!nodes.has(id)) nodes.set(id, { id, label: l.function, kind: 'function', layer: l.layer, file: l.file, line: l.line ?? 1, detail: 'drops packets at run time' });
      const list = (dropMap[id] ??= []);
      let d = list.find((x) => x.reason === r.reason);
      if (!d) list.push((d = { reason: r.reason, count: 0, lines: [], ...(r.doc ? { doc: r.doc } : {}) }));
      d.count += l.count;
      for (const line of l.lines.length ? l.lines : [l.line ?? 1]) if (!d.lines.some((x) => x.line === line && x.file === l.file)) d.lines.push({ file: l.file, line });
    }
  }
  const edges: RuntimeEdge[] = [];
  for (const e of profile?.edges ?? []) {
    if (edges.length >= maxEdges) break;
    if (!nodes.has(nodeId(e.from)) || !nodes.has(nodeId(e.to))) continue;
    const re: RuntimeEdge = { from: nodeId(e.from), to: nodeId(e.to), samples: e.samples };
    if (e.static !== undefined) re.static = e.static ? { kind: e.static.kind, hops: e.static.hops } : null;
    edges.push(re);
  }
  // both reports carry the kernel-vs-tree note (the profile's with a count appended): say it once
  const pNotes = profile?.notes ?? [];
  const notes = [...new Set([...pNotes, ...(drops?.notes ?? []).filter((n) => !pNotes.some((p) => p.startsWith(n)))])];
  if (profile) notes.unshift(`${pctText(profile.explained.share)} of ${profile.explained.pairs} observed in-tree calls explained by the static graph (${profile.explained.unexplained.length} unexplained, drawn dashed)`);
  return {
    type: 'runtime/overlay',
    kernelRelease: profile?.kernelRelease ?? drops?.kernelRelease ?? '',
    treeVersion: profile?.treeVersion ?? drops?.treeVersion ?? null,
    seconds: Math.max(profile?.seconds ?? 0, drops?.seconds ?? 0),
    samples: profile?.samples ?? 0,
    nodes: [...nodes.values()],
    heat,
    edges,
    hotPath: (profile?.hotPath ?? []).filter((n) => nodes.has(nodeId(n))).map(nodeId),
    drops: dropMap,
    notInTree: (profile?.notInTree ?? []).slice(0, 200),
    notes,
  };
}

export const pctText = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0)} %`;

// Live updates on the drawn map, never moving a node: counter heat (fill class from the fastest
// counter's rate), badges, alert markers; and the run-time overlay (sampled CPU share as heat,
// observed edges with counts, the hot path, drop markers per reason, unexplained calls listed).
import type { Selection } from 'd3';
import type { LiveSample, RuntimeOverlay } from '../src/core/map/protocol.ts';
import type { ViewNode } from './state.ts';

export const fmtNum = (n: number) => {
  const a = Math.abs(n);
  if (a >= 1e9) return (n / 1e9).toFixed(1) + 'G';
  if (a >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (a >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
};

/** The badge a node shows: its fastest-moving counter (the first when none moves). */
export function topBadge(badges: LiveSample['badges'][string] | undefined): LiveSample['badges'][string][number] | undefined {
  if (!badges?.length) return undefined;
  return badges.reduce((a, b) => ((b.rate ?? 0) > (a.rate ?? 0) ? b : a));
}

/** Heat step 0..4 of a counter rate (per second), on a log scale. */
export function rateHeat(rate: number | null | undefined): number {
  const r = rate ?? 0;
  return r <= 0 ? 0 : r < 10 ? 1 : r < 1000 ? 2 : r < 100_000 ? 3 : 4;
}
/** Heat step of a share of sampled CPU (0..1). */
export function shareHeat(share: number | undefined): number {
  const s = share ?? 0;
  return s <= 0 ? 0 : s < 0.02 ? 1 : s < 0.1 ? 2 : s < 0.3 ? 3 : 4;
}

export function heatOf(d: ViewNode, live: LiveSample | undefined, runtime: RuntimeOverlay | undefined): number {
  if (runtime) return shareHeat(runtime.heat[d.id]);
  if (!live?.available) return 0;
  return rateHeat(topBadge(live.badges[d.id])?.rate);
}

export function badgeText(d: ViewNode, live: LiveSample | undefined, runtime: RuntimeOverlay | undefined): string {
  if (runtime && runtime.heat[d.id]) return `${(runtime.heat[d.id] * 100).toFixed(1)} % CPU`;
  if (!d.counters?.length) return '';
  if (!live || !live.available) return `${d.counters[0]}: n/a`;
  const b = topBadge(live.badges[d.id]);
  if (!b) return `${d.counters[0]}: –`;
  return `${b.counter} ${fmtNum(b.value)}${b.rate === null ? '' : ` +${fmtNum(Math.round(b.rate * 10) / 10)}/s`}`;
}

/** The badge's value alone (its counter in the hover), for where the full text has no room. */
export function badgeShort(d: ViewNode, live: LiveSample | undefined, runtime: RuntimeOverlay | undefined): string {
  if (runtime && runtime.heat[d.id]) return `${(runtime.heat[d.id] * 100).toFixed(1)}%`;
  const b = live?.available ? topBadge(live.badges[d.id]) : undefined;
  if (!b) return '';
  return b.rate === null ? fmtNum(b.value) : `+${fmtNum(Math.round(b.rate * 10) / 10)}/s`;
}

/** Alert and drop markers above the nodes that have them: a ⚠ per alert, one dot per drop reason
 *  (colour per reason; hover lists the reason, count and lines). */
export function drawMarkers(layer: Selection<SVGGElement, unknown, null, undefined>, live: LiveSample | undefined, runtime: RuntimeOverlay | undefined, box: (id: string) => { x: number; y: number; w: number } | undefined): void {
  const marks: { key: string; kind: 'alert' | 'drop'; x: number; y: number; text: string; cls: string; colour?: string; reason?: string }[] = [];
  const slot = new Map<string, number>();
  const at = (id: string) => {
    const b = box(id);
    if (!b) return undefined;
    const k = slot.get(id) ?? 0;
    slot.set(id, k + 1);
    return { x: b.x + b.w - 6 + k * 14, y: b.y - 4 };
  };
  for (const a of live?.alerts ?? []) {
    const p = at(a.nodeId);
    if (p) marks.push({ key: `a|${a.nodeId}|${a.message}`, kind: 'alert', ...p, text: a.message, cls: `alert-mark ${a.severity}` });
  }
  for (const [id, drops] of Object.entries(runtime?.drops ?? {})) {
    for (const d of drops) {
      const p = at(id);
      if (p) marks.push({ key: `d|${id}|${d.reason}`, kind: 'drop', ...p, text: `${d.reason}: ${d.count} drops\n${d.lines.map((l) => `${l.file}:${l.line}`).join('\n')}${d.doc ? `\n${d.doc}` : ''}`, cls: 'drop-mark', colour: reasonColour(d.reason), reason: d.reason });
    }
  }
  const g = layer.selectAll<SVGGElement, (typeof marks)[number]>('g.mark').data(marks, (m) => m.key).join((enter) => {
    const e = enter.append('g').attr('class', 'mark');
    e.each(function (m) {
      const ns = 'http://www.w3.org/2000/svg';
      const el = document.createElementNS(ns, m.kind === 'alert' ? 'text' : 'circle');
      if (m.kind === 'alert') el.textContent = '⚠';
      else el.setAttribute('r', '6');
      el.setAttribute('class', m.cls);
      if (m.reason) el.setAttribute('data-reason', m.reason);
      if (m.colour) (el as SVGElement).style.fill = m.colour;
      const t = document.createElementNS(ns, 'title');
      t.textContent = m.text;
      el.append(t);
      this.append(el);
    });
    return e;
  });
  g.attr('transform', (m) => `translate(${m.x},${m.y})`);
}

/** A stable colour per drop reason (hue from its name). */
export function reasonColour(reason: string): string {
  let h = 0;
  for (const ch of reason) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return `hsl(${h} 75% 55%)`;
}

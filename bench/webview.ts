// The webview bundle alone in headless Chromium with a scripted host: time to first paint of a map
// of `nodes` nodes (the budget: ≤ 1 s at 2,000 nodes). Also the harness the webview tests use.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { MapModel, MapNode, MapEdge, ToWebview } from '../src/core/map/protocol.ts';
import { LAYER_ORDER, LAYER_TITLES } from '../src/core/graph/types.ts';
import { launchChromium, loadPlaywright } from '../test/e2e/browser.ts';

const dist = join(__dirname, '../dist');

/** A map of `n` nodes spread over the six bands, with ~2 edges per node (seeded, no randomness). */
export function syntheticModel(n: number): MapModel {
  const nodes: MapNode[] = [];
  const edges: MapEdge[] = [];
  for (let i = 0; i < n; i++) {
    const layer = LAYER_ORDER[i % 6];
    const kind = i % 17 === 0 ? 'ops' : 'function';
    nodes.push({ id: `fn:f${i}`, label: `${layer}_fn_${i}`, kind, layer, file: `net/f${i % 50}.c`, line: 1 + i, detail: 'synthetic', key: true, ...(i % 9 === 0 ? { counters: ['Tcp:InSegs'] } : {}) });
    if (i > 6) edges.push({ from: `fn:f${i - 6}`, to: `fn:f${i}`, kind: 'direct' });
    if (i > 7 && i % 3 === 0) edges.push({ from: `fn:f${i - 7}`, to: `fn:f${i}`, kind: 'ops', confidence: 'typed', evidence: 'x.c:1' });
  }
  return { layers: LAYER_ORDER.map((id) => ({ id, title: LAYER_TITLES[id], count: n / 6 })), nodes, edges, presets: [{ id: 'tcp-send', title: 'TCP send' }], graphAvailable: true, notes: [], kernelVersion: '6.1' };
}

/** Messages the map has posted so far. */
export async function sent(page: Page): Promise<{ type: string; [k: string]: unknown }[]> {
  return (await page.evaluate('window.__sent')) as { type: string }[];
}

/** A blank page with the built bundle and a scripted host: messages the map posts land in `window.__sent`. */
export async function openHarness(browser: Browser, size = { width: 1400, height: 900 }, bundle = join(dist, 'webview.js')): Promise<Page> {
  const page = await browser.newPage({ viewport: size });
  const css = readFileSync(join(dist, 'webview.css'), 'utf8');
  await page.setContent(`<!DOCTYPE html><html><head><style>${css}</style></head><body><div id="app"></div></body></html>`);
  // page code as text: functions compiled by tsx carry helpers the page does not have
  await page.evaluate(`(() => {
    window.__sent = [];
    let st;
    window.__nsaHost = {
      post: (m) => window.__sent.push(m),
      listen: (cb) => (window.__deliver = cb),
      state: () => st,
      setState: (s) => (st = s),
    };
  })()`);
  await page.addScriptTag({ content: readFileSync(bundle, 'utf8') });
  return page;
}

export async function deliver(page: Page, m: ToWebview): Promise<void> {
  await page.evaluate(`window.__deliver(${JSON.stringify(m)})`);
}

/** First paint of an n-node map, in ms (inside the page: from map/init to the next frame). */
export async function benchWebview(n = 2000): Promise<{ nodes: number; rendered: number; firstPaintMs: number; wallMs: number } | undefined> {
  const pw = loadPlaywright();
  if (!pw) return undefined;
  const browser = await launchChromium(pw);
  try {
    const page = await openHarness(browser);
    const model = syntheticModel(n);
    const t0 = Date.now();
    await deliver(page, { type: 'map/init', model });
    await page.waitForSelector('body[data-ready="true"]');
    const wallMs = Date.now() - t0;
    const firstPaintMs = (await page.evaluate('window.__nsaMap.firstPaintMs')) as number;
    const rendered = (await page.evaluate("document.querySelectorAll('g.node').length")) as number;
    return { nodes: n, rendered, firstPaintMs, wallMs };
  } finally {
    await browser.close();
  }
}

export interface ExpandStep {
  step: string;
  layoutMs: number;
  drawMs: number;
  /** Until the first frame after the re-render is on screen. */
  frameMs: number;
  /** Nodes the re-render moved (animated), of all drawn. */
  moved: number;
  drawn: number;
}

/** Expand `origins` nodes of an n-node map one after the other (24 callees each: 12 shown and a "+12
 *  more" bundle), then collapse them in the same order: per re-render, the layout and drawing time in
 *  the page, the time to the next frame, and how many nodes moved (the animated transition runs after). */
export async function benchWebviewExpand(n = 2000, opts: { origins?: number; bundle?: string; browser?: Browser } = {}): Promise<ExpandStep[] | undefined> {
  const pw = opts.browser ? undefined : loadPlaywright();
  if (!opts.browser && !pw) return undefined;
  const browser = opts.browser ?? (await launchChromium(pw!));
  try {
    const page = await openHarness(browser, { width: 1600, height: 1000 }, opts.bundle);
    const model = syntheticModel(n);
    await deliver(page, { type: 'map/init', model });
    await page.waitForSelector('body[data-ready="true"]');
    const rows: ExpandStep[] = [];
    const timing = async (step: string) => {
      await page.waitForFunction('window.__nsaMap.timings.frameMs !== undefined');
      const t = (await page.evaluate('window.__nsaMap.timings')) as { layoutMs: number; drawMs: number; frameMs: number };
      const m = (await page.evaluate('window.__nsaMap.renderer?.motion?.last ?? { nodes: NaN }')) as { nodes: number };
      const drawn = (await page.evaluate("document.querySelectorAll('g.node').length")) as number;
      rows.push({ step, layoutMs: t.layoutMs, drawMs: t.drawMs, frameMs: t.frameMs, moved: m.nodes, drawn });
      await page.waitForTimeout(400);
    };
    const origins = model.nodes.slice(14, 14 + (opts.origins ?? 5));
    for (const o of origins) {
      await page.locator(`g.node[data-id="${o.id}"]`).dispatchEvent('click');
      const ex = (await sent(page)).filter((m) => m.type === 'map/expand').pop()!;
      const callees: MapNode[] = Array.from({ length: 24 }, (_, i) => ({ id: `${o.id}_callee${i}`, label: `${o.label}_callee_${i}`, kind: 'function', layer: o.layer, file: o.file, line: i + 1, detail: 'synthetic' }));
      await deliver(page, { type: 'map/expanded', id: ex.id as number, nodeId: o.id, nodes: callees, edges: callees.map((c) => ({ from: o.id, to: c.id, kind: 'direct' as const })) });
      await timing(`expand ${o.label}`);
    }
    for (const o of origins) {
      await page.locator(`g.node[data-id="${o.id}"]`).dispatchEvent('click');
      await timing(`collapse ${o.label}`);
    }
    await page.close();
    return rows;
  } finally {
    if (!opts.browser) await browser.close();
  }
}

/** Median and max of a list. */
export function medianMax(xs: number[]): { median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN, max: s.length ? s[s.length - 1] : NaN };
}

if (require.main === module) {
  void benchWebview().then((r) => console.log(JSON.stringify(r)));
}

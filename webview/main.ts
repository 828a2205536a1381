// The layer map: six horizontal bands (system calls → drivers) with key functions, ops instances,
// inetsw entries and core structs; click expands callees (shift: callers) or an ops table's members,
// double-click opens the source; presets light a path across the bands; live counter badges and
// alerts on their nodes. Runs in a VS Code webview or, standalone, in a browser fed by `serve`.
import './map.css';
import { select, zoom, zoomIdentity, type Selection, type ZoomBehavior } from 'd3';
import type { FromWebview, LiveSample, MapEdge, MapModel, MapNode, ToWebview } from '../src/core/map/protocol.ts';
import type { LayerId } from '../src/core/graph/types.ts';

// ── transport ────────────────────────────────────────────────────────────────
interface Host {
  post(m: FromWebview): void;
  listen(cb: (m: ToWebview) => void): void;
  state<T>(): T | undefined;
  setState<T>(s: T): void;
}
declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };

function vscodeHost(): Host {
  const api = acquireVsCodeApi();
  return {
    post: (m) => api.postMessage(m),
    listen: (cb) => window.addEventListener('message', (e: MessageEvent) => cb(e.data as ToWebview)),
    state: <T>() => api.getState() as T | undefined,
    setState: (s) => api.setState(s),
  };
}

/** `serve`: messages up by POST, down by server-sent events, both carrying the URL's token and this
 *  page's client id (the server answers on this page's stream only). Posts wait until the event
 *  stream is open, so no reply is sent before this page listens. */
function httpHost(): Host {
  const token = encodeURIComponent(new URLSearchParams(location.search).get('token') ?? '');
  const client = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
  let open = false;
  const queue: FromWebview[] = [];
  const send = (m: FromWebview) => void fetch(`api/msg?token=${token}&client=${client}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(m) });
  return {
    post: (m) => (open ? send(m) : queue.push(m)),
    listen: (cb) => {
      const es = new EventSource(`api/events?token=${token}&client=${client}`);
      es.onopen = () => {
        open = true;
        for (const m of queue.splice(0)) send(m);
      };
      es.onmessage = (e) => cb(JSON.parse(e.data) as ToWebview);
    },
    state: <T>() => {
      try {
        return (JSON.parse(sessionStorage.getItem('nsa') ?? 'null') ?? undefined) as T | undefined;
      } catch {
        return undefined;
      }
    },
    setState: (s) => sessionStorage.setItem('nsa', JSON.stringify(s)),
  };
}

/** Tests and the bench hand in their own host. */
declare global {
  interface Window {
    __nsaHost?: Host;
    __nsaMap?: MapView;
  }
}

// ── layout constants ────────────────────────────────────────────────────────
const LAYERS: LayerId[] = ['syscall', 'socket', 'protocol', 'network', 'device', 'driver'];
const W = 2200, LEFT = 170, NW = 172, NH = 24, GX = 10, GY = 12, BAND_PAD = 30;
const COLS = Math.floor((W - LEFT - 10) / (NW + GX));

interface NodeState extends MapNode {
  x: number;
  y: number;
  visible: boolean;
  order: number;
  expanded?: boolean;
}

const fmtNum = (n: number) => {
  const a = Math.abs(n);
  if (a >= 1e9) return (n / 1e9).toFixed(1) + 'G';
  if (a >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (a >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
};
const edgeKey = (e: MapEdge) => `${e.from}>${e.to}>${e.kind}`;

export class MapView {
  private model: MapModel | undefined;
  readonly nodes = new Map<string, NodeState>();
  private edges = new Map<string, MapEdge>();
  private order = 0;
  private nextId = 1;
  private selected: string | undefined;
  private pathNodes = new Set<string>();
  private pathEdges = new Set<string>();
  private matches = new Set<string>();
  private live: LiveSample | undefined;
  private bandY = new Map<LayerId, { y: number; h: number }>();
  private readonly svg: Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly root: Selection<SVGGElement, unknown, null, undefined>;
  private readonly gBands: Selection<SVGGElement, unknown, null, undefined>;
  private readonly gEdges: Selection<SVGGElement, unknown, null, undefined>;
  private readonly gNodes: Selection<SVGGElement, unknown, null, undefined>;
  private readonly zoomer: ZoomBehavior<SVGSVGElement, unknown>;
  private readonly tooltip: HTMLDivElement;
  private readonly overlay: HTMLDivElement;
  private readonly banner: HTMLDivElement;
  private readonly status: HTMLSpanElement;
  private readonly presetSelect: HTMLSelectElement;
  private readonly sourcePane: HTMLDivElement;
  firstPaintMs: number | undefined;

  constructor(el: HTMLElement, private readonly host: Host) {
    el.innerHTML = '';
    const bar = div('toolbar');
    const search = document.createElement('input');
    search.type = 'search';
    search.placeholder = 'Search functions, ops, structs…  ( / )';
    search.setAttribute('aria-label', 'Search the map');
    search.className = 'search';
    this.presetSelect = document.createElement('select');
    this.presetSelect.setAttribute('aria-label', 'Trace a path');
    this.presetSelect.className = 'preset';
    const clear = button('Clear path', () => this.clearPath());
    const fit = button('Fit', () => this.fit());
    const open = button('Open source', () => this.selected && this.openNode(this.selected));
    open.className = 'open-source';
    this.status = document.createElement('span');
    this.status.className = 'status';
    const legend = document.createElement('span');
    legend.className = 'legend';
    legend.textContent = 'click: callees · shift-click: callers · double-click/Enter: source · arrows: move';
    bar.append(search, this.presetSelect, clear, fit, open, legend, this.status);
    this.banner = div('banner');
    const main = div('main');
    this.overlay = div('overlay');
    this.overlay.innerHTML = '<div class="msg">Waiting for the index…</div><progress max="1" value="0"></progress>';
    this.tooltip = div('tooltip');
    this.sourcePane = div('source');
    main.append(this.overlay, this.tooltip);
    el.append(bar, this.banner, main);
    this.svg = select(main).append('svg').attr('class', 'map').attr('tabindex', '0').attr('role', 'application').attr('aria-label', 'Network stack layer map');
    main.append(this.sourcePane);
    this.root = this.svg.append('g').attr('class', 'viewport');
    this.gBands = this.root.append('g').attr('class', 'bands');
    this.gEdges = this.root.append('g').attr('class', 'edges');
    this.gNodes = this.root.append('g').attr('class', 'nodes');
    this.zoomer = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.05, 4])
      .filter((ev: Event) => !(ev.type === 'dblclick'))
      .on('zoom', (ev) => {
        this.root.attr('transform', ev.transform.toString());
        this.host.setState({ ...(this.host.state<object>() ?? {}), t: [ev.transform.x, ev.transform.y, ev.transform.k] });
      });
    this.svg.call(this.zoomer);

    search.addEventListener('input', () => this.search(search.value));
    search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        const first = [...this.matches][0];
        if (first) this.focusNode(first);
      }
    });
    this.presetSelect.addEventListener('change', () => {
      const v = this.presetSelect.value;
      if (v) this.host.post({ type: 'map/trace', id: this.nextId++, preset: v });
      else this.clearPath();
    });
    this.svg.on('keydown', (e: KeyboardEvent) => this.key(e, search));
    document.addEventListener('keydown', (e) => {
      if (e.key === '/' && document.activeElement !== search) {
        e.preventDefault();
        search.focus();
      }
    });
    window.addEventListener('error', (e) => this.host.post({ type: 'map/log', level: 'error', message: String(e.message) }));
  }

  // ── messages ──────────────────────────────────────────────────────────────
  receive(m: ToWebview): void {
    switch (m.type) {
      case 'map/progress': {
        this.overlay.classList.remove('hidden');
        (this.overlay.querySelector('.msg') as HTMLElement).textContent = m.total ? `${m.message} ${m.done} / ${m.total} files` : m.message;
        const p = this.overlay.querySelector('progress') as HTMLProgressElement;
        p.max = Math.max(1, m.total);
        p.value = m.done;
        return;
      }
      case 'map/init':
        this.init(m.model);
        return;
      case 'map/expanded':
        this.merge(m.nodes, m.edges, true);
        return;
      case 'map/path':
        this.showPath(m.title, m.found, m.nodes, m.edges, m.message);
        return;
      case 'map/source':
        this.showSource(m.file, m.line, m.text);
        return;
      case 'map/exportSvg':
        this.host.post({ type: 'map/svg', id: m.id, svg: this.exportSvg() });
        return;
      case 'live/sample':
        this.live = m;
        this.renderLive();
        return;
    }
  }

  private init(model: MapModel): void {
    const t0 = performance.now();
    this.model = model;
    this.nodes.clear();
    this.edges.clear();
    this.order = 0;
    for (const n of model.nodes) this.nodes.set(n.id, { ...n, x: 0, y: 0, visible: !!n.key, order: this.order++ });
    for (const e of model.edges) this.edges.set(edgeKey(e), e);
    this.presetSelect.innerHTML = '';
    const none = document.createElement('option');
    none.value = '';
    none.textContent = model.presets.length ? 'Trace a path…' : 'No path presets (call graph not available)';
    this.presetSelect.append(none);
    for (const p of model.presets) {
      const o = document.createElement('option');
      o.value = p.id;
      o.textContent = p.title;
      this.presetSelect.append(o);
    }
    this.overlay.classList.add('hidden');
    this.setBanner();
    this.render();
    const st = this.host.state<{ t?: [number, number, number] }>();
    if (st?.t) this.svg.call(this.zoomer.transform, zoomIdentity.translate(st.t[0], st.t[1]).scale(st.t[2]));
    else this.fit();
    requestAnimationFrame(() => {
      this.firstPaintMs = performance.now() - t0;
      document.body.dataset.ready = 'true';
    });
  }

  private setBanner(): void {
    const notes = [...(this.model?.notes ?? [])];
    if (this.live && !this.live.available) notes.push(`Live counters unavailable: ${this.live.reason ?? 'no source'}`);
    this.banner.textContent = notes.join(' · ');
    this.banner.classList.toggle('shown', notes.length > 0);
  }

  private merge(nodes: MapNode[], edges: MapEdge[], reveal: boolean): void {
    for (const n of nodes) {
      const have = this.nodes.get(n.id);
      if (have) {
        if (reveal && !have.visible) {
          have.visible = true;
          have.order = this.order++;
        }
      } else this.nodes.set(n.id, { ...n, x: 0, y: 0, visible: reveal, order: this.order++ });
    }
    for (const e of edges) this.edges.set(edgeKey(e), e);
    this.render();
  }

  // ── layout and drawing ────────────────────────────────────────────────────
  private layout(): void {
    let y = 0;
    for (const id of LAYERS) {
      const inBand = [...this.nodes.values()].filter((n) => n.visible && n.layer === id).sort((a, b) => a.order - b.order);
      const rows = Math.max(1, Math.ceil(inBand.length / COLS));
      inBand.forEach((n, i) => {
        n.x = LEFT + (i % COLS) * (NW + GX);
        n.y = y + BAND_PAD + Math.floor(i / COLS) * (NH + GY);
      });
      const h = BAND_PAD + rows * (NH + GY) + 10;
      this.bandY.set(id, { y, h });
      y += h + 6;
    }
  }

  render(): void {
    if (!this.model) return;
    this.layout();
    const layers = this.model.layers;
    const alertsByLayer = new Map<LayerId, string[]>();
    for (const a of this.live?.alerts ?? []) {
      const n = this.nodes.get(a.nodeId);
      if (!n || !n.visible) {
        const layer = n?.layer ?? 'device';
        alertsByLayer.set(layer, [...(alertsByLayer.get(layer) ?? []), a.message]);
      }
    }
    const band = this.gBands.selectAll<SVGGElement, (typeof layers)[number]>('g.band').data(layers, (d) => d.id).join((enter) => {
      const g = enter.append('g').attr('class', 'band');
      g.append('rect').attr('class', 'bg');
      g.append('text').attr('class', 'title');
      g.append('text').attr('class', 'alert');
      return g;
    });
    band.attr('data-layer', (d) => d.id);
    band.select('rect.bg').attr('x', 0).attr('width', W).attr('y', (d) => this.bandY.get(d.id)!.y).attr('height', (d) => this.bandY.get(d.id)!.h);
    band.select('text.title').attr('x', 10).attr('y', (d) => this.bandY.get(d.id)!.y + 20).text((d) => `${d.title} (${d.count})`);
    band.select('text.alert').attr('x', 10).attr('y', (d) => this.bandY.get(d.id)!.y + 38).text((d) => (alertsByLayer.get(d.id) ?? []).map((m) => '⚠ ' + m).join('  ').slice(0, 120));

    const visible = [...this.nodes.values()].filter((n) => n.visible);
    const edges = [...this.edges.values()].filter((e) => this.nodes.get(e.from)?.visible && this.nodes.get(e.to)?.visible);
    this.gEdges
      .selectAll<SVGPathElement, MapEdge>('path.edge')
      .data(edges, edgeKey)
      .join((enter) => enter.append('path').call((p) => p.append('title')))
      .attr('class', (e) => `edge ${e.kind}${this.pathEdges.has(edgeKey(e)) ? ' on-path' : ''}`)
      .attr('d', (e) => {
        const a = this.nodes.get(e.from)!, b = this.nodes.get(e.to)!;
        const x1 = a.x + NW / 2, y1 = a.y + NH, x2 = b.x + NW / 2, y2 = b.y;
        const my = (y1 + y2) / 2;
        return `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`;
      })
      .select('title')
      .text((e) => `${e.kind}${e.confidence ? ` (${e.confidence})` : ''}: ${e.evidence ?? ''}`);

    const node = this.gNodes
      .selectAll<SVGGElement, NodeState>('g.node')
      .data(visible, (d) => d.id)
      .join((enter) => {
        const g = enter.append('g').attr('tabindex', '-1');
        g.append('rect').attr('width', NW).attr('height', NH);
        g.append('text').attr('class', 'label').attr('x', 6).attr('y', 16);
        g.append('text').attr('class', 'badge').attr('x', 6).attr('y', NH + 10);
        g.on('click', (ev: MouseEvent, d) => this.clickNode(d, ev.shiftKey));
        g.on('dblclick', (ev: MouseEvent, d) => {
          ev.stopPropagation();
          this.openNode(d.id);
        });
        g.on('mouseenter', (ev: MouseEvent, d) => this.showTooltip(ev, d));
        g.on('mousemove', (ev: MouseEvent) => this.moveTooltip(ev));
        g.on('mouseleave', () => (this.tooltip.style.display = 'none'));
        return g;
      });
    node
      .attr('class', (d) => this.nodeClass(d))
      .attr('data-id', (d) => d.id)
      .attr('data-label', (d) => d.label)
      .attr('transform', (d) => `translate(${d.x},${d.y})`);
    node.select('text.label').text((d) => (d.kind === 'ops' ? '▤ ' : d.kind === 'struct' ? '◆ ' : d.kind === 'inetsw' ? '⇄ ' : '') + clip(d.label, 24));
    this.renderLive();
  }

  private nodeClass(d: NodeState): string {
    const alerted = this.live?.alerts.some((a) => a.nodeId === d.id);
    return `node ${d.kind}${d.id === this.selected ? ' selected' : ''}${this.pathNodes.has(d.id) ? ' on-path' : ''}${this.matches.has(d.id) ? ' match' : ''}${alerted ? ' alerted' : ''}`;
  }

  private renderLive(): void {
    this.setBanner();
    const live = this.live;
    const sel = this.gNodes.selectAll<SVGGElement, NodeState>('g.node');
    sel.attr('class', (d) => this.nodeClass(d));
    sel
      .select<SVGTextElement>('text.badge')
      .text((d) => {
        if (!d.counters?.length) return '';
        if (!live || !live.available) return `${d.counters[0]}: n/a`;
        const b = topBadge(live.badges[d.id]);
        if (!b) return `${d.counters[0]}: –`;
        return `${b.counter} ${fmtNum(b.value)}${b.rate === null ? '' : ` +${fmtNum(Math.round(b.rate * 10) / 10)}/s`}`;
      })
      .attr('class', (d) => {
        if (!d.counters?.length) return 'badge';
        const b = live?.available ? topBadge(live.badges[d.id]) : undefined;
        if (!b) return 'badge na';
        const r = b.rate ?? 0;
        return `badge ${r <= 0 ? '' : r < 10 ? 'rate-low' : r < 1000 ? 'rate-mid' : 'rate-high'}`;
      });
  }

  // ── interaction ───────────────────────────────────────────────────────────
  private clickNode(d: NodeState, callers: boolean): void {
    this.select(d.id);
    if (d.kind === 'ops' || d.kind === 'inetsw') {
      // an ops table: its members (the functions it binds) appear in their bands
      const reveal = [...this.edges.values()].filter((e) => e.from === d.id).map((e) => e.to);
      for (const id of reveal) {
        const n = this.nodes.get(id);
        if (n && !n.visible) {
          n.visible = true;
          n.order = this.order++;
        }
      }
      d.expanded = true;
      this.render();
      return;
    }
    if (d.kind === 'function') this.host.post({ type: 'map/expand', id: this.nextId++, nodeId: d.id, fn: d.label, direction: callers ? 'callers' : 'callees' });
  }

  private openNode(id: string): void {
    const n = this.nodes.get(id);
    if (n) this.host.post({ type: 'map/open', id: this.nextId++, file: n.file, line: n.line });
  }

  private select(id: string | undefined): void {
    this.selected = id;
    this.gNodes.selectAll<SVGGElement, NodeState>('g.node').attr('class', (d) => this.nodeClass(d));
  }

  private focusNode(id: string): void {
    const n = this.nodes.get(id);
    if (!n) return;
    if (!n.visible) {
      n.visible = true;
      n.order = this.order++;
      this.render();
    }
    this.select(id);
    const box = (this.svg.node() as SVGSVGElement).getBoundingClientRect();
    const k = 1.2;
    this.svg.call(this.zoomer.transform, zoomIdentity.translate(box.width / 2 - (n.x + NW / 2) * k, box.height / 2 - (n.y + NH / 2) * k).scale(k));
  }

  private search(q: string): void {
    this.matches.clear();
    const s = q.trim().toLowerCase();
    if (s.length >= 2) {
      for (const n of this.nodes.values()) {
        if (n.label.toLowerCase().includes(s)) {
          this.matches.add(n.id);
          if (this.matches.size >= 200) break;
        }
      }
      for (const id of this.matches) {
        const n = this.nodes.get(id)!;
        if (!n.visible) {
          n.visible = true;
          n.order = this.order++;
        }
      }
    }
    this.status.textContent = s ? `${this.matches.size} matches` : '';
    this.render();
  }

  private showPath(title: string, found: boolean, nodes: MapNode[], edges: MapEdge[], message?: string): void {
    this.merge(nodes, edges, true);
    this.pathNodes = new Set(nodes.map((n) => n.id));
    this.pathEdges = new Set(edges.map(edgeKey));
    this.svg.classed('path-mode', true);
    this.status.textContent = found ? `${title}: ${nodes.length} functions, ${new Set(nodes.map((n) => n.layer)).size} layers` : `${title}: ${message ?? 'no path'}`;
    this.status.dataset.path = found ? 'found' : 'missing';
    this.render();
  }

  private clearPath(): void {
    this.pathNodes.clear();
    this.pathEdges.clear();
    this.svg.classed('path-mode', false);
    this.presetSelect.value = '';
    this.status.textContent = '';
    delete this.status.dataset.path;
    this.render();
  }

  private key(e: KeyboardEvent, search: HTMLInputElement): void {
    const cur = this.selected ? this.nodes.get(this.selected) : undefined;
    const dirs: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (dirs[e.key]) {
      e.preventDefault();
      const [dx, dy] = dirs[e.key];
      const vis = [...this.nodes.values()].filter((n) => n.visible);
      if (!cur) {
        if (vis[0]) this.focusNode(vis[0].id);
        return;
      }
      let best: NodeState | undefined, bestD = Infinity;
      for (const n of vis) {
        const vx = n.x - cur.x, vy = n.y - cur.y;
        const along = vx * dx + vy * dy;
        if (along <= 0) continue;
        const d = along + 3 * Math.abs(vx * dy - vy * dx);
        if (d < bestD) {
          bestD = d;
          best = n;
        }
      }
      if (best) this.focusNode(best.id);
    } else if (e.key === 'Enter' && cur) this.openNode(cur.id);
    else if (e.key === ' ' && cur) {
      e.preventDefault();
      this.clickNode(cur, e.shiftKey);
    } else if (e.key === '+' || e.key === '=') this.svg.call(this.zoomer.scaleBy, 1.25);
    else if (e.key === '-') this.svg.call(this.zoomer.scaleBy, 0.8);
    else if (e.key === 'Escape') this.clearPath();
    else if (e.key === '/') {
      e.preventDefault();
      search.focus();
    }
  }

  fit(): void {
    const box = (this.svg.node() as SVGSVGElement).getBoundingClientRect();
    let h = 0;
    for (const b of this.bandY.values()) h = Math.max(h, b.y + b.h);
    if (!box.width || !h) return;
    const k = Math.min(box.width / W, box.height / h, 1);
    this.svg.call(this.zoomer.transform, zoomIdentity.translate((box.width - W * k) / 2, 4).scale(k));
  }

  private showTooltip(ev: MouseEvent, d: NodeState): void {
    const t = this.tooltip;
    t.innerHTML = '';
    const head = document.createElement('b');
    head.textContent = d.label;
    t.append(head, document.createTextNode(`\n${d.file}:${d.line}\n${d.detail}`));
    for (const a of this.live?.alerts ?? []) if (a.nodeId === d.id) t.append(document.createTextNode(`\n⚠ ${a.message}`));
    if (d.counters?.length) {
      if (!this.live?.available) t.append(document.createTextNode(`\ncounters: ${d.counters.join(', ')} — live values unavailable`));
      for (const b of this.live?.available ? this.live.badges[d.id] ?? [] : []) {
        t.append(document.createTextNode(`\n${b.counter} ${fmtNum(b.value)}${b.rate === null ? '' : ` (+${fmtNum(Math.round(b.rate * 10) / 10)}/s)`} `));
        const hist = this.live?.history[b.counter];
        if (hist?.length) t.append(sparkline(hist));
      }
    }
    t.style.display = 'block';
    this.moveTooltip(ev);
  }

  private moveTooltip(ev: MouseEvent): void {
    const parent = this.tooltip.parentElement!.getBoundingClientRect();
    this.tooltip.style.left = `${Math.min(ev.clientX - parent.left + 14, parent.width - 300)}px`;
    this.tooltip.style.top = `${ev.clientY - parent.top + 14}px`;
  }

  private showSource(file: string, line: number, text: string | null): void {
    const p = this.sourcePane;
    p.innerHTML = '';
    p.classList.add('shown');
    const title = document.createElement('div');
    title.className = 'toolbar';
    title.append(document.createTextNode(`${file}:${line}`), button('Close', () => p.classList.remove('shown')));
    const pre = document.createElement('pre');
    if (text === null) pre.textContent = 'source not readable';
    else {
      const lines = text.split('\n');
      lines.forEach((l, i) => {
        const s = document.createElement('span');
        s.textContent = `${String(i + 1).padStart(5)}  ${l}\n`;
        if (i + 1 === line) s.className = 'hl';
        pre.append(s);
      });
    }
    p.append(title, pre);
    pre.querySelector('.hl')?.scrollIntoView({ block: 'center' });
  }

  /** A standalone SVG of the current map, with the theme colours resolved. */
  exportSvg(): string {
    const svg = this.svg.node() as SVGSVGElement;
    const clone = svg.cloneNode(true) as SVGSVGElement;
    const cs = getComputedStyle(document.documentElement);
    const v = (name: string) => cs.getPropertyValue(name).trim() || '#888';
    const style = document.createElementNS('http://www.w3.org/2000/svg', 'style');
    style.textContent = `svg{background:${v('--bg')};font-family:sans-serif}.band rect.bg{fill:${v('--fg')};fill-opacity:.05;stroke:${v('--border')}}.band text{fill:${v('--muted')};font-size:13px}.node rect{fill:${v('--node')};stroke:${v('--border')}}.node text{fill:${v('--fg')};font-size:11px}.node text.badge{font-size:10px;fill:${v('--muted')}}.node.on-path rect{stroke:${v('--path')};stroke-width:2.5}.edge{fill:none;stroke:${v('--muted')};stroke-opacity:.5}.edge.ops,.edge.hint,.edge.callback{stroke-dasharray:5 3}.edge.member,.edge.registers{stroke-dasharray:1 3}.edge.on-path{stroke:${v('--path')};stroke-width:2.5;stroke-opacity:1}`;
    clone.insertBefore(style, clone.firstChild);
    let h = 0;
    for (const b of this.bandY.values()) h = Math.max(h, b.y + b.h);
    clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
    clone.setAttribute('viewBox', `0 0 ${W} ${h}`);
    clone.setAttribute('width', String(W));
    clone.setAttribute('height', String(h));
    clone.querySelector('g.viewport')?.removeAttribute('transform');
    return new XMLSerializer().serializeToString(clone);
  }
}

/** The badge a node shows: its fastest-moving counter (the first when none moves). */
function topBadge(badges: LiveSample['badges'][string] | undefined): LiveSample['badges'][string][number] | undefined {
  if (!badges?.length) return undefined;
  return badges.reduce((a, b) => ((b.rate ?? 0) > (a.rate ?? 0) ? b : a));
}

function div(cls: string): HTMLDivElement {
  const d = document.createElement('div');
  d.className = cls;
  return d;
}
function button(text: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}
function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
function sparkline(values: number[]): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', '120');
  svg.setAttribute('height', '18');
  const max = Math.max(1e-9, ...values);
  const pts = values.map((v, i) => `${(i / Math.max(1, values.length - 1)) * 118 + 1},${17 - (v / max) * 16}`).join(' ');
  const pl = document.createElementNS(ns, 'polyline');
  pl.setAttribute('points', pts);
  pl.setAttribute('class', 'spark');
  svg.append(pl);
  return svg;
}

// ── boot ─────────────────────────────────────────────────────────────────────
function boot(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const host = window.__nsaHost ?? (typeof acquireVsCodeApi === 'function' ? vscodeHost() : httpHost());
  const view = new MapView(app, host);
  window.__nsaMap = view;
  host.listen((m) => view.receive(m));
  window.addEventListener('resize', () => view.fit());
  host.post({ type: 'map/ready' });
}
boot();

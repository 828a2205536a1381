// The layer map: six bands (system calls → drivers) × subsystem columns. This file is the interaction
// and the message handling; layout (webview/layout), drawing (render.ts), live heat and the run-time
// overlay (live.ts), what is shown (state.ts) and deep links (deeplink.ts) are their own modules.
// Click expands callees (shift: callers; again: collapse) or an ops table's members; a "+N more"
// bundle opens on click; double-click/Enter opens the source; presets and Trace via light a path.
import './map.css';
import { select, zoom, zoomIdentity, type ZoomBehavior, type Selection } from 'd3';
import type { LiveSample, MapModel, MapNode, RuntimeOverlay, RuntimeStatus, ToWebview } from '../src/core/map/protocol.ts';
import { MapState, type ViewNode } from './state.ts';
import type { LayoutResult } from './layout/layout.ts';
import { LayoutMemo } from './layout/memo.ts';
import { fitView, FIT_MARGIN, NODE_H } from './layout/geometry.ts';
import { Renderer, ZOOM_CLASSES, writeClasses, zoomClasses } from './render.ts';
import { badgeShort, badgeText, drawMarkers, heatOf, fmtNum } from './live.ts';
import { observedEdges, overlayReveal } from './runtimeReveal.ts';
import { formatDeepLink, parseDeepLink, type DeepLink } from './deeplink.ts';
import { hasVsCodeApi, httpHost, vscodeHost, type Host } from './host.ts';

declare global {
  interface Window {
    __nsaHost?: Host;
    __nsaMap?: MapView;
  }
}

const LAYER_TITLES: Record<string, string> = {};

export class MapView {
  readonly state = new MapState();
  private nextId = 1;
  private selected: string | undefined;
  private matches = new Set<string>();
  private live: LiveSample | undefined;
  private runtime: RuntimeOverlay | undefined;
  private runtimeStatus: RuntimeStatus | undefined;
  /** The recording's observed edges by `from>to`. */
  private observed = new Map<string, RuntimeOverlay['edges'][number]>();
  /** The last message a recording status put in the toolbar. */
  private runtimeSaid = '';
  private pinned: Record<string, { x: number; y: number }> = {};
  private layout: LayoutResult | undefined;
  private readonly layouts = new LayoutMemo();
  private pendingFocus = new Map<number, string>();
  private pendingExpand = new Map<number, 'callees' | 'callers'>();
  private pathFaded = true;
  private link: DeepLink | undefined;
  private readonly svg: Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly renderer: Renderer;
  private readonly zoomer: ZoomBehavior<SVGSVGElement, unknown>;
  private readonly tooltip: HTMLDivElement;
  private readonly overlay: HTMLDivElement;
  private readonly banner: HTMLDivElement;
  private readonly status: HTMLSpanElement;
  private readonly presetSelect: HTMLSelectElement;
  private readonly sourcePane: HTMLDivElement;
  private readonly runtimePanel: HTMLDivElement;
  private readonly recordButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  firstPaintMs: number | undefined;
  /** The last render: layout and drawing time, and the layout's steps (bench). */
  timings: { layoutMs: number; drawMs: number; frameMs?: number; steps: { name: string; ms: number }[] } | undefined;
  /** The last one-line message (tests read it). */
  message = '';

  constructor(el: HTMLElement, private readonly host: Host) {
    el.innerHTML = '';
    const bar = div('toolbar');
    const search = input('search', 'Search functions, ops, structs…  ( / )', 'Search the map');
    this.presetSelect = document.createElement('select');
    this.presetSelect.setAttribute('aria-label', 'Trace a path');
    this.presetSelect.className = 'preset';
    const via = input('trace', 'Trace: from,via,to', 'Trace from, via, to');
    via.className = 'trace';
    const depth = input('depth', '', 'Depth limit');
    depth.type = 'number';
    depth.min = '1';
    depth.max = '60';
    depth.value = '12';
    depth.className = 'depth';
    via.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      const parts = via.value.split(',').map((s) => s.trim()).filter(Boolean);
      if (parts.length < 2 || parts.length > 3) return this.say('Trace via: give from,to or from,via,to');
      this.traceVia(parts[0], parts.length === 3 ? parts[1] : null, parts[parts.length - 1], Number(depth.value) || 12);
    });
    const clear = button('Clear path', () => this.clearPath());
    const fade = button('Fade others', () => {
      this.pathFaded = !this.pathFaded;
      this.svg.classed('path-faded', this.pathFaded && this.state.pathNodes.length > 0);
    });
    fade.className = 'fade-toggle';
    const fit = button('Fit', () => this.fit());
    fit.className = 'fit';
    const reset = button('Reset layout', () => {
      this.pinned = {};
      this.saveState();
      this.render(true);
    });
    const open = button('Open source', () => this.selected && this.openNode(this.selected));
    open.className = 'open-source';
    const copy = button('Copy link', () => void this.copyLink());
    copy.className = 'copy-link';
    const svgB = button('SVG', () => void this.exportAs('svg').catch((e) => this.say(`export failed: ${e instanceof Error ? e.message : String(e)}`)));
    svgB.className = 'export-svg';
    const pngB = button('PNG', () => void this.exportAs('png').catch((e) => this.say(`export failed: ${e instanceof Error ? e.message : String(e)}`)));
    pngB.className = 'export-png';
    this.recordButton = button('Record 10 s', () => this.host.post({ type: 'runtime/record', id: this.nextId++, seconds: 10, mode: 'both' }));
    this.recordButton.className = 'record';
    this.stopButton = button('Stop', () => this.host.post({ type: 'runtime/stop', id: this.nextId++ }));
    this.stopButton.className = 'stop';
    this.stopButton.hidden = true;
    this.status = document.createElement('span');
    this.status.className = 'status';
    const legend = document.createElement('span');
    legend.className = 'legend';
    legend.innerHTML = '<span class="heat-key"><i class="h1"></i><i class="h2"></i><i class="h3"></i><i class="h4"></i> rate</span> click: expand/collapse · shift: callers · dbl: source · drag: move';
    bar.append(search, this.presetSelect, via, depth, clear, fade, fit, reset, open, copy, svgB, pngB, this.recordButton, this.stopButton, legend, this.status);
    this.banner = div('banner');
    const main = div('main');
    this.overlay = div('overlay');
    this.overlay.innerHTML = '<div class="msg">Waiting for the index…</div><progress max="1" value="0"></progress>';
    this.tooltip = div('tooltip');
    this.sourcePane = div('source');
    this.runtimePanel = div('runtime-panel');
    main.append(this.overlay, this.tooltip);
    el.append(bar, this.banner, main);
    this.svg = select(main).append('svg').attr('class', 'map path-faded').attr('tabindex', '0').attr('role', 'application').attr('aria-label', 'Network stack layer map');
    main.append(this.runtimePanel, this.sourcePane);
    const root = this.svg.append('g').attr('class', 'viewport');
    this.renderer = new Renderer(root, {
      nodeClass: (d) => this.nodeClass(d),
      onNode: (g) => this.bindNode(g),
      onEdge: () => {},
      edgeClass: (e) => {
        const rt = this.runtime;
        if (!rt) return '';
        return `${this.observed.has(`${e.from}>${e.to}`) ? ' observed' : ''}${isHotEdge(rt.hotPath, e.from, e.to) ? ' hot' : ''}`;
      },
      edgeSamples: (e) => (this.observed.size ? this.observed.get(`${e.from}>${e.to}`)?.samples ?? null : null),
    });
    this.zoomer = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.05, 6])
      // a press on a node drags the node, not the map
      .filter((ev: Event) => ev.type !== 'dblclick' && (ev.type === 'wheel' || !(ev.target instanceof Element && ev.target.closest('g.node'))))
      .on('zoom', (ev) => {
        root.attr('transform', ev.transform.toString());
        this.svg.attr('data-zoom', ev.transform.k.toFixed(3));
        for (const c of ZOOM_CLASSES) this.svg.classed(c, false);
        for (const c of zoomClasses(ev.transform.k).split(' ')) if (c) this.svg.classed(c, true);
        this.saveState({ t: [ev.transform.x, ev.transform.y, ev.transform.k] });
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
      if (v) this.tracePreset(v);
      else this.clearPath();
    });
    this.svg.on('keydown', (e: KeyboardEvent) => this.key(e, search));
    document.addEventListener('keydown', (e) => {
      if (e.key === '/' && document.activeElement !== search && !(document.activeElement instanceof HTMLInputElement)) {
        e.preventDefault();
        search.focus();
      }
    });
    window.addEventListener('error', (e) => this.host.post({ type: 'map/log', level: 'error', message: String(e.message) }));
    window.addEventListener('hashchange', () => this.applyLink(location.hash));
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
      case 'map/expanded': {
        const dir = this.pendingExpand.get(m.id) ?? (m.edges.some((e) => e.to === m.nodeId) ? 'callers' : 'callees');
        this.pendingExpand.delete(m.id);
        const r = this.state.expand(m.nodeId, dir, m.nodes, m.edges);
        this.say(`${this.state.nodes.get(m.nodeId)?.label ?? m.nodeId}: ${r.revealed.length} shown${r.bundled ? `, ${r.bundled} in a "+${r.bundled} more" bundle` : ''}`);
        this.render(true);
        return;
      }
      case 'map/path': {
        const focus = m.id !== null ? this.pendingFocus.get(m.id) : undefined;
        if (focus) {
          this.pendingFocus.delete(m.id!);
          if (m.nodes.length) {
            this.state.merge(m.nodes, [], true);
            this.render(true);
            this.focusNode(m.nodes[0].id);
          } else this.say(`deep link: ${m.message ?? `no function ${focus} in this tree`}`);
          return;
        }
        this.showPath(m.title, m.found, m.nodes, m.edges, m.message);
        return;
      }
      case 'map/source':
        this.showSource(m.file, m.line, m.text);
        return;
      case 'map/exportSvg':
        if (m.format === 'png') void this.pngBase64().then((png) => this.host.post({ type: 'map/png', id: m.id, png }));
        else this.host.post({ type: 'map/svg', id: m.id, svg: this.exportSvg() });
        return;
      case 'map/link':
        this.applyLink(m.link);
        return;
      case 'live/sample':
        this.live = m;
        this.renderLive();
        return;
      case 'runtime/status':
        this.runtimeStatus = m;
        this.renderRuntimeStatus();
        return;
      case 'runtime/overlay':
        this.runtime = m;
        this.observed = new Map(m.edges.map((e) => [`${e.from}>${e.to}`, e]));
        this.state.merge(m.nodes, observedEdges(m), false);
        for (const id of overlayReveal(m)) this.state.show(id);
        this.render(true);
        return;
    }
  }

  private init(model: MapModel): void {
    const t0 = performance.now();
    for (const l of model.layers) LAYER_TITLES[l.id] = `${l.title} (${l.count})`;
    this.state.init(model);
    this.runtime = undefined;
    this.observed = new Map();
    this.pinned = this.host.state<{ pinned?: Record<string, { x: number; y: number }> }>()?.pinned ?? {};
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
    this.render(false);
    const st = this.host.state<{ t?: [number, number, number] }>();
    if (st?.t) this.svg.call(this.zoomer.transform, zoomIdentity.translate(st.t[0], st.t[1]).scale(st.t[2]));
    else this.fit();
    if (location.hash) this.applyLink(location.hash);
    requestAnimationFrame(() => {
      this.firstPaintMs = performance.now() - t0;
      document.body.dataset.ready = 'true';
    });
  }

  private setBanner(): void {
    const notes = [...(this.state.model?.notes ?? [])];
    if (this.live && !this.live.available) notes.push(`Live counters unavailable: ${this.live.reason ?? 'no source'}`);
    for (const n of this.runtime?.notes ?? []) notes.push(n);
    this.banner.textContent = notes.join(' · ');
    this.banner.classList.toggle('shown', notes.length > 0);
  }

  // ── layout and drawing ────────────────────────────────────────────────────
  private viewport(): { width: number; height: number } {
    const box = (this.svg.node() as SVGSVGElement).getBoundingClientRect();
    return { width: box.width || 1200, height: box.height || 800 };
  }

  render(animate = false): void {
    if (!this.state.model) return;
    const vp = this.viewport();
    const t0 = performance.now();
    const edges = this.state.visibleEdges();
    this.layout = this.layouts.layout(this.state.layoutInput({ view: vp, pinned: this.pinned, edges }));
    const t1 = performance.now();
    const notes = new Map<string, string>();
    for (const a of this.live?.alerts ?? []) {
      const n = this.state.nodes.get(a.nodeId);
      if (!n || !n.visible) notes.set(n?.layer ?? 'device', `⚠ ${a.message}`.slice(0, 120));
    }
    this.renderer.draw(this.state, this.layout, animate, new Map(Object.entries(LAYER_TITLES)), notes, edges);
    this.svg.classed('path-faded', this.pathFaded && this.state.pathNodes.length > 0);
    this.renderLive(false);
    this.renderRuntimeEdges();
    const timings: MapView['timings'] = { layoutMs: t1 - t0, drawMs: performance.now() - t1, steps: this.layout.steps };
    this.timings = timings;
    // until the first frame after it is on screen (style, layout and paint of what was written)
    requestAnimationFrame(() => setTimeout(() => (timings!.frameMs = performance.now() - t0), 0));
  }

  private nodeClass(d: ViewNode): string {
    const alerted = this.live?.alerts.some((a) => a.nodeId === d.id);
    const heat = heatOf(d, this.live, this.runtime);
    const hot = this.runtime?.hotPath.includes(d.id);
    return `node ${d.kind}${d.id === this.selected ? ' selected' : ''}${this.state.pathNodes.includes(d.id) ? ' on-path' : ''}${this.matches.has(d.id) ? ' match' : ''}${alerted ? ' alerted' : ''}${heat ? ` heat-${heat}` : ''}${hot ? ' hot' : ''}${this.state.expanded.has(d.id) ? ' expanded' : ''}${this.pinned[d.id] ? ' pinned' : ''}`;
  }

  /** Heat classes, badges, markers and the banner; `classes` off when a render just wrote them. */
  private renderLive(classes = true): void {
    this.setBanner();
    if (classes) writeClasses(this.renderer.gNodes.selectAll<SVGGElement, ViewNode>('g.node'), (d) => this.nodeClass(d));
    // counter badges, and "3.2 % CPU" on the nodes a recording heats
    this.renderer.drawBadges((d) => ({ text: badgeText(d, this.live, this.runtime), short: badgeShort(d, this.live, this.runtime) }));
    drawMarkers(this.renderer.gMarks, this.live, this.runtime, (id) => this.layout?.boxes.get(id));
  }

  private renderRuntimeStatus(): void {
    const s = this.runtimeStatus;
    if (!s) return;
    const busy = s.state === 'recording' || s.state === 'analysing';
    this.recordButton.disabled = busy;
    this.stopButton.hidden = s.state !== 'recording';
    this.recordButton.textContent = s.state === 'recording' ? `Recording ${s.elapsed}/${s.seconds} s · ${fmtNum(s.events)} events` : s.state === 'analysing' ? 'Analysing…' : 'Record 10 s';
    // a recording's note ("starting perf…") goes when the recording moves on: the button counts from there
    if (s.message) this.say((this.runtimeSaid = s.message));
    else if (s.state === 'recording' && this.runtimeSaid && this.message === this.runtimeSaid) this.say('');
  }

  /** Observed edges thick with their sample count (their classes come with the render's: the
   *  renderer asks edgeClass), static edges never observed faded, unexplained calls dashed (drawn on
   *  top) and listed in a panel. */
  private renderRuntimeEdges(): void {
    const rt = this.runtime;
    this.svg.classed('runtime', !!rt);
    const layout = this.layout;
    const extra = (rt?.edges ?? []).filter((e) => e.static === null && layout?.boxes.has(e.from) && layout.boxes.has(e.to));
    this.renderer.gMarks.selectAll<SVGPathElement, (typeof extra)[number]>('path.unexplained').data(extra, (e) => `${e.from}>${e.to}`).join('path')
      .attr('class', 'unexplained')
      .attr('data-from', (e) => e.from)
      .attr('data-to', (e) => e.to)
      .attr('d', (e) => {
        const a = layout!.boxes.get(e.from)!, b = layout!.boxes.get(e.to)!;
        return `M${a.x + a.w / 2},${a.y + NODE_H} L${b.x + b.w / 2},${b.y}`;
      });
    this.runtimePanel.classList.toggle('shown', !!rt);
    if (!rt) return;
    const un = rt.edges.filter((e) => e.static === null);
    const name = (id: string) => this.state.nodes.get(id)?.label ?? id.replace(/^fn:/, '');
    this.runtimePanel.innerHTML = '';
    const h = document.createElement('b');
    h.textContent = `Run-time path: ${rt.samples} samples in ${rt.seconds} s (${rt.kernelRelease})`;
    const hot = document.createElement('div');
    hot.className = 'hot-path';
    hot.textContent = rt.hotPath.map(name).join(' → ');
    const list = document.createElement('ul');
    list.className = 'unexplained-list';
    for (const e of un) {
      const li = document.createElement('li');
      li.textContent = `${name(e.from)} → ${name(e.to)}: ${e.samples} samples, no static edge`;
      list.append(li);
    }
    const t = document.createElement('div');
    t.textContent = un.length ? `${un.length} observed calls the static graph does not explain:` : 'every observed call is explained by the static graph';
    this.runtimePanel.append(h, hot, t, list);
  }

  // ── interaction ───────────────────────────────────────────────────────────
  private bindNode(g: Selection<SVGGElement, ViewNode, SVGGElement, unknown>): void {
    let drag: { x: number; y: number; moved: boolean; box: { x: number; y: number } } | undefined;
    g.on('click', (ev: MouseEvent, d) => {
      if (drag?.moved) return;
      this.clickNode(d, ev.shiftKey);
    });
    g.on('dblclick', (ev: MouseEvent, d) => {
      ev.stopPropagation();
      this.openNode(d.id);
    });
    g.on('mouseenter', (ev: MouseEvent, d) => this.showTooltip(ev, d));
    g.on('mousemove', (ev: MouseEvent) => this.moveTooltip(ev));
    g.on('mouseleave', () => (this.tooltip.style.display = 'none'));
    // a drag moves a node and pins it where it is dropped (until Reset layout); a press that does not
    // move is a click (expand / collapse)
    g.on('pointerdown', (ev: PointerEvent, d) => {
      if (ev.button !== 0) return;
      const b = this.layout?.boxes.get(d.id);
      if (!b) return;
      ev.stopPropagation();
      (ev.currentTarget as Element).setPointerCapture?.(ev.pointerId);
      drag = { x: ev.clientX, y: ev.clientY, moved: false, box: { x: b.x, y: b.y } };
    });
    g.on('pointermove', (ev: PointerEvent, d) => {
      if (!drag || !(ev.buttons & 1)) return;
      const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) <= 3 && Math.abs(dy) <= 3) return;
      drag.moved = true;
      const k = Number(this.svg.attr('data-zoom') ?? 1);
      // the node and its edges follow the pointer
      select(ev.currentTarget as SVGGElement).classed('dragging', true);
      this.renderer.motion.drag(d.id, drag.box.x + dx / k, drag.box.y + dy / k);
    });
    g.on('pointerup', (ev: PointerEvent, d) => {
      if (!drag) return;
      const k = Number(this.svg.attr('data-zoom') ?? 1);
      if (drag.moved) {
        this.pinned[d.id] = { x: Math.round(drag.box.x + (ev.clientX - drag.x) / k), y: Math.round(drag.box.y + (ev.clientY - drag.y) / k) };
        select(ev.currentTarget as SVGGElement).classed('dragging', false);
        this.saveState();
        this.render(true);
      }
      // the click that follows a drag is not a click
      const was = drag;
      setTimeout(() => {
        if (drag === was) drag = undefined;
      }, 0);
    });
  }

  private saveState(extra: object = {}): void {
    this.host.setState({ ...(this.host.state<object>() ?? {}), pinned: this.pinned, ...extra });
  }

  private clickNode(d: ViewNode, callers: boolean): void {
    this.select(d.id);
    if (d.kind === 'bundle') {
      const shown = this.state.openBundle(d.id);
      this.say(`${shown.length} more shown`);
      this.render(true);
      return;
    }
    if (this.state.expanded.has(d.id)) {
      this.state.collapse(d.id);
      this.render(true);
      return;
    }
    if (d.kind === 'ops' || d.kind === 'inetsw') {
      // a table: its members (the functions it binds) appear in their bands
      const members = [...this.state.edges.values()].filter((e) => e.from === d.id).map((e) => this.state.nodes.get(e.to)).filter((n): n is ViewNode => !!n);
      this.state.expand(d.id, 'callees', members, []);
      this.render(true);
      return;
    }
    if (d.kind === 'function') {
      const id = this.nextId++;
      this.pendingExpand.set(id, callers ? 'callers' : 'callees');
      this.host.post({ type: 'map/expand', id, nodeId: d.id, fn: d.label, direction: callers ? 'callers' : 'callees' });
    }
  }

  private openNode(id: string): void {
    const n = this.state.nodes.get(id);
    if (n && n.kind !== 'bundle') this.host.post({ type: 'map/open', id: this.nextId++, file: n.file, line: n.line });
  }

  private select(id: string | undefined): void {
    this.selected = id;
    writeClasses(this.renderer.gNodes.selectAll<SVGGElement, ViewNode>('g.node'), (d) => this.nodeClass(d));
  }

  focusNode(id: string): void {
    const n = this.state.nodes.get(id);
    if (!n) return;
    if (!n.visible) {
      n.visible = true;
      this.render(true);
    }
    this.select(id);
    const b = this.layout?.boxes.get(id);
    if (!b) return;
    const vp = this.viewport();
    const k = 1.3;
    this.svg.call(this.zoomer.transform, zoomIdentity.translate(vp.width / 2 - (b.x + b.w / 2) * k, vp.height / 2 - (b.y + b.h / 2) * k).scale(k));
  }

  private search(q: string): void {
    this.matches.clear();
    const s = q.trim().toLowerCase();
    if (s.length >= 2) {
      for (const n of this.state.nodes.values()) {
        if (n.kind !== 'bundle' && n.label.toLowerCase().includes(s)) {
          this.matches.add(n.id);
          if (this.matches.size >= 200) break;
        }
      }
      for (const id of this.matches) this.state.show(id);
    }
    this.status.textContent = s ? `${this.matches.size} matches` : '';
    this.render(true);
  }

  private tracePreset(preset: string): void {
    this.link = { kind: 'preset', preset };
    this.host.post({ type: 'map/trace', id: this.nextId++, preset });
  }

  private traceVia(from: string, via: string | null, to: string, depth: number): void {
    this.link = { kind: 'trace', from, ...(via ? { via } : {}), to, depth };
    this.host.post({ type: 'map/traceVia', id: this.nextId++, from, via, to, depth });
  }

  private showPath(title: string, found: boolean, nodes: MapNode[], edges: import('../src/core/map/protocol.ts').MapEdge[], message?: string): void {
    this.state.setPath(nodes, edges);
    const layers = new Set(nodes.map((n) => n.layer)).size;
    const text = found ? `${title}: ${nodes.length} functions, ${layers} layers${message ? ` (${message})` : ''}` : `${title}: ${message ?? 'no path'}${nodes.length ? ` — ${nodes.length} functions lit` : ''}`;
    this.status.textContent = text;
    this.message = text;
    this.status.dataset.path = found ? 'found' : 'missing';
    this.render(true);
    if (nodes.length) this.fit();
  }

  private clearPath(): void {
    this.state.clearPath();
    this.link = undefined;
    this.presetSelect.value = '';
    this.status.textContent = '';
    delete this.status.dataset.path;
    this.render(true);
  }

  /** A deep link: `#focus=fn`, `#path=preset`, `#path=from,via,to`. A bad one says why in one line. */
  applyLink(hash: string): void {
    const l = parseDeepLink(hash);
    if (!l) return;
    if ('error' in l) return this.say(l.error);
    if (!this.state.model) return;
    if (l.kind === 'focus') {
      this.link = l;
      const id = `fn:${l.fn}`;
      if (this.state.nodes.has(id)) return this.focusNode(id);
      // not on the map yet: the host places it (a one-function trace), or says it is unknown
      const rid = this.nextId++;
      this.pendingFocus.set(rid, l.fn);
      this.host.post({ type: 'map/traceVia', id: rid, from: l.fn, via: null, to: l.fn, depth: 1 });
    } else if (l.kind === 'preset') {
      if (!this.state.model.presets.some((p) => p.id === l.preset)) return this.say(`deep link: unknown preset "${l.preset}" (presets: ${this.state.model.presets.map((p) => p.id).join(', ')})`);
      this.presetSelect.value = l.preset;
      this.tracePreset(l.preset);
    } else this.traceVia(l.from, l.via ?? null, l.to, l.depth ?? 40);
  }

  private say(text: string): void {
    this.message = text;
    this.status.textContent = text;
  }

  /** The link to this view: the serve URL with its fragment, or the fragment Open Stack Map takes. */
  currentLink(): string {
    const l = this.link ?? (this.selected ? { kind: 'focus' as const, fn: this.state.nodes.get(this.selected)?.label ?? '' } : undefined);
    const frag = l ? formatDeepLink(l) : '';
    return this.host.kind === 'serve' ? `${location.origin}${location.pathname}${location.search}${frag}` : frag;
  }

  private async copyLink(): Promise<void> {
    const link = this.currentLink();
    try {
      await navigator.clipboard.writeText(link);
      this.say(`link copied: ${link}`);
    } catch {
      this.say(`link: ${link}`);
    }
    document.body.dataset.link = link;
  }

  private key(e: KeyboardEvent, search: HTMLInputElement): void {
    const cur = this.selected ? this.state.nodes.get(this.selected) : undefined;
    const dirs: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (dirs[e.key]) {
      e.preventDefault();
      const [dx, dy] = dirs[e.key];
      const vis = this.state.visibleNodes();
      const cb = cur ? this.layout?.boxes.get(cur.id) : undefined;
      if (!cb) {
        if (vis[0]) this.focusNode(vis[0].id);
        return;
      }
      let best: ViewNode | undefined, bestD = Infinity;
      for (const n of vis) {
        const b = this.layout?.boxes.get(n.id);
        if (!b) continue;
        const vx = b.x - cb.x, vy = b.y - cb.y;
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
    if (!this.layout) return;
    const vp = this.viewport();
    // the whole picture when its labels stay ≥ 11 px, else its full width from the top (pan for the rest)
    const { k } = fitView(this.layout.width, this.layout.height, vp.width, vp.height);
    this.svg.call(this.zoomer.transform, zoomIdentity.translate((vp.width - this.layout.width * k) / 2, FIT_MARGIN / 2).scale(k));
  }

  /** Zoom to scale k around the centre (tests and keyboard). */
  zoomTo(k: number): void {
    this.svg.call(this.zoomer.scaleTo, k);
  }

  private showTooltip(ev: MouseEvent, d: ViewNode): void {
    const t = this.tooltip;
    t.innerHTML = '';
    const head = document.createElement('b');
    head.textContent = d.label;
    t.append(head, document.createTextNode(`\n${d.file}:${d.line}\n${d.kind === 'function' ? 'layer rule: ' : ''}${d.detail}${d.section ? `\nsubsystem: ${d.section}` : ''}`));
    for (const a of this.live?.alerts ?? []) if (a.nodeId === d.id) t.append(document.createTextNode(`\n⚠ ${a.message}`));
    const share = this.runtime?.heat[d.id];
    if (share) t.append(document.createTextNode(`\n${(share * 100).toFixed(1)} % of sampled network CPU`));
    for (const drop of this.runtime?.drops[d.id] ?? []) t.append(document.createTextNode(`\ndrop ${drop.reason} ×${drop.count} at ${drop.lines.map((l) => `${l.file}:${l.line}`).join(', ')}`));
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
    this.tooltip.style.left = `${Math.max(0, Math.min(ev.clientX - parent.left + 14, parent.width - 300))}px`;
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
      text.split('\n').forEach((l, i) => {
        const s = document.createElement('span');
        s.textContent = `${String(i + 1).padStart(5)}  ${l}\n`;
        if (i + 1 === line) s.className = 'hl';
        pre.append(s);
      });
    }
    p.append(title, pre);
    pre.querySelector('.hl')?.scrollIntoView({ block: 'center' });
  }

  /** A standalone SVG of the whole map, with the theme colours resolved. */
  exportSvg(): string {
    const svg = this.svg.node() as SVGSVGElement;
    const clone = svg.cloneNode(true) as SVGSVGElement;
    const cs = getComputedStyle(document.documentElement);
    const v = (name: string) => cs.getPropertyValue(name).trim() || '#888';
    const style = document.createElementNS('http://www.w3.org/2000/svg', 'style');
    style.textContent = `svg{background:${v('--bg')};font-family:monospace}.band rect.bg{fill:${v('--fg')};fill-opacity:.05;stroke:${v('--border')}}.band text.title{fill:${v('--muted')};font-size:14px}.band text.far-title,.cell text.agg{display:none}.cell rect{fill:none;stroke:${v('--border')};stroke-dasharray:2 3}.cell text{fill:${v('--muted')};font-size:11px}.node rect{fill:${v('--node')};stroke:${v('--border')}}.node text{fill:${v('--fg')};font-size:12px}.node text.detail,.node text.badge{font-size:9px;fill:${v('--muted')}}.node.on-path rect{stroke:${v('--path')};stroke-width:2.5}.step-bg{fill:${v('--path')}}.edge{fill:none;stroke:${v('--muted')};stroke-opacity:.5}.edge.ops,.edge.hint,.edge.callback{stroke-dasharray:5 3}.edge.member,.edge.registers{stroke-dasharray:1 3}.edge.on-path{stroke:${v('--path')};stroke-width:2.5;stroke-opacity:1}`;
    clone.insertBefore(style, clone.firstChild);
    const w = (this.layout?.width ?? 1000) + 40, h = (this.layout?.height ?? 800) + 20;
    clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
    clone.setAttribute('viewBox', `-20 -10 ${w} ${h}`);
    clone.setAttribute('width', String(w));
    clone.setAttribute('height', String(h));
    clone.querySelector('g.viewport')?.removeAttribute('transform');
    return new XMLSerializer().serializeToString(clone);
  }

  /** The export as PNG (base64), drawn from the SVG on a canvas. */
  async pngBase64(scale = 1): Promise<string> {
    const svg = this.exportSvg();
    const w = (this.layout?.width ?? 1000) + 40, h = (this.layout?.height ?? 800) + 20;
    const img = new Image();
    // a data: URL (both hosts' CSP allow data: images; blob: is not)
    const url = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
    {
      await new Promise<void>((resolve, reject) => {
        img.onload = () => resolve();
        img.onerror = () => reject(new Error('the SVG did not load as an image'));
        img.src = url;
      });
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      const ctx = canvas.getContext('2d')!;
      ctx.scale(scale, scale);
      ctx.drawImage(img, 0, 0);
      return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
    }
  }

  /** Export: through the host's save dialog in VS Code, a download on `serve`. */
  async exportAs(format: 'svg' | 'png'): Promise<void> {
    const data = format === 'svg' ? this.exportSvg() : await this.pngBase64(2);
    if (this.host.kind === 'vscode') {
      this.host.post({ type: 'map/save', id: this.nextId++, format, data });
      return;
    }
    const blob = format === 'svg' ? new Blob([data], { type: 'image/svg+xml' }) : new Blob([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], { type: 'image/png' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `netstack-map.${format}`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
}

function isHotEdge(hot: string[], from: string, to: string): boolean {
  const i = hot.indexOf(from);
  return i >= 0 && hot[i + 1] === to;
}

function div(cls: string): HTMLDivElement {
  const d = document.createElement('div');
  d.className = cls;
  return d;
}
function input(cls: string, placeholder: string, label: string): HTMLInputElement {
  const i = document.createElement('input');
  i.type = cls === 'search' ? 'search' : 'text';
  i.className = cls;
  i.placeholder = placeholder;
  i.setAttribute('aria-label', label);
  return i;
}
function button(text: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
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
  const host = window.__nsaHost ?? (hasVsCodeApi() ? vscodeHost() : httpHost());
  const view = new MapView(app, host);
  window.__nsaMap = view;
  host.listen((m) => view.receive(m));
  let t: ReturnType<typeof setTimeout> | undefined;
  window.addEventListener('resize', () => {
    clearTimeout(t);
    t = setTimeout(() => {
      view.render(false);
      view.fit();
    }, 100);
  });
  host.post({ type: 'map/ready' });
}
boot();

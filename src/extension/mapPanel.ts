// The layer map webview panel: HTML by the one recipe (default-src 'none', script by nonce, styles and
// script only from dist/ via asWebviewUri), every incoming message validated against the protocol,
// a wrong-shaped one dropped and logged. Opened before indexing finishes, it shows progress.
// Context key: netstackAtlas.mapOpen.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseFromWebview, type FromWebview, type MapNode, type ToWebview } from '../core/map/protocol.ts';
import { liveMessage } from '../core/map/mapModel.ts';
import type { Atlas } from './session.ts';
import type { LiveMetrics } from './live.ts';
import { AtlasRuntime } from './runtime.ts';

export class MapPanel implements vscode.Disposable {
  private static current: MapPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Nodes the webview holds (for badges). */
  private readonly shown = new Map<string, MapNode>();
  private ready = false;
  private sentModel = false;
  private nextId = 1;
  private readonly pending = new Map<number, (svg: string) => void>();
  /** A deep link waiting for the model (the webview applies it after map/init). */
  private link: string | undefined;
  private readonly poster = (m: ToWebview) => this.post(m);

  static show(ctx: vscode.ExtensionContext, atlas: Atlas, live: LiveMetrics): MapPanel {
    if (MapPanel.current) {
      MapPanel.current.panel.reveal();
      return MapPanel.current;
    }
    const panel = vscode.window.createWebviewPanel('netstackAtlas.map', 'Netstack Atlas: Stack Map', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(ctx.extensionUri, 'dist')],
    });
    MapPanel.current = new MapPanel(ctx, panel, atlas, live);
    return MapPanel.current;
  }

  static get open(): MapPanel | undefined {
    return MapPanel.current;
  }

  private constructor(private readonly ctx: vscode.ExtensionContext, readonly panel: vscode.WebviewPanel, private readonly atlas: Atlas, private readonly live: LiveMetrics) {
    panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'icon.svg');
    panel.webview.html = this.html(panel.webview);
    void vscode.commands.executeCommand('setContext', 'netstackAtlas.mapOpen', true);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const m = parseFromWebview(raw);
        if (!m) {
          atlas.output.warn(`dropped a webview message of the wrong shape: ${JSON.stringify(raw)?.slice(0, 200)}`);
          return;
        }
        void this.handle(m);
      }),
      atlas.onDidChange(() => this.sendModel()),
      atlas.onProgress((p) => {
        if (this.ready && !atlas.ready) this.post({ type: 'map/progress', message: 'Indexing the kernel tree…', done: p.done, total: p.total });
      }),
      live.onSample(() => this.sendLive()),
      { dispose: AtlasRuntime.current?.attach(this.poster) ?? (() => undefined) }, // closing the panel stops its recording
    );
  }

  private html(webview: vscode.Webview): string {
    const nonce = randomBytes(16).toString('base64');
    const dist = vscode.Uri.joinPath(this.ctx.extensionUri, 'dist');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js'));
    const css = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css'));
    const csp = [`default-src 'none'`, `img-src ${webview.cspSource} data:`, `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`, `font-src ${webview.cspSource}`].join('; ');
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}">
<title>Netstack Atlas: Stack Map</title></head>
<body><div id="app" data-host="vscode"></div>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
  }

  post(m: ToWebview): void {
    void this.panel.webview.postMessage(m);
  }

  private sendModel(): void {
    if (!this.ready) return;
    if (!this.atlas.ready) {
      const p = this.atlas.progress;
      const message = this.atlas.state === 'failed' ? `Indexing failed: ${this.atlas.error}` : this.atlas.state === 'notKernel' ? 'This workspace is not a kernel tree.' : 'Indexing the kernel tree…';
      this.post({ type: 'map/progress', message, done: p.done, total: p.total });
      return;
    }
    const model = this.atlas.mapModel();
    this.shown.clear();
    for (const n of model.nodes) this.shown.set(n.id, n);
    this.post({ type: 'map/init', model });
    this.sentModel = true;
    if (this.link) this.post({ type: 'map/link', link: this.link });
    this.link = undefined;
    this.sendLive();
    // the last recording's overlay on the fresh model (a map opened or re-initialised after it)
    const last = AtlasRuntime.current?.result;
    if (last) {
      this.remember(last.overlay.nodes);
      this.post(last.overlay);
    }
  }

  private remember(nodes: MapNode[]): void {
    for (const n of nodes) this.shown.set(n.id, n);
  }

  private sendLive(): void {
    if (!this.sentModel) return;
    this.post(liveMessage(this.live.latest, this.live.sourceText, this.live.problem, this.shown.values(), (c) => this.live.history(c, 60)));
  }

  private async handle(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'map/ready':
        this.ready = true;
        this.sendModel();
        if (!this.atlas.ready) void this.atlas.ensureIndexed();
        return;
      case 'map/expand': {
        if (!this.atlas.ready) return;
        const r = this.atlas.builder!.expand(m.fn, m.direction);
        this.remember(r.nodes);
        this.post({ type: 'map/expanded', id: m.id, nodeId: m.nodeId, ...r });
        this.sendLive();
        return;
      }
      case 'map/open':
        // the same rules as every tree read: a symlink to /etc/shadow or a FIFO named *.c is not opened
        await this.atlas.openSource(m.file, m.line, true);
        return;
      case 'map/trace':
        this.trace(m.preset, m.id);
        return;
      case 'map/svg':
        this.pending.get(m.id)?.(m.svg);
        this.pending.delete(m.id);
        return;
      case 'map/png':
        this.pending.get(m.id)?.(m.png);
        this.pending.delete(m.id);
        return;
      case 'map/save':
        await this.save(m.format, m.data);
        return;
      case 'map/traceVia': {
        if (!this.atlas.ready) return;
        const r = this.atlas.builder!.traceVia(m.from, m.via, m.to, m.depth);
        this.remember(r.nodes);
        this.post({ type: 'map/path', id: m.id, ...r });
        this.sendLive();
        return;
      }
      case 'map/log':
        if (m.level === 'error') this.atlas.output.error(`map: ${m.message}`);
        else this.atlas.output.info(`map: ${m.message}`);
        return;
      case 'runtime/record': // perf starts only on this user action
        void AtlasRuntime.current?.record(m.seconds, m.mode, this.poster);
        return;
      case 'runtime/stop':
        AtlasRuntime.current?.stop();
        return;
    }
  }

  trace(preset: string, id: number | null = null): void {
    if (!this.atlas.ready) return;
    const r = this.atlas.builder!.trace(preset);
    this.remember(r.nodes);
    this.post({ type: 'map/path', id, ...r });
    this.sendLive();
  }

  /** Open a deep link (`#focus=…`, `#path=…`) now or once the model is there. */
  openLink(link: string): void {
    if (this.sentModel) this.post({ type: 'map/link', link });
    else this.link = link;
  }

  /** Save an export through the save dialog (SVG text or PNG base64). */
  async save(format: 'svg' | 'png', data: string): Promise<void> {
    const target = await vscode.window.showSaveDialog({ filters: { [format.toUpperCase()]: [format] }, defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file('/tmp'), `netstack-map.${format}`) });
    if (!target) return;
    writeFileSync(target.fsPath, format === 'png' ? Buffer.from(data, 'base64') : data);
    void vscode.window.showInformationMessage(`Netstack Atlas: map saved to ${target.fsPath}`);
  }

  /** Ask the webview for its SVG (or PNG, base64). */
  exportSvg(format: 'svg' | 'png' = 'svg'): Promise<string> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('the map did not answer'));
      }, 10_000);
      this.pending.set(id, (svg) => {
        clearTimeout(timer);
        resolve(svg);
      });
      this.post({ type: 'map/exportSvg', id, format });
    });
  }

  dispose(): void {
    MapPanel.current = undefined;
    void vscode.commands.executeCommand('setContext', 'netstackAtlas.mapOpen', false);
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}

// The commands, all in the "Netstack Atlas" category; their enablement in package.json uses the
// context keys set by session.ts (netstackAtlas.ready, netstackAtlas.kernelTree, netstackAtlas.mapOpen).
import * as vscode from 'vscode';
import { writeFileSync } from 'node:fs';
import type { Atlas } from './session.ts';
import type { LiveMetrics } from './live.ts';
import { MapPanel } from './mapPanel.ts';
import { SECTION } from './config.ts';
import { toMapEdge } from '../core/map/mapModel.ts';
import type { MapNode } from '../core/map/protocol.ts';

export function registerCommands(ctx: vscode.ExtensionContext, atlas: Atlas, live: LiveMetrics): void {
  const reg = (id: string, fn: (...args: any[]) => unknown) => ctx.subscriptions.push(vscode.commands.registerCommand(id, fn));

  // takes a deep link: `#focus=tcp_sendmsg`, `#path=tcp-send`, `#path=from,via,to` (Copy link's format)
  reg('netstackAtlas.openMap', async (link?: string) => {
    if (!atlas.root && !(await atlas.ensureIndexed())) return;
    const panel = MapPanel.show(ctx, atlas, live);
    if (typeof link === 'string' && link.trim()) panel.openLink(link.trim());
    live.start();
    void atlas.ensureIndexed();
  });

  reg('netstackAtlas.reindex', () => atlas.reindex());

  // also reachable from trusted hover links and other extensions, with any arguments: checked there
  reg('netstackAtlas.openLocation', async (file: unknown, line: unknown) => {
    await atlas.openSource(file, line);
  });

  reg('netstackAtlas.tracePath', async (presetArg?: string) => {
    if (!(await atlas.ensureIndexed())) return;
    const g = atlas.graphs!;
    let preset = typeof presetArg === 'string' ? presetArg : undefined;
    if (!preset) {
      const items: (vscode.QuickPickItem & { id: string })[] = Object.entries(g.presets).map(([id, p]) => ({ id, label: p.title, description: p.waypoints.join(' → ') }));
      items.push({ id: '', label: '$(arrow-both) Between any two functions…' });
      const pick = await vscode.window.showQuickPick(items, { title: 'Netstack Atlas: Trace Path', placeHolder: g.graphAvailable ? 'A preset path, or any two functions' : 'Call graph not available: direct calls only' });
      if (!pick) return;
      preset = pick.id;
    }
    const panel = MapPanel.show(ctx, atlas, live);
    live.start();
    if (preset) {
      // the webview may still be loading: it asks for the model on map/ready, the path comes after
      setTimeout(() => panel.trace(preset!), 300);
      return;
    }
    const names = [...atlas.session!.index.functionNames()].sort();
    const from = await vscode.window.showQuickPick(names, { title: 'Trace Path: from' });
    if (!from) return;
    const to = await vscode.window.showQuickPick(names, { title: `Trace Path: from ${from} to` });
    if (!to) return;
    const r = g.graph.path(from, to, { maxDepth: 40, k: 1 });
    const nodes = r.functions.map((f) => atlas.builder!.placeFunction(f)).filter((n): n is MapNode => !!n);
    panel.post({ type: 'map/path', id: null, title: `${from} → ${to}`, found: r.found, nodes, edges: r.edges.map(toMapEdge), ...(r.found ? {} : { message: `no path from ${from} to ${to} within depth 40` }) });
    if (!r.found) void vscode.window.showInformationMessage(`Netstack Atlas: no path from ${from} to ${to}${g.graphAvailable ? '' : ' (call graph not available)'}`);
  });

  reg('netstackAtlas.showCounterSites', async (counterArg?: string) => {
    if (!(await atlas.ensureIndexed())) return;
    const cm = atlas.graphs!.counters;
    if (!cm) {
      void vscode.window.showWarningMessage('Netstack Atlas: the counter map is not available for this tree.');
      return;
    }
    live.start();
    let counter = typeof counterArg === 'string' ? counterArg : undefined;
    if (!counter) {
      const items = cm.names().sort().map((c) => ({ label: c, description: `${cm.counterSites(c).length} sites · ${live.format(c)}` }));
      counter = (await vscode.window.showQuickPick(items, { title: 'Netstack Atlas: Show Counter Sites', matchOnDescription: false }))?.label;
      if (!counter) return;
    }
    const sites = cm.counterSites(counter);
    if (!sites.length) {
      void vscode.window.showInformationMessage(`Netstack Atlas: no site in this tree increments ${counter}.`);
      return;
    }
    const pick = await vscode.window.showQuickPick(
      sites.map((s) => ({ label: s.function, description: `${s.file}:${s.line}`, detail: s.macro, site: s })),
      { title: `${counter} · ${live.format(counter)} — ${sites.length} sites` },
    );
    if (pick) await vscode.commands.executeCommand('netstackAtlas.openLocation', pick.site.file, pick.site.line);
  });

  reg('netstackAtlas.chooseMetricsSource', async () => {
    const kind = await vscode.window.showQuickPick(
      [
        { id: 'procfs', label: 'procfs', description: "this host's /proc (where the extension runs)" },
        { id: 'node', label: 'node_exporter URL…', description: 'http://host:9100/metrics' },
        { id: 'prom', label: 'Prometheus URL + selector…', description: 'prometheus:http://prom:9090#instance="host:9100"' },
      ],
      { title: 'Netstack Atlas: Choose Metrics Source' },
    );
    if (!kind) return;
    let value = 'procfs';
    const isUrl = (s: string) => (/^https?:\/\/[^\s]+$/.test(s) ? undefined : 'an http(s) URL');
    if (kind.id === 'node') {
      const url = await vscode.window.showInputBox({ title: 'node_exporter URL', value: 'http://127.0.0.1:9100/metrics', validateInput: isUrl });
      if (!url) return;
      value = url;
    } else if (kind.id === 'prom') {
      const url = await vscode.window.showInputBox({ title: 'Prometheus URL', value: 'http://127.0.0.1:9090', validateInput: isUrl });
      if (!url) return;
      const sel = await vscode.window.showInputBox({ title: 'Label selector picking one host', value: 'instance="127.0.0.1:9100"', validateInput: (s) => (s.trim() ? undefined : 'a selector is needed') });
      if (!sel) return;
      value = `prometheus:${url}#${sel}`;
    }
    await vscode.workspace.getConfiguration(SECTION).update('metrics.source', value, vscode.ConfigurationTarget.Global);
    live.restart();
  });

  reg('netstackAtlas.exportSvg', async () => {
    const panel = MapPanel.open;
    if (!panel) {
      void vscode.window.showInformationMessage('Netstack Atlas: open the stack map first.');
      return;
    }
    const svg = await panel.exportSvg();
    const target = await vscode.window.showSaveDialog({ filters: { SVG: ['svg'] }, defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file('/tmp'), 'netstack-map.svg') });
    if (!target) return;
    writeFileSync(target.fsPath, svg);
    void vscode.window.showInformationMessage(`Netstack Atlas: map saved to ${target.fsPath}`);
  });
}

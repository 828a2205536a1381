// The status bar item: indexing progress, then the kernel version and the metrics source.
import * as vscode from 'vscode';
import type { Atlas } from './session.ts';
import type { LiveMetrics } from './live.ts';

export function registerStatusBar(ctx: vscode.ExtensionContext, atlas: Atlas, live: LiveMetrics): void {
  const item = vscode.window.createStatusBarItem('netstackAtlas.status', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Netstack Atlas';
  const render = () => {
    const p = atlas.progress;
    switch (atlas.state) {
      case 'indexing':
        item.text = `$(sync~spin) Netstack Atlas: indexing ${p.done}/${p.total}`;
        item.tooltip = 'Indexing the kernel tree in worker threads';
        item.command = undefined;
        break;
      case 'ready': {
        const v = atlas.session?.stats.kernelVersion ?? 'unknown version';
        const m = live.problem ? `$(warning) metrics unavailable` : `metrics: ${live.sourceText}`;
        item.text = `$(type-hierarchy) Netstack Atlas: ready · Linux ${v} · ${m}`;
        const s = atlas.session!.stats;
        item.tooltip = new vscode.MarkdownString(`**Netstack Atlas** — ${s.files} files (${s.cachedFiles} from cache) · ${atlas.graphs?.graphAvailable ? 'call graph ready' : 'call graph not available'}\n\n${live.problem ?? `metrics source: ${live.sourceText}`}\n\nClick to open the stack map.`);
        item.command = 'netstackAtlas.openMap';
        break;
      }
      case 'failed':
        item.text = '$(error) Netstack Atlas: indexing failed';
        item.tooltip = atlas.error;
        item.command = 'netstackAtlas.reindex';
        break;
      default:
        item.text = '$(type-hierarchy) Netstack Atlas';
        item.tooltip = 'Not indexed yet';
        item.command = 'netstackAtlas.reindex';
    }
    // not a kernel tree: the one notification says so (session.ts); nothing stays in the status bar
    if (atlas.root) item.show();
    else item.hide();
  };
  let last = 0;
  ctx.subscriptions.push(
    item,
    atlas.onDidChange(render),
    atlas.onProgress(() => {
      const now = Date.now();
      if (now - last > 200) {
        last = now;
        render();
      }
    }),
    live.onSample(() => {
      if (atlas.state === 'ready') render();
    }),
  );
  render();
}

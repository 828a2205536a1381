// Alerts view: the live alerts of the metrics source, refreshed on every sample.
// Context key: netstackAtlas.hasAlerts.
import * as vscode from 'vscode';
import type { Alert } from '../core/metrics/index.ts';
import type { LiveMetrics } from './live.ts';

export function registerAlertsView(ctx: vscode.ExtensionContext, live: LiveMetrics): void {
  const changed = new vscode.EventEmitter<void>();
  let last = '';
  const provider: vscode.TreeDataProvider<Alert | string> = {
    onDidChangeTreeData: changed.event,
    getChildren(el) {
      if (el) return [];
      if (live.problem) return [live.problem];
      return live.latest?.alerts ?? [];
    },
    getTreeItem(el) {
      if (typeof el === 'string') {
        const t = new vscode.TreeItem(el);
        t.iconPath = new vscode.ThemeIcon('warning');
        return t;
      }
      const t = new vscode.TreeItem(el.message);
      t.description = el.keys.join(', ');
      t.iconPath = new vscode.ThemeIcon(el.severity === 'critical' ? 'error' : 'warning');
      return t;
    },
  };
  const view = vscode.window.createTreeView('netstackAtlas.alerts', { treeDataProvider: provider });
  ctx.subscriptions.push(
    changed,
    view,
    live.onSample(() => {
      const alerts = live.latest?.alerts ?? [];
      const key = (live.problem ?? '') + alerts.map((a) => a.message).join('\n');
      view.badge = alerts.length ? { value: alerts.length, tooltip: `${alerts.length} alerts` } : undefined;
      void vscode.commands.executeCommand('setContext', 'netstackAtlas.hasAlerts', alerts.length > 0);
      if (key !== last) {
        last = key;
        changed.fire();
      }
    }),
  );
}

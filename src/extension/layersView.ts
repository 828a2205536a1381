// Layers view: layer → functions, each with the rule that placed it. Shown once indexed.
import * as vscode from 'vscode';
import type { Atlas } from './session.ts';
import type { Layer, LayerFunction } from '../core/graph/types.ts';

type Item = { layer: Layer } | { fn: LayerFunction };

export function registerLayersView(ctx: vscode.ExtensionContext, atlas: Atlas): void {
  const changed = new vscode.EventEmitter<void>();
  const provider: vscode.TreeDataProvider<Item> = {
    onDidChangeTreeData: changed.event,
    getChildren(el) {
      if (!el) {
        if (!atlas.ready) return [];
        return atlas.graphs!.layers.layers.map((layer) => ({ layer }));
      }
      if ('layer' in el) return [...el.layer.functions].sort((a, b) => a.name.localeCompare(b.name)).map((fn) => ({ fn }));
      return [];
    },
    getTreeItem(el) {
      if ('layer' in el) {
        const t = new vscode.TreeItem(el.layer.title, vscode.TreeItemCollapsibleState.Collapsed);
        t.description = `${el.layer.functions.length} functions`;
        t.id = `layer:${el.layer.id}`;
        t.iconPath = new vscode.ThemeIcon('layers');
        return t;
      }
      const t = new vscode.TreeItem(el.fn.name, vscode.TreeItemCollapsibleState.None);
      t.description = el.fn.rule;
      t.tooltip = `${el.fn.file}:${el.fn.line}\nplaced by: ${el.fn.rule}`;
      t.iconPath = new vscode.ThemeIcon('symbol-function');
      t.command = { command: 'netstackAtlas.openLocation', title: 'Open', arguments: [el.fn.file, el.fn.line] };
      return t;
    },
  };
  const view = vscode.window.createTreeView('netstackAtlas.layers', { treeDataProvider: provider, showCollapseAll: true });
  const refresh = () => {
    view.message = atlas.ready ? (atlas.graphs!.graphAvailable ? undefined : 'Call graph not available: no layers.') : atlas.state === 'indexing' ? 'Indexing…' : undefined;
    changed.fire();
  };
  ctx.subscriptions.push(changed, view, atlas.onDidChange(refresh));
  refresh();
}

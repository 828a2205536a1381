// Registrations view: kind (proto_register, inetsw, dev_add_pack, …) → what is registered, with details.
import * as vscode from 'vscode';
import type { Atlas } from './session.ts';
import type { Registration } from '../core/graph/types.ts';

type Item = { kind: string; regs: Registration[] } | { reg: Registration };

export function registerRegistrationsView(ctx: vscode.ExtensionContext, atlas: Atlas): void {
  const changed = new vscode.EventEmitter<void>();
  const provider: vscode.TreeDataProvider<Item> = {
    onDidChangeTreeData: changed.event,
    getChildren(el) {
      if (!atlas.ready) return [];
      if (!el) {
        const m = new Map<string, Registration[]>();
        for (const r of atlas.graphs!.layers.registrations) m.set(r.kind, [...(m.get(r.kind) ?? []), r]);
        return [...m.entries()].sort().map(([kind, regs]) => ({ kind, regs }));
      }
      return 'kind' in el ? el.regs.map((reg) => ({ reg })) : [];
    },
    getTreeItem(el) {
      if ('kind' in el) {
        const t = new vscode.TreeItem(el.kind, vscode.TreeItemCollapsibleState.Collapsed);
        t.description = `${el.regs.length}`;
        t.id = `reg:${el.kind}`;
        return t;
      }
      const r = el.reg;
      const t = new vscode.TreeItem(r.name, vscode.TreeItemCollapsibleState.None);
      t.description = Object.entries(r.details).filter(([, v]) => v).map(([k, v]) => `${k}=${v}`).join(' ');
      t.tooltip = `${r.file}:${r.line}`;
      t.command = { command: 'netstackAtlas.openLocation', title: 'Open', arguments: [r.file, r.line] };
      return t;
    },
  };
  const view = vscode.window.createTreeView('netstackAtlas.registrations', { treeDataProvider: provider });
  ctx.subscriptions.push(changed, view, atlas.onDidChange(() => changed.fire()));
}

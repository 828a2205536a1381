// Ops Tables view: struct type → instance → member → function (tables that hold functions only).
import * as vscode from 'vscode';
import type { Atlas } from './session.ts';
import type { OpsInstance } from '../core/index/facts.ts';

type Item =
  | { type: string; count: number }
  | { inst: OpsInstance; file: string }
  | { member: string; fn: string; file: string; line: number };

export function registerOpsView(ctx: vscode.ExtensionContext, atlas: Atlas): void {
  const changed = new vscode.EventEmitter<void>();
  let byType: Map<string, { inst: OpsInstance; file: string }[]> | undefined;
  const groups = () => {
    if (byType || !atlas.ready) return byType;
    byType = new Map();
    const index = atlas.session!.index;
    for (const { file, def } of index.opsInstances()) {
      if (def.name.startsWith('(') || !Object.keys(def.members).length) continue;
      // an ops table fills at least one member with a function of the tree; data tables
      // (nla_policy, radio init tables, device id lists, …) are not ops tables
      if (!Object.values(def.members).some((v) => index.functions(v).length > 0)) continue;
      const l = byType.get(def.struct) ?? [];
      l.push({ inst: def, file });
      byType.set(def.struct, l);
    }
    return byType;
  };
  const provider: vscode.TreeDataProvider<Item> = {
    onDidChangeTreeData: changed.event,
    getChildren(el) {
      const g = groups();
      if (!g) return [];
      if (!el) return [...g.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])).map(([type, l]) => ({ type, count: l.length }));
      if ('type' in el) return [...(g.get(el.type) ?? [])].sort((a, b) => a.inst.name.localeCompare(b.inst.name));
      if ('inst' in el) {
        const fnNames = atlas.session!.index;
        return Object.entries(el.inst.members)
          .filter(([, v]) => fnNames.functions(v).length > 0 || /^[a-z_]\w*$/.test(v))
          .map(([member, fn]) => ({ member, fn, file: el.file, line: el.inst.memberLines[member] ?? el.inst.line }));
      }
      return [];
    },
    getTreeItem(el) {
      if ('type' in el) {
        const t = new vscode.TreeItem(`struct ${el.type}`, vscode.TreeItemCollapsibleState.Collapsed);
        t.description = `${el.count}`;
        t.id = `type:${el.type}`;
        t.iconPath = new vscode.ThemeIcon('symbol-struct');
        return t;
      }
      if ('inst' in el) {
        const t = new vscode.TreeItem(el.inst.name, vscode.TreeItemCollapsibleState.Collapsed);
        t.description = `${el.file}:${el.inst.line}`;
        t.id = `inst:${el.inst.struct}:${el.inst.name}:${el.file}:${el.inst.line}`;
        t.iconPath = new vscode.ThemeIcon('symbol-variable');
        t.contextValue = 'opsInstance';
        return t;
      }
      const t = new vscode.TreeItem(`.${el.member} = ${el.fn}`, vscode.TreeItemCollapsibleState.None);
      const def = atlas.session?.index.functions(el.fn)[0];
      t.description = def ? `${def.file}:${def.def.line}` : 'not a function in scope';
      t.iconPath = new vscode.ThemeIcon('symbol-method');
      t.command = def
        ? { command: 'netstackAtlas.openLocation', title: 'Open', arguments: [def.file, def.def.line] }
        : { command: 'netstackAtlas.openLocation', title: 'Open', arguments: [el.file, el.line] };
      return t;
    },
  };
  const view = vscode.window.createTreeView('netstackAtlas.ops', { treeDataProvider: provider, showCollapseAll: true });
  ctx.subscriptions.push(changed, view, atlas.onDidChange(() => { byType = undefined; changed.fire(); }));
}

// Runtime view: the last recording's top functions by layer and its drops by reason (each opening
// its line). Hidden until a recording has a result (context key netstackAtlas.runtimeResult).
import * as vscode from 'vscode';
import type { AtlasRuntime } from './runtime.ts';
import { LAYER_ORDER, LAYER_TITLES, type LayerId } from '../core/graph/types.ts';
import { pctText } from '../core/map/runtimeOverlay.ts';
import { rateText } from '../core/runtime/format.ts';

type Item =
  | { kind: 'group'; id: 'functions' | 'drops' | 'unexplained' | 'notes' }
  | { kind: 'layer'; layer: LayerId }
  | { kind: 'reason'; reason: string }
  | { kind: 'leaf'; label: string; description: string; tooltip?: string; file?: string | null; line?: number | null };

const TOP = 15;

export function registerRuntimeView(ctx: vscode.ExtensionContext, rt: AtlasRuntime): void {
  const changed = new vscode.EventEmitter<void>();
  const provider: vscode.TreeDataProvider<Item> = {
    onDidChangeTreeData: changed.event,
    getChildren(el) {
      const r = rt.result;
      if (!r) return [];
      const p = r.profile;
      const d = r.drops;
      if (!el) {
        const out: Item[] = [];
        if (p) out.push({ kind: 'group', id: 'functions' });
        if (d) out.push({ kind: 'group', id: 'drops' });
        if (p?.explained.unexplained.length) out.push({ kind: 'group', id: 'unexplained' });
        if (r.overlay.notes.length) out.push({ kind: 'group', id: 'notes' });
        return out;
      }
      if (el.kind === 'group') {
        if (el.id === 'functions') return LAYER_ORDER.filter((l) => p?.functions.some((f) => f.layer === l)).map((layer) => ({ kind: 'layer', layer }));
        if (el.id === 'drops') return (d?.reasons ?? []).map((x) => ({ kind: 'reason', reason: x.reason }));
        if (el.id === 'unexplained') return (p?.explained.unexplained ?? []).slice(0, 100).map((u) => ({ kind: 'leaf', label: `${u.from} → ${u.to}`, description: `${u.samples} samples` }));
        return r.overlay.notes.map((n) => ({ kind: 'leaf', label: n, description: '', tooltip: n }));
      }
      if (el.kind === 'layer' && p) {
        const base = p.treeSamples || 1;
        return p.functions.filter((f) => f.layer === el.layer).slice(0, TOP).map((f) => ({ kind: 'leaf', label: f.name, description: `${pctText(f.samples / base)}${f.self ? ` (self ${pctText(f.self / base)})` : ''}`, file: f.file, line: f.line, tooltip: `${f.file}:${f.line}` }));
      }
      if (el.kind === 'reason' && d) {
        const reason = d.reasons.find((x) => x.reason === el.reason);
        return (reason?.locations ?? []).map((l) => ({ kind: 'leaf', label: `${l.function}${l.offset ? '+' + l.offset : ''}`, description: `${l.count.toLocaleString('en-US')}${l.file ? ` · ${l.file}:${l.line}` : ' · not in the tree'}`, file: l.file, line: l.line }));
      }
      return [];
    },
    getTreeItem(el) {
      const r = rt.result;
      if (el.kind === 'group') {
        const title = { functions: 'Top functions by layer', drops: 'Drops by reason', unexplained: 'Seen at run time, not in the source graph', notes: 'Notes' }[el.id];
        const t = new vscode.TreeItem(title, el.id === 'notes' || el.id === 'unexplained' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
        if (el.id === 'functions' && r?.profile) t.description = `${r.profile.treeSamples.toLocaleString('en-US')} of ${r.profile.samples.toLocaleString('en-US')} samples · ${r.profile.seconds} s`;
        if (el.id === 'drops' && r?.drops) t.description = `${r.drops.total.toLocaleString('en-US')} in ${r.drops.seconds} s`;
        if (el.id === 'unexplained' && r?.profile) t.description = `${pctText(r.profile.explained.share)} explained`;
        return t;
      }
      if (el.kind === 'layer') return Object.assign(new vscode.TreeItem(LAYER_TITLES[el.layer], vscode.TreeItemCollapsibleState.Collapsed), { iconPath: new vscode.ThemeIcon('layers') });
      if (el.kind === 'reason') {
        const x = r?.drops?.reasons.find((y) => y.reason === el.reason);
        const t = new vscode.TreeItem(el.reason, vscode.TreeItemCollapsibleState.Collapsed);
        t.description = x ? `${x.count.toLocaleString('en-US')} (${rateText(x.count, r!.drops!.seconds)})` : '';
        t.tooltip = x?.doc;
        t.iconPath = new vscode.ThemeIcon('error');
        return t;
      }
      const t = new vscode.TreeItem(el.label, vscode.TreeItemCollapsibleState.None);
      t.description = el.description;
      t.tooltip = el.tooltip;
      if (el.file && el.line) t.command = { command: 'netstackAtlas.openLocation', title: 'Open', arguments: [el.file, el.line] };
      return t;
    },
  };
  const view = vscode.window.createTreeView('netstackAtlas.runtime', { treeDataProvider: provider, showCollapseAll: true });
  ctx.subscriptions.push(changed, view, rt.onDidChange(() => changed.fire()));
}

// The Call Hierarchy view, fed by our call graph (ops, hint and callback edges included).
import * as vscode from 'vscode';
import type { Atlas } from './session.ts';
import type { CallEdge } from '../core/graph/types.ts';
import { C_SELECTOR, functionAt } from './symbols.ts';

export function registerCallHierarchy(ctx: vscode.ExtensionContext, atlas: Atlas): void {
  const item = (name: string, detail?: string): vscode.CallHierarchyItem | undefined => {
    const d = atlas.session?.index.functions(name)[0];
    if (!d) return undefined;
    const r = new vscode.Range(d.def.line - 1, 0, d.def.line - 1, 0);
    const range = new vscode.Range(Math.max(0, d.def.startLine - 1), 0, Math.max(0, d.def.endLine - 1), 0);
    return new vscode.CallHierarchyItem(vscode.SymbolKind.Function, name, detail ?? d.file, atlas.uri(d.file), range, r);
  };
  const group = (edges: readonly CallEdge[], key: 'from' | 'to') => {
    const m = new Map<string, CallEdge[]>();
    for (const e of edges) m.set(e[key], [...(m.get(e[key]) ?? []), e]);
    return m;
  };
  const kinds = (es: CallEdge[]) => [...new Set(es.map((e) => (e.kind === 'direct' ? 'direct' : `${e.kind}${e.via ? ' ' + e.via : ''}`)))].join(', ');
  ctx.subscriptions.push(
    vscode.languages.registerCallHierarchyProvider(C_SELECTOR, {
      prepareCallHierarchy(doc, pos) {
        const f = functionAt(atlas, doc, pos);
        return f ? item(f.name) : undefined;
      },
      provideCallHierarchyIncomingCalls(it) {
        if (!atlas.ready) return [];
        const out: vscode.CallHierarchyIncomingCall[] = [];
        for (const [from, es] of group(atlas.graphs!.graph.callers(it.name), 'from')) {
          const i = item(from, kinds(es));
          if (i) out.push(new vscode.CallHierarchyIncomingCall(i, es.filter((e) => e.file === atlas.rel(i.uri)).map((e) => new vscode.Range(e.line - 1, 0, e.line - 1, 0))));
        }
        return out;
      },
      provideCallHierarchyOutgoingCalls(it) {
        if (!atlas.ready) return [];
        const out: vscode.CallHierarchyOutgoingCall[] = [];
        for (const [to, es] of group(atlas.graphs!.graph.callees(it.name), 'to')) {
          const i = item(to, kinds(es));
          if (i) out.push(new vscode.CallHierarchyOutgoingCall(i, es.map((e) => new vscode.Range(e.line - 1, 0, e.line - 1, 0))));
        }
        return out;
      },
    }),
  );
}

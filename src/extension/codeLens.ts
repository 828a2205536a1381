// CodeLens above functions that increment counters: `increments Tcp:RetransSegs · 41 (+2/s)`,
// refreshed with the live samples (throttled by netstackAtlas.codeLens.refreshMs), off by a setting.
import * as vscode from 'vscode';
import type { Atlas } from './session.ts';
import type { LiveMetrics } from './live.ts';
import { config, SECTION } from './config.ts';
import { C_SELECTOR } from './symbols.ts';

export function registerCodeLens(ctx: vscode.ExtensionContext, atlas: Atlas, live: LiveMetrics): void {
  const changed = new vscode.EventEmitter<void>();
  let last = 0;
  ctx.subscriptions.push(
    changed,
    vscode.languages.registerCodeLensProvider(C_SELECTOR, {
      onDidChangeCodeLenses: changed.event,
      provideCodeLenses(doc) {
        if (!config.codeLensEnabled() || !atlas.ready || !atlas.graphs!.counters) return [];
        const rel = atlas.rel(doc.uri);
        const facts = rel ? atlas.session!.index.fileFacts(rel) : undefined;
        const lenses: vscode.CodeLens[] = [];
        for (const f of facts?.functions ?? []) {
          const counters = [...new Set(atlas.graphs!.counters.functionCounters(f.name).map((s) => s.counter))];
          if (!counters.length) continue;
          const range = new vscode.Range(f.line - 1, 0, f.line - 1, 0);
          const shown = counters.slice(0, 3);
          const title = `increments ${shown.map((c) => `${c} · ${live.format(c)}`).join('  ')}${counters.length > 3 ? `  +${counters.length - 3} more` : ''}`;
          lenses.push(new vscode.CodeLens(range, { title, command: 'netstackAtlas.showCounterSites', arguments: [counters[0]], tooltip: 'Show every site that increments this counter' }));
        }
        return lenses;
      },
    }),
    live.onSample(() => {
      const now = Date.now();
      if (!config.codeLensEnabled() || now - last < config.codeLensRefreshMs()) return;
      last = now;
      changed.fire();
    }),
    atlas.onDidChange(() => changed.fire()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.codeLens`)) changed.fire();
    }),
  );
}

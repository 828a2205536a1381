// Hovers in C files: on a function name, its layer, callers/callees, the ops slots it fills and the
// live counters it increments; on a member call, the resolved targets with their confidence.
import * as vscode from 'vscode';
import type { Atlas } from './session.ts';
import type { LiveMetrics } from './live.ts';
import { config } from './config.ts';
import { C_SELECTOR, functionAt, memberCallAt } from './symbols.ts';
import { sparkline } from '../core/metrics/format.ts';
import { LAYER_TITLES } from '../core/graph/types.ts';

export function registerHover(ctx: vscode.ExtensionContext, atlas: Atlas, live: LiveMetrics): void {
  ctx.subscriptions.push(
    vscode.languages.registerHoverProvider(C_SELECTOR, {
      provideHover(doc, pos) {
        if (!config.hoverEnabled() || !atlas.ready) return undefined;
        const mc = memberCallAt(atlas, doc, pos);
        if (mc) {
          const md = new vscode.MarkdownString(undefined, true);
          md.appendMarkdown(`**Netstack Atlas** — member call \`${mc.member}\` in \`${mc.caller}\`\n\n`);
          if (!mc.targets.length) md.appendMarkdown(mc.unresolved ? `unresolved call through \`${mc.unresolved}\`` : 'no resolved targets');
          for (const t of mc.targets.slice(0, 20)) {
            md.appendMarkdown(`- \`${t.to}\` — ${t.kind}${t.via ? ` \`${t.via}\`` : ''}, confidence **${t.confidence}**, evidence ${t.evidence.file}:${t.evidence.line}\n`);
          }
          if (mc.targets.length > 20) md.appendMarkdown(`- … ${mc.targets.length - 20} more\n`);
          return new vscode.Hover(md, mc.range);
        }
        const f = functionAt(atlas, doc, pos);
        if (!f) return undefined;
        const g = atlas.graphs!;
        const node = atlas.builder!.placeFunction(f.name);
        const md = new vscode.MarkdownString(undefined, true);
        md.appendMarkdown(`**${f.name}** — ${node ? LAYER_TITLES[node.layer] : 'no layer'}${node ? ` _(${node.detail})_` : ''}\n\n`);
        const callers = g.graph.callers(f.name);
        const callees = g.graph.callees(f.name);
        const indirect = callers.filter((e) => e.kind !== 'direct').length;
        md.appendMarkdown(`callers **${callers.length}**${indirect ? ` (${indirect} indirect)` : ''} · callees **${callees.length}**${g.graphAvailable ? '' : ' · call graph not available (direct calls only)'}\n\n`);
        const slots = g.callGraph?.slotsOf(f.name) ?? [];
        if (slots.length) md.appendMarkdown(`fills: ${slots.slice(0, 8).map((s) => `\`${s}\``).join(', ')}${slots.length > 8 ? ` … +${slots.length - 8}` : ''}\n\n`);
        const counters = [...new Set((g.counters?.functionCounters(f.name) ?? []).map((s) => s.counter))];
        if (counters.length) {
          md.appendMarkdown(`increments${live.problem ? ` _(${live.problem})_` : ''}:\n\n`);
          for (const c of counters.slice(0, 12)) {
            const spark = sparkline(live.history(c, 30), 30);
            md.appendMarkdown(`- \`${c}\` ${live.format(c)}${spark ? ` \`${spark}\`` : ''}\n`);
          }
        }
        return new vscode.Hover(md, f.range);
      },
    }),
  );
}

// The last recording in the editor: hover and CodeLens on functions ("12 % of sampled stack CPU ·
// dropped 1.2k/s NO_SOCKET"), a gutter mark on each line that dropped, and the run-time share of each
// target of a member call (hover; Go to Implementation lists observed targets first, see navigation.ts).
import * as vscode from 'vscode';
import type { Atlas } from './session.ts';
import type { AtlasRuntime } from './runtime.ts';
import { C_SELECTOR, functionAt, memberCallAt } from './symbols.ts';
import { rateText } from '../core/runtime/format.ts';
import { pctText } from '../core/map/runtimeOverlay.ts';
import type { RuntimeResult } from '../core/map/runtimeController.ts';

/** Per function: share of sampled network-stack CPU, drops by reason; per caller: observed callee samples. */
class RuntimeIndex {
  readonly share = new Map<string, number>();
  readonly samples = new Map<string, { samples: number; self: number }>();
  readonly drops = new Map<string, { reason: string; count: number; lines: { file: string; line: number }[]; doc?: string }[]>();
  readonly calls = new Map<string, Map<string, number>>();
  constructor(readonly r: RuntimeResult) {
    const base = r.profile?.treeSamples ?? 0;
    for (const f of r.profile?.functions ?? []) {
      if (base) this.share.set(f.name, f.samples / base);
      this.samples.set(f.name, { samples: f.samples, self: f.self });
    }
    const add = (from: string, to: string, n: number) => {
      let m = this.calls.get(from);
      if (!m) this.calls.set(from, (m = new Map()));
      m.set(to, (m.get(to) ?? 0) + n);
    };
    for (const e of r.profile?.edges ?? []) {
      add(e.from, e.to, e.samples);
      // a tail call or an inlined function vanishes from the stack (`__sys_sendto → tcp_sendmsg`): the
      // static path names the function that made the call (inet_sendmsg's sk->sk_prot->sendmsg)
      const via = e.static?.via;
      if (via && via.length > 2 && via[via.length - 1] === e.to) add(via[via.length - 2], e.to, e.samples);
    }
    for (const reason of r.drops?.reasons ?? []) {
      for (const l of reason.locations) {
        if (!l.file) continue;
        const list = this.drops.get(l.function) ?? [];
        list.push({ reason: reason.reason, count: l.count, lines: (l.lines.length ? l.lines : [l.line ?? 1]).map((line) => ({ file: l.file!, line })), doc: reason.doc });
        this.drops.set(l.function, list);
      }
    }
  }
  get seconds(): number {
    return Math.max(this.r.profile?.seconds ?? 0, this.r.drops?.seconds ?? 0);
  }
  /** `12 % of sampled stack CPU · dropped 1.2k/s NO_SOCKET`, or undefined when not seen. */
  summary(fn: string): string | undefined {
    const parts: string[] = [];
    const s = this.share.get(fn);
    if (s !== undefined) parts.push(`${pctText(s)} of sampled stack CPU`);
    for (const d of this.drops.get(fn) ?? []) parts.push(`dropped ${rateText(d.count, this.seconds)} ${d.reason}`);
    return parts.length ? parts.join(' · ') : undefined;
  }
  /** The hover: the summary's facts in full — sample counts, and per drop reason its count, lines
   *  and the reason's documentation from the tree. */
  details(fn: string): vscode.MarkdownString | undefined {
    const s = this.samples.get(fn);
    const share = this.share.get(fn);
    const drops = this.drops.get(fn) ?? [];
    if (!s && !drops.length) return undefined;
    const md = new vscode.MarkdownString(`**Run time** (last recording, ${this.seconds} s)`);
    if (s) md.appendMarkdown(`: ${share !== undefined ? `${pctText(share)} of sampled stack CPU, ` : ''}${s.samples.toLocaleString('en-US')} samples (${s.self.toLocaleString('en-US')} self)`);
    for (const d of drops) {
      md.appendMarkdown(`\n\n- dropped ${d.count.toLocaleString('en-US')} packets (${rateText(d.count, this.seconds)}) with **${d.reason}** at ${d.lines.map((l) => `${l.file}:${l.line}`).join(', ')}`);
      if (d.doc) md.appendMarkdown(` — ${d.doc}`);
    }
    return md;
  }
  /** Observed share of each target among the targets of a call made by `caller`. */
  targetShares(caller: string, targets: string[]): Map<string, number> {
    const m = this.calls.get(caller);
    const out = new Map<string, number>();
    if (!m) return out;
    const total = targets.reduce((a, t) => a + (m.get(t) ?? 0), 0);
    if (total) for (const t of targets) if (m.get(t)) out.set(t, m.get(t)! / total);
    return out;
  }
}

let current: RuntimeIndex | undefined;
/** Targets of a member call in `caller`, observed ones first by share (for Go to Implementation). */
export function rankByRunTime(caller: string, targets: string[]): { name: string; share?: number }[] {
  const shares = current?.targetShares(caller, targets) ?? new Map<string, number>();
  return targets.map((name) => ({ name, share: shares.get(name) })).sort((a, b) => (b.share ?? -1) - (a.share ?? -1));
}

export function registerRuntimeEditor(ctx: vscode.ExtensionContext, atlas: Atlas, rt: AtlasRuntime): void {
  const lensChanged = new vscode.EventEmitter<void>();
  const gutter = vscode.window.createTextEditorDecorationType({
    gutterIconPath: vscode.Uri.joinPath(ctx.extensionUri, 'media', 'drop.svg'),
    gutterIconSize: 'contain',
    overviewRulerColor: new vscode.ThemeColor('editorError.foreground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  const decorate = (editors: readonly vscode.TextEditor[]) => {
    for (const ed of editors) {
      const rel = atlas.rel(ed.document.uri);
      const ranges: vscode.DecorationOptions[] = [];
      if (rel && current) {
        for (const [fn, list] of current.drops) {
          for (const d of list) {
            for (const l of d.lines) {
              if (l.file !== rel) continue;
              ranges.push({ range: new vscode.Range(l.line - 1, 0, l.line - 1, 0), hoverMessage: new vscode.MarkdownString(`**${fn}** dropped ${d.count.toLocaleString('en-US')} packets (${rateText(d.count, current.seconds)}) with **${d.reason}**${d.doc ? ` — ${d.doc}` : ''}`) });
            }
          }
        }
      }
      ed.setDecorations(gutter, ranges);
    }
  };
  const refresh = () => {
    current = rt.result ? new RuntimeIndex(rt.result) : undefined;
    lensChanged.fire();
    decorate(vscode.window.visibleTextEditors);
  };
  ctx.subscriptions.push(
    lensChanged,
    gutter,
    rt.onDidChange(refresh),
    vscode.window.onDidChangeVisibleTextEditors(decorate),
    vscode.languages.registerHoverProvider(C_SELECTOR, {
      provideHover(doc, pos) {
        if (!current || !atlas.ready) return undefined;
        const mc = memberCallAt(atlas, doc, pos);
        if (mc) {
          const ranked = rankByRunTime(mc.caller, [...new Set(mc.targets.map((t) => t.to))]).filter((t) => t.share !== undefined);
          if (!ranked.length) return undefined;
          // VS Code's peek lists implementations by file whatever the provider's order: the ranked
          // list is here, each name opening its definition
          const link = (name: string) => {
            const d = atlas.session!.index.functions(name)[0];
            return d ? `[\`${name}\`](command:netstackAtlas.openLocation?${encodeURIComponent(JSON.stringify([d.file, d.def.line]))} "${d.file}:${d.def.line}")` : `\`${name}\``;
          };
          const md = new vscode.MarkdownString(`**Seen at run time** from \`${mc.caller}\`: ${ranked.map((t) => `${link(t.name)} ${pctText(t.share!)}`).join(', ')}`);
          md.isTrusted = { enabledCommands: ['netstackAtlas.openLocation'] };
          return new vscode.Hover(md, mc.range);
        }
        const f = functionAt(atlas, doc, pos);
        const md = f && current.details(f.name);
        return md ? new vscode.Hover(md, f.range) : undefined;
      },
    }),
    vscode.languages.registerCodeLensProvider(C_SELECTOR, {
      onDidChangeCodeLenses: lensChanged.event,
      provideCodeLenses(doc) {
        if (!current || !atlas.ready) return [];
        const rel = atlas.rel(doc.uri);
        const facts = rel ? atlas.session!.index.fileFacts(rel) : undefined;
        const out: vscode.CodeLens[] = [];
        for (const f of facts?.functions ?? []) {
          const title = current.summary(f.name);
          if (title) out.push(new vscode.CodeLens(new vscode.Range(f.line - 1, 0, f.line - 1, 0), { title, command: 'netstackAtlas.openMap', tooltip: 'From the last run-time recording: open the map' }));
        }
        return out;
      },
    }),
  );
  refresh();
}

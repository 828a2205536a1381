// Go to Definition / Implementation: a member call jumps to the functions the graph resolved it to
// (a peek list when several); a function name jumps to its definition(s) in the index.
import * as vscode from 'vscode';
import type { Atlas } from './session.ts';
import { C_SELECTOR, functionAt, memberCallAt, wordAt } from './symbols.ts';
import { rankByRunTime } from './runtimeEditor.ts';

function targets(atlas: Atlas, doc: vscode.TextDocument, pos: vscode.Position): vscode.Location[] | undefined {
  if (!atlas.ready) return undefined;
  const mc = memberCallAt(atlas, doc, pos);
  const index = atlas.session!.index;
  if (mc) {
    const out: vscode.Location[] = [];
    // targets seen at run time first, by their share of the observed calls (last recording)
    for (const { name } of rankByRunTime(mc.caller, [...new Set(mc.targets.map((t) => t.to))])) for (const d of index.functions(name)) out.push(atlas.location(d.file, d.def.line));
    return out;
  }
  const f = functionAt(atlas, doc, pos);
  if (f) return index.functions(f.name).map((d) => atlas.location(d.file, d.def.line));
  const w = wordAt(doc, pos);
  const s = w ? index.struct(w.word) : undefined;
  return s ? [atlas.location(s.file, s.def.line)] : undefined;
}

export function registerNavigation(ctx: vscode.ExtensionContext, atlas: Atlas): void {
  ctx.subscriptions.push(
    vscode.languages.registerDefinitionProvider(C_SELECTOR, { provideDefinition: (doc, pos) => targets(atlas, doc, pos) }),
    vscode.languages.registerImplementationProvider(C_SELECTOR, { provideImplementation: (doc, pos) => targets(atlas, doc, pos) }),
  );
}

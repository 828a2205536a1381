// Shared by the editor features: what is under the cursor (a function name, or the member of a
// member call `sk->sk_prot->sendmsg(`) and where the graph says a member call goes.
import * as vscode from 'vscode';
import type { CallEdge } from '../core/graph/types.ts';
import type { Atlas } from './session.ts';

export interface MemberCall {
  member: string;
  range: vscode.Range;
  /** The function holding the call. */
  caller: string;
  targets: CallEdge[];
  /** Set when the graph saw the call but could not resolve it. */
  unresolved?: string;
}

export const C_SELECTOR: vscode.DocumentSelector = [{ language: 'c', scheme: 'file' }, { language: 'cpp', scheme: 'file', pattern: '**/*.h' }];

export function wordAt(doc: vscode.TextDocument, pos: vscode.Position): { word: string; range: vscode.Range } | undefined {
  const range = doc.getWordRangeAtPosition(pos, /[A-Za-z_]\w*/);
  return range ? { word: doc.getText(range), range } : undefined;
}

/** A member call at the position (`->name(` or `.name(`, or `INDIRECT_CALL_n(x->name, …`), resolved through the call graph. */
export function memberCallAt(atlas: Atlas, doc: vscode.TextDocument, pos: vscode.Position): MemberCall | undefined {
  const w = wordAt(doc, pos);
  if (!w || !atlas.ready) return undefined;
  const line = doc.lineAt(pos.line).text;
  const before = line.slice(0, w.range.start.character);
  const after = line.slice(w.range.end.character);
  if (!/(->|\.)\s*$/.test(before)) return undefined;
  // `sk->sk_prot->sendmsg(…)`, or the function-pointer argument of the kernel's devirtualizing
  // wrapper `INDIRECT_CALL_2(sk->sk_prot->sendmsg, tcp_sendmsg, udp_sendmsg, …)`
  const called = /^\s*\(/.test(after) || (/^\s*,/.test(after) && /\bINDIRECT_CALL_\d+\s*\(\s*[\w\s.>-]*$/.test(before));
  if (!called) return undefined;
  const line1 = pos.line + 1;
  const fn = atlas.enclosingFunction(doc.uri, line1);
  if (!fn) return undefined;
  const targets = atlas.graphs!.graph.callees(fn.name).filter((e) => e.line === line1 && e.kind !== 'direct' && (!e.via || e.via.endsWith('.' + w.word) || e.kind !== 'ops'));
  const un = atlas.graphs!.callGraph?.unresolvedIn(fn.name).find((u) => u.line === line1);
  return { member: w.word, range: w.range, caller: fn.name, targets, unresolved: un ? un.chain.split('|').slice(1).join('->') : undefined };
}

/** A known function name at the position (not a member call). */
export function functionAt(atlas: Atlas, doc: vscode.TextDocument, pos: vscode.Position): { name: string; range: vscode.Range } | undefined {
  const w = wordAt(doc, pos);
  if (!w || !atlas.ready) return undefined;
  const before = doc.lineAt(pos.line).text.slice(0, w.range.start.character);
  if (/(->|\.)\s*$/.test(before)) return undefined;
  return atlas.session!.index.functions(w.word).length ? { name: w.word, range: w.range } : undefined;
}

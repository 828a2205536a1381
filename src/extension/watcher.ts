// Re-index saved .c/.h files of the kernel tree (one file at a time, debounced), and parse whole a
// file opened in an editor whose function bodies came from the lexical tier (precise hovers and calls).
import * as vscode from 'vscode';
import type { Atlas } from './session.ts';

export function registerWatcher(ctx: vscode.ExtensionContext, atlas: Atlas): void {
  const queue = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const flush = async () => {
    timer = undefined;
    const uris = [...queue].map((u) => vscode.Uri.parse(u));
    queue.clear();
    for (const u of uris) {
      try {
        await atlas.reindexFile(u);
      } catch (e) {
        atlas.output.warn(`re-index of ${u.fsPath} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };
  const onFile = (uri: vscode.Uri) => {
    if (!/\.[ch]$/.test(uri.path) || !atlas.rel(uri) || !atlas.ready) return;
    queue.add(uri.toString());
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void flush(), 400);
  };
  const w = vscode.workspace.createFileSystemWatcher('**/*.{c,h}', true, false, true);
  const onOpen = (d: vscode.TextDocument) => {
    if (atlas.fromLexicalTier(d.uri)) onFile(d.uri);
  };
  ctx.subscriptions.push(w, w.onDidChange(onFile), vscode.workspace.onDidSaveTextDocument((d) => onFile(d.uri)), vscode.workspace.onDidOpenTextDocument(onOpen), { dispose: () => timer && clearTimeout(timer) });
  for (const d of vscode.workspace.textDocuments) onOpen(d);
}

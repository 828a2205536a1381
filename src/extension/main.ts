// Extension entry: builds the shared state and hands it to each feature, which registers its own
// disposables. Activation does no indexing itself: indexing starts right after, in the background
// (setting netstackAtlas.index.onOpen), or on the first command that needs it.
import * as vscode from 'vscode';
import { Atlas } from './session.ts';
import { LiveMetrics } from './live.ts';
import { config } from './config.ts';
import { registerStatusBar } from './statusBar.ts';
import { registerCommands } from './commands.ts';
import { registerLayersView } from './layersView.ts';
import { registerOpsView } from './opsView.ts';
import { registerRegistrationsView } from './registrationsView.ts';
import { registerAlertsView } from './alertsView.ts';
import { registerHover } from './hover.ts';
import { registerNavigation } from './navigation.ts';
import { registerCallHierarchy } from './callHierarchy.ts';
import { registerCodeLens } from './codeLens.ts';
import { registerWatcher } from './watcher.ts';
import { registerRuntime } from './runtime.ts';
import { registerRuntimeEditor } from './runtimeEditor.ts';
import { registerRuntimeView } from './runtimeView.ts';

export function activate(ctx: vscode.ExtensionContext): void {
  const atlas = new Atlas(ctx);
  const live = new LiveMetrics(atlas);
  ctx.subscriptions.push(atlas, live);
  registerStatusBar(ctx, atlas, live);
  registerCommands(ctx, atlas, live);
  registerLayersView(ctx, atlas);
  registerOpsView(ctx, atlas);
  registerRegistrationsView(ctx, atlas);
  registerAlertsView(ctx, live);
  registerHover(ctx, atlas, live);
  registerNavigation(ctx, atlas);
  registerCallHierarchy(ctx, atlas);
  registerCodeLens(ctx, atlas, live);
  registerWatcher(ctx, atlas);
  const runtime = registerRuntime(ctx, atlas);
  registerRuntimeEditor(ctx, atlas, runtime);
  registerRuntimeView(ctx, runtime);
  ctx.subscriptions.push(atlas.onDidChange(() => {
    if (atlas.ready) live.start();
  }));
  if (atlas.root && config.openMapOnStart()) setTimeout(() => void vscode.commands.executeCommand('netstackAtlas.openMap'), 0);
  else if (atlas.root && config.indexOnOpen()) setTimeout(() => void atlas.ensureIndexed(), 0);
}

export function deactivate(): void {}

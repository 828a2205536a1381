// Run-time recording in VS Code: "Record 10 s" and "Stop Recording" (commands, and the map's buttons),
// progress in a notification whose Cancel stops perf. perf starts only on those user actions and is
// killed when the map panel that started it closes or the window goes. The last result feeds the
// editor features in runtimeEditor.ts and the Runtime view. Context keys: netstackAtlas.recording,
// netstackAtlas.runtimeResult.
import * as vscode from 'vscode';
import { release } from 'node:os';
import type { Atlas } from './session.ts';
import type { ToWebview } from '../core/map/protocol.ts';
import { RuntimeController, type RuntimeResult } from '../core/map/runtimeController.ts';
import { joinContext, type JoinContext } from '../core/runtime/join.ts';
import { readSystemFile, systemRecorderDeps } from '../core/runtime/system.ts';
import type { RuntimeMode } from '../core/runtime/recorder.ts';
import { treeFileReader } from '../core/index/treeFiles.ts';

type Poster = (m: ToWebview) => void;

export class AtlasRuntime implements vscode.Disposable {
  static current: AtlasRuntime | undefined;
  private readonly controller: RuntimeController;
  private readonly posters = new Set<Poster>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private ctxCache: { session: unknown; ctx: JoinContext } | undefined;
  private progress: ((m: { message: string }) => void) | undefined;
  /** The poster that started the running recording (its panel closing kills perf). */
  private owner: Poster | undefined;

  constructor(private readonly atlas: Atlas) {
    this.controller = new RuntimeController({
      deps: systemRecorderDeps(),
      context: () => this.context(),
      post: (m) => {
        for (const p of this.posters) p(m);
        if (m.type === 'runtime/status') {
          this.progress?.({ message: m.state === 'recording' ? `${m.elapsed} s · ${m.events.toLocaleString('en-US')} events` : m.state });
          if (m.state === 'error' && m.message) void vscode.window.showWarningMessage(`Netstack Atlas: ${m.message}`);
          if (m.state === 'error' || m.state === 'done') atlas.output.info(`run-time recording ${m.state}: ${m.message ?? ''}`);
        }
      },
      onResult: () => {
        void vscode.commands.executeCommand('setContext', 'netstackAtlas.runtimeResult', true);
        for (const n of this.result?.profile?.notes ?? this.result?.drops?.notes ?? []) atlas.output.info(`run time: ${n}`);
        this.changed.fire();
      },
    });
    AtlasRuntime.current = this;
  }

  get result(): RuntimeResult | undefined {
    return this.controller.last;
  }

  private async context(): Promise<JoinContext | undefined> {
    const a = this.atlas;
    if (!a.ready) await a.ensureIndexed();
    if (!a.ready || !a.root) return undefined;
    // TS narrows `a.ready` to true after the first check; the await above may have changed it
    const cached = this.ctxCache;
    if (cached && cached.session === a.graphs) return cached.ctx;
    const ctx = joinContext(a.session!.index, a.graphs!.callGraph, a.graphs!.layers, treeFileReader(a.root), readSystemFile, release());
    this.ctxCache = { session: a.graphs, ctx };
    return ctx;
  }

  /** A map panel (or any view) receiving status and overlays; returns its detach. The last overlay
   *  is the panel's to send once its model is there (map/init clears the webview's overlay). */
  attach(post: Poster): () => void {
    this.posters.add(post);
    return () => {
      this.posters.delete(post);
      if (this.owner === post) this.controller.stop(); // its panel closed: perf must not outlive it
    };
  }

  async record(seconds: number, mode: RuntimeMode, owner?: Poster): Promise<void> {
    if (this.controller.busy) {
      void vscode.window.showInformationMessage('Netstack Atlas: a recording is already running.');
      return;
    }
    this.owner = owner;
    void vscode.commands.executeCommand('setContext', 'netstackAtlas.recording', true);
    try {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Netstack Atlas: recording the kernel (${mode}, ${seconds} s)`, cancellable: true }, async (p, cancel) => {
        this.progress = (m) => p.report(m);
        cancel.onCancellationRequested(() => this.controller.stop());
        if (!this.atlas.ready) void this.atlas.ensureIndexed(); // indexing runs while perf records
        await this.controller.record(seconds, mode);
      });
    } finally {
      this.progress = undefined;
      this.owner = undefined;
      void vscode.commands.executeCommand('setContext', 'netstackAtlas.recording', false);
    }
  }

  stop(): void {
    this.controller.stop();
  }

  dispose(): void {
    this.controller.dispose(); // kills perf at once
    this.changed.dispose();
    if (AtlasRuntime.current === this) AtlasRuntime.current = undefined;
  }
}

export function registerRuntime(ctx: vscode.ExtensionContext, atlas: Atlas): AtlasRuntime {
  const rt = new AtlasRuntime(atlas);
  ctx.subscriptions.push(
    rt,
    vscode.commands.registerCommand('netstackAtlas.recordRuntime', () => rt.record(10, 'both')),
    vscode.commands.registerCommand('netstackAtlas.stopRuntime', () => rt.stop()),
  );
  return rt;
}

// The extension's state: which workspace folder is a kernel tree, its open index (built in the
// worker threads with a cancellable progress notification), and the graphs built from it.
// Context keys: netstackAtlas.state (idle|indexing|ready|failed|notKernel), netstackAtlas.ready,
// netstackAtlas.kernelTree, netstackAtlas.graphAvailable.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join, relative, isAbsolute, sep } from 'node:path';
import { openIndex, scopeKey, type IndexSession } from '../core/index/indexer.ts';
import { FreshnessBeacon } from '../core/map/freshBeacon.ts';
import { distGrammarLocation } from '../core/index/treeSitter.ts';
import type { FunctionDef } from '../core/index/facts.ts';
import { graphsFrom, type Graphs } from '../core/map/graphs.ts';
import { MapBuilder } from '../core/map/mapModel.ts';
import type { DerivedStore } from '../core/map/derivedStore.ts';
import type { MapModel } from '../core/map/protocol.ts';
import { derivedOf, reindexDerived, saveDerived } from '../core/map/derivedSession.ts';
import { config } from './config.ts';
import { locateTreeFile, TreeFileError } from '../core/index/treeFiles.ts';

/** Largest tree file opened in an editor. */
const MAX_EDITOR_BYTES = 50 * 1024 * 1024;

export type AtlasState = 'idle' | 'indexing' | 'ready' | 'failed' | 'notKernel';

export class Atlas implements vscode.Disposable {
  state: AtlasState = 'idle';
  root: string | undefined;
  session: IndexSession | undefined;
  graphs: Graphs | undefined;
  builder: MapBuilder | undefined;
  /** Call graph, layers, counters and map model, from the cache shared with the CLI when current. */
  derived: DerivedStore | undefined;
  progress = { done: 0, total: 0 };
  error: string | undefined;
  readonly output: vscode.LogOutputChannel;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly progressed = new vscode.EventEmitter<{ done: number; total: number }>();
  readonly onProgress = this.progressed.event;
  private running: Promise<boolean> | undefined;
  private abort: AbortController | undefined;
  private notifiedNotKernel = false;

  constructor(readonly ctx: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('Netstack Atlas', { log: true });
    this.root = findKernelRoot();
    void this.setContext();
  }

  get distDir(): string {
    return join(this.ctx.extensionPath, 'dist');
  }

  get ready(): boolean {
    return this.state === 'ready' && !!this.session && !!this.graphs;
  }

  private async setContext(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'netstackAtlas.state', this.state);
    await vscode.commands.executeCommand('setContext', 'netstackAtlas.ready', this.state === 'ready');
    await vscode.commands.executeCommand('setContext', 'netstackAtlas.kernelTree', !!this.root);
    await vscode.commands.executeCommand('setContext', 'netstackAtlas.graphAvailable', !!this.graphs?.graphAvailable);
  }

  private set(state: AtlasState): void {
    this.state = state;
    void this.setContext();
    this.changed.fire();
  }

  /** Index the tree unless done; resolves true when ready. A non-kernel workspace: one notification. */
  ensureIndexed(): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    if (this.running) return this.running;
    this.root ??= findKernelRoot();
    if (!this.root) {
      this.set('notKernel');
      if (!this.notifiedNotKernel) {
        this.notifiedNotKernel = true;
        void vscode.window.showWarningMessage('Netstack Atlas: this workspace is not a Linux kernel tree. Open the top folder of a kernel source tree (the one holding net/socket.c).');
      }
      return Promise.resolve(false);
    }
    this.running = this.runIndex(this.root).finally(() => (this.running = undefined));
    return this.running;
  }

  async reindex(): Promise<boolean> {
    if (this.running) {
      this.abort?.abort();
      await this.running.catch(() => false);
    }
    this.beacon?.dispose();
    this.beacon = undefined;
    this.session?.dispose();
    this.session = undefined;
    this.graphs = undefined;
    this.builder = undefined;
    this.set('idle');
    return this.ensureIndexed();
  }

  private async runIndex(root: string): Promise<boolean> {
    this.set('indexing');
    this.error = undefined;
    const cacheDir = config.cacheDirectory() || undefined;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Netstack Atlas: indexing', cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => this.abort?.abort());
          let last = 0;
          let reported = 0;
          const t0 = Date.now();
          const workers = config.workers();
          const include = config.include();
          const exclude = config.exclude();
          this.session = await openIndex(root, {
            grammar: distGrammarLocation(this.distDir),
            distDir: this.distDir,
            workers: workers > 0 ? workers : undefined,
            all: config.allFiles(),
            include: include.length ? include : undefined,
            exclude: exclude.length ? exclude : undefined,
            cacheDir,
            signal,
            log: (line) => this.output.info(line),
            onProgress: (done, total) => {
              this.progress = { done, total };
              const now = Date.now();
              if (now - last < 150 && done !== total) return;
              last = now;
              const pct = total ? (done / total) * 100 : 100;
              progress.report({ message: `${done} / ${total} files`, increment: pct - reported });
              reported = pct;
              this.progressed.fire(this.progress);
            },
          });
          progress.report({ message: 'building the call graph and layers…' });
          this.progressed.fire({ done: this.progress.total, total: this.progress.total });
          this.rebuildGraphs(this.session);
          this.keepBeacon(root, this.session);
          const s = this.session.stats;
          this.output.info(`indexed ${s.files} files (${s.parsedFiles} parsed, ${s.cachedFiles} cached) in ${((Date.now() - t0) / 1000).toFixed(1)} s; kernel ${s.kernelVersion ?? 'unknown'}; cache ${s.cache.state}`);
          for (const e of s.errors.slice(0, 20)) this.output.warn(`${e.file}: ${e.message}`);
        },
      );
      this.set('ready');
      return true;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.error = msg;
      this.output.error(`indexing failed: ${msg}`);
      this.set(signal.aborted ? 'idle' : 'failed');
      if (!signal.aborted) void vscode.window.showErrorMessage(`Netstack Atlas: indexing failed: ${msg}`);
      return false;
    }
  }

  /** While this window watches the tree, CLI queries on it may skip their stat of every file. */
  private beacon: FreshnessBeacon | undefined;
  private keepBeacon(root: string, session: IndexSession): void {
    this.beacon?.dispose();
    const dir = session.access?.dir;
    this.beacon = dir ? new FreshnessBeacon({ root, cacheDir: dir, scope: scopeKey(this.scope()), log: (l) => this.output.warn(l) }) : undefined;
  }

  private scope() {
    const include = config.include();
    const exclude = config.exclude();
    return { all: config.allFiles(), include: include.length ? include : undefined, exclude: exclude.length ? exclude : undefined };
  }

  private rebuildGraphs(session: IndexSession, next?: DerivedStore): void {
    const log = (l: string) => this.output.warn(l);
    if (this.derived !== next) this.derived?.close();
    this.derived = next ?? derivedOf(this.scope(), session, (l) => this.output.info(l));
    this.graphs = graphsFrom(this.derived, session.index, log);
    this.builder = new MapBuilder({ index: session.index, ...this.graphs });
    this.model = undefined;
    const store = this.derived;
    // persisted after the map and hovers are up: the next window, profile or CLI run reads it (after a
    // saved file, `reindexFile` schedules that save itself: a second one would stat every file again)
    if (!next && store.rebuilt.length) setTimeout(() => this.derived === store && saveDerived(store, session), 0);
  }

  private model: MapModel | undefined;
  /** The map's model: read from the cache when current, built once otherwise. */
  mapModel(): MapModel {
    if (!this.model) {
      const store = this.derived!;
      const built = store.rebuilt.length;
      this.model = store.mapModel(() => this.builder!);
      this.builder?.adoptColumns(this.model);
      if (store.rebuilt.length > built && this.session) saveDerived(store, this.session);
    }
    return this.model;
  }

  /** Whether a file's function bodies came from the lexical tier (it is parsed whole when opened). */
  fromLexicalTier(uri: vscode.Uri): boolean {
    const rel = this.rel(uri);
    return !!rel && this.state === 'ready' && !!this.session?.index.fileFacts(rel)?.lexicalBodies;
  }

  /** Re-parse one saved file and rebuild the graphs. */
  async reindexFile(uri: vscode.Uri): Promise<void> {
    const rel = this.rel(uri);
    if (!rel || !this.session || this.state !== 'ready') return;
    const session = this.session;
    const { store, factsChanged, update } = await reindexDerived(this.scope(), session, this.derived!, rel, (l) => this.output.info(l));
    session.save();
    // sections updated in place or dropped: the map's inputs are taken again (what was dropped is built now)
    if (update.incremental.length || update.rebuilt.length) this.rebuildGraphs(session, store);
    setTimeout(() => this.derived === store && saveDerived(store, session), 0); // after the answers are up
    this.output.info(`re-indexed ${rel}${factsChanged ? '' : ' (no fact changed)'}${update.incremental.length ? `; updated ${update.incremental.join(', ')}` : ''}${update.rebuilt.length ? `; rebuilt ${update.rebuilt.join(', ')}` : ''}`);
    this.changed.fire();
  }

  /** Tree-relative path of a file inside the kernel tree, else undefined. */
  rel(uri: vscode.Uri): string | undefined {
    if (!this.root || uri.scheme !== 'file') return undefined;
    const r = relative(this.root, uri.fsPath);
    if (!r || r.startsWith('..') || isAbsolute(r)) return undefined;
    return r.split(sep).join('/');
  }

  uri(file: string): vscode.Uri {
    return vscode.Uri.file(join(this.root ?? '', file));
  }

  /**
   * Opens a tree file in an editor under the rules of every tree read (a tree-relative name, inside
   * the tree's real root, a regular file, capped): a symlink to /etc/shadow, a FIFO named *.c or
   * `../..` from a command's arguments is refused with one line instead.
   */
  async openSource(file: unknown, line: unknown, preview?: boolean): Promise<boolean> {
    const root = this.root;
    if (!root || typeof file !== 'string') return false;
    try {
      locateTreeFile(root, file, MAX_EDITOR_BYTES);
    } catch (e) {
      if (!(e instanceof TreeFileError)) throw e;
      this.output.warn(`not opened: ${e.message}`);
      if (e.problem !== 'missing') void vscode.window.showWarningMessage(`Netstack Atlas: not opened: ${e.message}`);
      return false;
    }
    const pos = new vscode.Position(Number.isSafeInteger(line) && (line as number) > 0 ? (line as number) - 1 : 0, 0);
    await vscode.window.showTextDocument(this.uri(file), { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(pos, pos), ...(preview === undefined ? {} : { preview }) });
    return true;
  }

  location(file: string, line: number): vscode.Location {
    return new vscode.Location(this.uri(file), new vscode.Position(Math.max(0, line - 1), 0));
  }

  /** The function whose body holds this position. */
  enclosingFunction(uri: vscode.Uri, line1: number): FunctionDef | undefined {
    const rel = this.rel(uri);
    const facts = rel ? this.session?.index.fileFacts(rel) : undefined;
    return facts?.functions.find((f) => f.startLine <= line1 && line1 <= f.endLine);
  }

  dispose(): void {
    this.abort?.abort();
    this.beacon?.dispose();
    this.session?.dispose();
    this.derived?.close();
    this.changed.dispose();
    this.progressed.dispose();
    this.output.dispose();
  }
}

/** The first workspace folder that looks like a kernel tree. */
export function findKernelRoot(): string | undefined {
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    if (f.uri.scheme === 'file' && existsSync(join(f.uri.fsPath, 'net/socket.c'))) return f.uri.fsPath;
  }
  return undefined;
}

// Open a tree's index: detect the tree, list the scope, reuse what the cache still vouches for
// (size + mtime, else content hash), parse the rest in workers, save. Also: re-index one file in place.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { detectTree, listSourceFiles, scopeIncludes, type ScopeOptions, type TreeInfo } from './kernelTree.ts';
import { AttributeBlanker, deriveAttributeMacros, scanDefines, type AttributeMacroSet, type MacroDefinitionText } from './attributeMacros.ts';
import { CACHE_SCHEMA, cacheFilePath, defaultCacheDir, readCache, writeCache, type CachedFile } from './cache.ts';
import { CorruptCache } from './factsCodec.ts';
import { CParser, type GrammarLocation } from './treeSitter.ts';
import { readAndParse } from './readSourceFile.ts';
import { readTreeFile } from './treeFiles.ts';
import { hashContent, type FileParseResult } from './parseFile.ts';
import { KernelIndex } from './model.ts';
import { defaultWorkerCount, parseWithWorkers } from './workerPool.ts';
import { macroSetToMessage } from './workerProtocol.ts';

export interface IndexOptions extends ScopeOptions {
  grammar: GrammarLocation;
  /** The built worker script (dist/indexWorker.js) and the dist folder it loads wasm from. With 0 workers, parse in this thread. */
  distDir?: string;
  workers?: number;
  cacheDir?: string;
  noCache?: boolean;
  onProgress?(done: number, total: number): void;
  /** One-line notes (cache rebuilt, tree warnings). */
  log?(line: string): void;
  signal?: AbortSignal;
}

export interface IndexStats {
  kernelVersion: string | null;
  files: number;
  parsedFiles: number;
  cachedFiles: number;
  seconds: number;
  errors: { file: string; message: string }[];
  warnings: { file: string; message: string }[];
  /** Syntax-error regions tree-sitter recovered from, summed over files. */
  syntaxErrors: number;
  /** Bytes the pre-filter kept from the parser (macro definitions, data tables). */
  skippedBytes: number;
  cache: { path: string | null; state: 'none' | 'fresh' | 'updated' | 'rebuilt' | 'unchanged'; note?: string };
  /** Seconds per phase: listing + cache check, parsing, saving the cache. */
  phases: { scan: number; parse: number; save: number };
}

/** Headers whose `#define`s yield the attribute macros to blank (when the tree has them). */
const ATTRIBUTE_HEADERS = [
  'include/linux/compiler.h', 'include/linux/compiler_types.h', 'include/linux/compiler_attributes.h',
  'include/linux/compiler-gcc.h', 'include/linux/compiler-clang.h', 'include/linux/init.h', 'include/linux/cache.h',
  'include/linux/linkage.h', 'include/linux/types.h', 'include/linux/stddef.h', 'include/linux/export.h',
  'include/linux/percpu-defs.h', 'include/linux/indirect_call_wrapper.h', 'include/net/net_namespace.h',
  'include/linux/kcsan-checks.h', 'include/linux/instrumentation.h', 'include/linux/btf.h', 'include/linux/module.h',
  'include/uapi/linux/stddef.h', 'include/asm-generic/cache.h',
];

/** The attribute-macro set of a tree (seed list grown from its own headers). */
export function treeAttributeMacros(root: string): { set: AttributeMacroSet; headers: string[] } {
  const defs: MacroDefinitionText[] = [];
  const headers: string[] = [];
  for (const h of ATTRIBUTE_HEADERS) {
    try {
      defs.push(...scanDefines(readTreeFile(root, h).bytes.toString('utf8')));
      headers.push(h);
    } catch {
      /* absent in a partial tree: the seed list covers it */
    }
  }
  return { set: deriveAttributeMacros(defs), headers };
}

function configKey(opts: ScopeOptions, set: AttributeMacroSet): string {
  const h = createHash('sha1');
  h.update(JSON.stringify([CACHE_SCHEMA, scopeIncludes(opts), opts.exclude ?? [], macroSetToMessage(set)]));
  return h.digest('hex');
}

/** An open index plus what is needed to keep it current. */
export class IndexSession {
  private parser: CParser | undefined;
  readonly stamps = new Map<string, CachedFile>();

  constructor(
    readonly index: KernelIndex,
    readonly tree: TreeInfo,
    readonly stats: IndexStats,
    private readonly opts: IndexOptions,
    private readonly blanker: AttributeBlanker,
    private readonly key: string,
  ) {}

  /** Re-parse one file (tree-relative) in this thread and replace its facts; a vanished file is removed. */
  async reindexFile(file: string): Promise<FileParseResult> {
    this.parser ??= await CParser.create(this.opts.grammar);
    const r = readAndParse(this.parser, this.blanker, this.tree.root, file);
    this.index.removeFile(file);
    if (r.facts) this.index.setFile(r.facts);
    if (r.error === 'deleted while indexing') this.stamps.delete(file);
    else this.stamps.set(file, { file, size: r.size, mtimeMs: r.mtimeMs, hash: r.hash, facts: r.facts, ...(r.error ? { error: r.error } : {}), ...(r.warning ? { warning: r.warning } : {}) });
    return r;
  }

  /** Persist the current state (atomic). No-op with --no-cache. */
  save(): void {
    const path = this.stats.cache.path;
    if (!path) return;
    writeCache(path, { root: this.tree.root, kernelVersion: this.tree.kernelVersion, configKey: this.key, writtenAt: new Date().toISOString() }, [...this.stamps.values()]);
  }

  dispose(): void {
    this.parser?.dispose();
    this.parser = undefined;
  }
}

export async function openIndex(treePath: string, opts: IndexOptions): Promise<IndexSession> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const tree = detectTree(treePath);
  const listing = listSourceFiles(tree.root, opts);
  const { set } = treeAttributeMacros(tree.root);
  const blanker = new AttributeBlanker(set);
  const key = configKey(opts, set);
  const cachePath = opts.noCache ? null : cacheFilePath(opts.cacheDir ?? defaultCacheDir(tree.root));
  const stats: IndexStats = {
    kernelVersion: tree.kernelVersion,
    files: listing.files.length,
    parsedFiles: 0,
    cachedFiles: 0,
    seconds: 0,
    errors: [...listing.problems],
    warnings: tree.warnings.map((message) => ({ file: '.', message })),
    syntaxErrors: 0,
    skippedBytes: 0,
    cache: { path: cachePath, state: 'none' },
    phases: { scan: 0, parse: 0, save: 0 },
  };

  // What the cache still vouches for.
  const cached = new Map<string, CachedFile>();
  if (cachePath) {
    try {
      const c = readCache(cachePath, tree.root);
      if (!c) stats.cache.state = 'fresh';
      else if (c.header.configKey !== key) {
        stats.cache = { path: cachePath, state: 'rebuilt', note: 'cache was made with another scope or macro list; rebuilding' };
      } else for (const f of c.files) cached.set(f.file, f);
    } catch (e) {
      if (!(e instanceof CorruptCache)) throw e;
      stats.cache = { path: cachePath, state: 'rebuilt', note: `cache unusable (${e.message}); rebuilding` };
    }
    if (stats.cache.note) log(stats.cache.note);
  }

  const index = new KernelIndex(tree.root, tree.kernelVersion);
  const session = new IndexSession(index, tree, stats, opts, blanker, key);
  const toParse: { file: string; size: number }[] = [];
  for (const file of listing.files) {
    const hit = cached.get(file);
    let st;
    try {
      st = statSync(join(tree.root, file));
    } catch {
      toParse.push({ file, size: 0 }); // reported by the parse
      continue;
    }
    if (hit && hit.size === st.size && (hit.mtimeMs === st.mtimeMs || (hit.hash && sameContent(tree.root, file, hit.hash)))) {
      const entry = { ...hit, mtimeMs: st.mtimeMs };
      session.stamps.set(file, entry);
      if (entry.facts) index.setFile(entry.facts);
      stats.cachedFiles++;
    } else toParse.push({ file, size: st.size });
  }

  const accept = (r: FileParseResult) => {
    stats.parsedFiles++;
    if (r.facts) {
      index.setFile(r.facts);
      stats.syntaxErrors += r.facts.syntaxErrors;
    }
    stats.skippedBytes += r.skippedBytes;
    if (r.error) stats.errors.push({ file: r.file, message: r.error });
    if (r.warning) stats.warnings.push({ file: r.file, message: r.warning });
    if (r.error === 'deleted while indexing') session.stamps.delete(r.file);
    else session.stamps.set(r.file, { file: r.file, size: r.size, mtimeMs: r.mtimeMs, hash: r.hash, facts: r.facts, ...(r.error ? { error: r.error } : {}), ...(r.warning ? { warning: r.warning } : {}) });
    opts.onProgress?.(stats.cachedFiles + stats.parsedFiles, stats.files);
  };
  opts.onProgress?.(stats.cachedFiles, stats.files);
  const tParse = performance.now();
  stats.phases.scan = (tParse - t0) / 1000;
  toParse.sort((a, b) => b.size - a.size);
  const files = toParse.map((f) => f.file);
  const workers = opts.workers ?? defaultWorkerCount();
  if (files.length && workers > 0 && opts.distDir && existsSync(join(opts.distDir, 'indexWorker.js'))) {
    await parseWithWorkers(join(opts.distDir, 'indexWorker.js'), Math.min(workers, files.length), { type: 'index/init', distDir: opts.distDir, attributeMacros: macroSetToMessage(set) }, { root: tree.root, files, onResult: accept, signal: opts.signal });
  } else if (files.length) {
    const parser = await CParser.create(opts.grammar);
    try {
      for (const f of files) {
        if (opts.signal?.aborted) throw new Error('indexing cancelled');
        accept(readAndParse(parser, blanker, tree.root, f));
      }
    } finally {
      parser.dispose();
    }
  }

  const tSave = performance.now();
  stats.phases.parse = (tSave - tParse) / 1000;
  // Files that left the scope or the tree drop out with the next save.
  if (cachePath && (stats.parsedFiles > 0 || cached.size !== stats.cachedFiles || stats.cache.state !== 'none')) {
    if (stats.cache.state === 'none') stats.cache.state = 'updated';
    session.save();
  } else if (cachePath) stats.cache.state = 'unchanged';
  stats.phases.save = (performance.now() - tSave) / 1000;
  stats.seconds = (performance.now() - t0) / 1000;
  return session;
}

function sameContent(root: string, file: string, hash: string): boolean {
  try {
    return hashContent(readTreeFile(root, file).bytes) === hash;
  } catch {
    return false;
  }
}

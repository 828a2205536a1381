// Open a tree's index: detect the tree, list the scope, reuse what the cache still vouches for
// (size + mtime, else content hash), parse the rest in workers, save. Also: re-index one file in place.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { detectTree, listSourceFiles, scopeIncludes, type ScopeOptions, type TreeInfo } from './kernelTree.ts';
import { AttributeBlanker, deriveAttributeMacros, scanDefines, type AttributeMacroSet, type MacroDefinitionText } from './attributeMacros.ts';
import { CACHE_SCHEMA, readCache, writeCache, type CachedFile } from './cache.ts';
import { CacheAccess } from './cacheAccess.ts';
import { reusableEntries } from './cacheReuse.ts';
import { CorruptCache } from './factsCodec.ts';
import { CParser, type GrammarLocation } from './treeSitter.ts';
import { readAndParse } from './readSourceFile.ts';
import { hashContent, type FileParseResult } from './parseFile.ts';
import { KernelIndex } from './model.ts';
import { readTreeFile } from './treeFiles.ts';
import { defaultWorkerCount, parseWithWorkers } from './workerPool.ts';
import { macroSetToMessage } from './workerProtocol.ts';
import { DEFAULT_TIERS, lexicalFor, type TierPolicy } from './tiers.ts';
import { factsVersion } from './sourceVersion.ts';

export interface IndexOptions extends ScopeOptions {
  grammar: GrammarLocation;
  /** The built worker script (dist/indexWorker.js) and the dist folder it loads wasm from. With 0 workers, parse in this thread. */
  distDir?: string;
  workers?: number;
  cacheDir?: string;
  noCache?: boolean;
  /** Read nothing from the cache (found damaged while decoding), write it anew. */
  rebuildCache?: boolean;
  onProgress?(done: number, total: number): void;
  /** One-line notes (cache rebuilt, tree warnings). */
  log?(line: string): void;
  signal?: AbortSignal;
  /** Which files leave their function bodies to the lexical tier; default DEFAULT_TIERS. */
  tiers?: TierPolicy;
}

export interface IndexStats {
  kernelVersion: string | null;
  files: number;
  parsedFiles: number;
  cachedFiles: number;
  /** Files whose function bodies came from the lexical tier (parsed whole on demand). */
  lexicalFiles: number;
  seconds: number;
  errors: { file: string; message: string }[];
  warnings: { file: string; message: string }[];
  /** Syntax-error regions tree-sitter recovered from, summed over files. */
  syntaxErrors: number;
  /** Bytes the pre-filter kept from the parser (macro definitions, data tables). */
  skippedBytes: number;
  cache: { path: string | null; state: 'none' | 'fresh' | 'updated' | 'rebuilt' | 'unchanged' | 'memory'; note?: string };
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

/** What a file's facts depend on besides its text (schema, extractor code, attribute macros, which files the lexical
 *  tier reads): entries stay valid across scopes (--include/--exclude). */
function configKey(set: AttributeMacroSet, tiers: TierPolicy): string {
  return createHash('sha1').update(JSON.stringify([CACHE_SCHEMA, factsVersion(), macroSetToMessage(set), tiers])).digest('hex');
}

/** The scope itself, for what is derived from the whole index (call graph, layers, counters). */
export function scopeKey(opts: ScopeOptions): string {
  return createHash('sha1').update(JSON.stringify([scopeIncludes(opts), opts.exclude ?? []])).digest('hex').slice(0, 16);
}

/** An open index plus what is needed to keep it current. */
export class IndexSession {
  private parser: CParser | undefined;
  readonly stamps = new Map<string, CachedFile>();
  /** Entries of files outside this scope, kept in the cache for the next run with another scope. */
  carried: CachedFile[] = [];
  /** The cache folder (undefined with --no-cache). */
  access: CacheAccess | undefined;

  constructor(
    readonly index: KernelIndex,
    readonly tree: TreeInfo,
    readonly stats: IndexStats,
    private readonly opts: IndexOptions,
    private readonly blanker: AttributeBlanker,
    /** What the facts depend on besides file contents (schema, attribute macros). */
    readonly key: string,
  ) {}

  /**
   * Parse a file whole with tree-sitter if its bodies came from the lexical tier (before a precise
   * answer about it: the file is opened, or a query names one of its functions). True if it was re-parsed.
   */
  async ensurePrecise(file: string): Promise<boolean> {
    if (!this.index.fileFacts(file)?.lexicalBodies) return false;
    await this.reindexFile(file);
    return true;
  }

  /**
   * Before a precise answer about function `name`: parse whole the lexical-tier files that define
   * it or whose bodies mention it (calls, references, arguments, stores, hints). Returns their count.
   */
  async ensurePreciseAbout(name: string): Promise<number> {
    const files = this.lexicalFiles().filter((file) => {
      const f = this.index.fileFacts(file);
      if (!f) return false;
      return (
        f.functions.some((d) => d.name === name) ||
        f.calls.some((c) => c.callee === name || c.caller === name) ||
        f.refs.some((r) => r.name === name) ||
        f.args.some((a) => a.name === name) ||
        f.stores.some((x) => x.value === name) ||
        f.hints.some((h) => h.candidates.includes(name))
      );
    });
    for (const file of files) await this.reindexFile(file);
    return files.length;
  }

  /** Files whose bodies came from the lexical tier (parsed whole on demand). */
  lexicalFiles(): string[] {
    return [...this.stamps.values()].filter((s) => s.facts?.lexicalBodies).map((s) => s.file);
  }

  /** Re-parse one file (tree-relative) whole, in this thread, and replace its facts; a vanished file is removed. */
  async reindexFile(file: string): Promise<FileParseResult> {
    this.parser ??= await CParser.create(this.opts.grammar);
    const r = readAndParse(this.parser, this.blanker, this.tree.root, file);
    // replaced in place (the index keeps its file order, so everything derived lists in the same order)
    if (r.facts) this.index.setFile(r.facts);
    else this.index.removeFile(file);
    if (r.error === 'deleted while indexing') this.stamps.delete(file);
    else this.stamps.set(file, { file, size: r.size, mtimeMs: r.mtimeMs, hash: r.hash, facts: r.facts, ...(r.error ? { error: r.error } : {}), ...(r.warning ? { warning: r.warning } : {}) });
    return r;
  }

  /** Persist the current state (atomic, under the cache lock). No-op with --no-cache or an unwritable cache. */
  save(): boolean {
    const path = this.stats.cache.path;
    if (!path || !this.access) return false;
    return this.access.attemptLocked(() => writeCache(path, { root: this.tree.root, kernelVersion: this.tree.kernelVersion, configKey: this.key, writtenAt: new Date().toISOString() }, [...this.stamps.values(), ...this.carried]));
  }

  dispose(): void {
    this.parser?.dispose();
    this.parser = undefined;
  }
}

/** Opens a tree's index under its cache lock (a second indexer waits, then reuses what the first wrote). */
export async function openIndex(treePath: string, opts: IndexOptions): Promise<IndexSession> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const tree = detectTree(treePath);
  const access = opts.noCache ? undefined : await CacheAccess.open(tree, { cacheDir: opts.cacheDir, signal: opts.signal, log });
  try {
    return await indexTree(tree, opts, access, t0);
  } finally {
    access?.release();
  }
}

async function indexTree(tree: TreeInfo, opts: IndexOptions, access: CacheAccess | undefined, t0: number): Promise<IndexSession> {
  const log = opts.log ?? (() => {});
  const listing = listSourceFiles(tree.root, opts);
  const { set } = treeAttributeMacros(tree.root);
  const blanker = new AttributeBlanker(set);
  const tiers = opts.tiers ?? DEFAULT_TIERS;
  const key = configKey(set, tiers);
  const cachePath = access ? access.indexPath : null;
  const stats: IndexStats = {
    kernelVersion: tree.kernelVersion,
    files: listing.files.length,
    parsedFiles: 0,
    cachedFiles: 0,
    lexicalFiles: 0,
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
  if (cachePath && opts.rebuildCache) stats.cache = { path: cachePath, state: 'rebuilt' };
  else if (cachePath) {
    try {
      const c = readCache(cachePath, tree.root);
      if (!c) stats.cache.state = 'fresh';
      else if (c.header.configKey !== key) {
        stats.cache = { path: cachePath, state: 'rebuilt', note: 'cache was made by another version or with another macro list; rebuilding' };
      } else for (const f of c.files) cached.set(f.file, f);
    } catch (e) {
      if (!(e instanceof CorruptCache)) throw e;
      stats.cache = { path: cachePath, state: 'rebuilt', note: `cache unusable (${e.message}); rebuilding` };
    }
    if (stats.cache.note) log(stats.cache.note);
  }

  // a tree moved or copied elsewhere: entries of the same files in the old place's cache, by content
  // (only into the default cache: a --cache-dir is a cache of its own, filled from nowhere else)
  const donated = access && !opts.cacheDir && cached.size === 0 ? reusableEntries(tree, key, log) : undefined;
  const index = new KernelIndex(tree.root, tree.kernelVersion);
  const session = new IndexSession(index, tree, stats, opts, blanker, key);
  session.access = access;
  const inScope = new Set(listing.files);
  let touched = 0;
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
    const gift = hit ? undefined : donated?.get(file);
    if ((hit && hit.size === st.size && (hit.mtimeMs === st.mtimeMs || (hit.hash && sameContent(tree.root, file, hit.hash)))) || (gift && gift.size === st.size && sameContent(tree.root, file, gift.hash))) {
      const entry = { ...(hit ?? gift!), mtimeMs: st.mtimeMs };
      if (entry.mtimeMs !== (hit ?? gift!).mtimeMs) touched++;
      session.stamps.set(file, entry);
      if (entry.facts?.lexicalBodies) stats.lexicalFiles++;
      stats.cachedFiles++;
    } else toParse.push({ file, size: st.size });
  }

  const accept = (r: FileParseResult) => {
    stats.parsedFiles++;
    if (r.facts) {
      if (r.facts.lexicalBodies) stats.lexicalFiles++;
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
    await parseWithWorkers(join(opts.distDir, 'indexWorker.js'), Math.min(workers, files.length), { type: 'index/init', distDir: opts.distDir, attributeMacros: macroSetToMessage(set), tiers }, { root: tree.root, files, onResult: accept, signal: opts.signal });
  } else if (files.length) {
    const parser = await CParser.create(opts.grammar);
    try {
      for (const f of files) {
        if (opts.signal?.aborted) throw new Error('indexing cancelled');
        accept(readAndParse(parser, blanker, tree.root, f, lexicalFor(tiers, f)));
      }
    } finally {
      parser.dispose();
    }
  }

  // files enter the index in listing order whatever order workers finish in: what is derived from
  // the index (edge lists) comes out the same from a cold run, a warm one or after a re-index
  const stamped = new Map(session.stamps);
  session.stamps.clear();
  for (const f of listing.files) {
    const e = stamped.get(f);
    if (!e) continue;
    session.stamps.set(f, e);
    if (e.facts) index.setFile(e.facts);
  }
  const tSave = performance.now();
  stats.phases.parse = (tSave - tParse) / 1000;
  // Entries of files outside this scope stay for the next scope; those of vanished files drop out.
  let dropped = 0;
  for (const [file, f] of cached) {
    if (inScope.has(file)) continue;
    if (existsSync(join(tree.root, file))) session.carried.push(f);
    else dropped++;
  }
  if (cachePath && (stats.parsedFiles > 0 || dropped > 0 || touched > 0 || stats.cachedFiles + stats.parsedFiles !== listing.files.length || stats.cache.state !== 'none')) {
    if (stats.cache.state === 'none') stats.cache.state = 'updated';
    if (!session.save()) stats.cache.state = 'memory';
  } else if (cachePath) stats.cache.state = 'unchanged';
  if (access && !access.writable) stats.cache.state = 'memory';
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

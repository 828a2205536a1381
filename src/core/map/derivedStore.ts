// What is derived from the index — the resolved call graph, the layer model, the counter map and the
// map model — kept beside the facts in `derived-<scope>.bin`, one checksummed section each.
//
// Validity: the file records the code version (codeVersion.ts), the scope, and the key of the index
// it was derived from (a hash of every file's content hash and the facts' own key). A section of
// another code version or key is rebuilt from the index; the facts are not touched. A damaged
// section is rebuilt alone, said once. The `stamps` section (size and mtime of every file, mtime of
// every folder) lets a fresh process see that the tree is unchanged without opening the index.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KernelIndex } from '../index/model.ts';
import type { CachedFile } from '../index/cache.ts';
import { CorruptCache } from '../index/factsCodec.ts';
import { Paged, SectionFile, decodeJson, decodeTable, encodeJson, encodeTable, pagedTable, writeSectionFile } from '../index/sectionFile.ts';
import type { ReadTreeFile } from '../index/treeFiles.ts';
import { CallGraph } from '../graph/callGraph.ts';
import { StoredGraph, encodeGraph } from '../graph/graphCodec.ts';
import type { GraphQueries } from '../graph/graphQueries.ts';
import { buildLayerModel } from '../graph/layers.ts';
import { decodeLayers, encodeLayers } from '../graph/layersCodec.ts';
import type { LayerModel } from '../graph/types.ts';
import { CounterMap } from '../counters/counterMap.ts';
import { StoredCounters, encodeCounters, type CounterQueries } from '../counters/counterCodec.ts';
import { MapBuilder } from './mapModel.ts';
import type { MapModel } from './protocol.ts';
import { codeVersion } from './codeVersion.ts';

const FORMAT = 1;
export const DERIVED_SECTIONS = ['stamps', 'graph', 'macros', 'layers', 'counters', 'map'] as const;
export type DerivedSection = (typeof DERIVED_SECTIONS)[number];

export interface DerivedMeta {
  format: number;
  codeVersion: string;
  /** The index content the sections were derived from. */
  key: string;
  scope: string;
  root: string;
  writtenAt: string;
}

/** Size and mtime of every file in scope (plus the attribute-macro headers), mtime of every folder holding one. */
export interface Stamps {
  files: string[];
  sizes: number[];
  mtimes: number[];
  dirs: string[];
  dirMtimes: number[];
}

export const derivedPath = (cacheDir: string, scope: string) => join(cacheDir, `derived-${scope}.bin`);

/** The index content key: the facts' own key and every file's content hash. */
export function derivedKey(configKey: string, stamps: Iterable<CachedFile>): string {
  const rows = [...stamps].map((s) => `${s.file}\0${s.hash}\0${s.error ?? ''}`).sort();
  const h = createHash('sha1').update(configKey + '\n');
  for (const r of rows) h.update(r + '\n');
  return h.digest('hex');
}

/** Stamps of `files` (tree-relative) and of the folders holding them, read now. */
export function takeStamps(root: string, files: Iterable<CachedFile | { file: string; size: number; mtimeMs: number }>): Stamps {
  const s: Stamps = { files: [], sizes: [], mtimes: [], dirs: [], dirMtimes: [] };
  const dirs = new Set<string>();
  for (const f of files) {
    s.files.push(f.file);
    s.sizes.push(f.size);
    s.mtimes.push(f.mtimeMs);
    for (let d = dirname(f.file); d !== '.' && d !== '/' && !dirs.has(d); d = dirname(d)) dirs.add(d);
  }
  for (const d of [...dirs].sort()) {
    const st = statSync(join(root, d), { throwIfNoEntry: false });
    if (!st) continue;
    s.dirs.push(d);
    s.dirMtimes.push(st.mtimeMs);
  }
  return s;
}

/** True when no file listed changed size or mtime and no folder gained or lost an entry. */
export function stampsMatch(root: string, s: Stamps): boolean {
  if (!s || !Array.isArray(s.files) || !Array.isArray(s.dirs) || s.files.length !== s.sizes?.length || s.files.length !== s.mtimes?.length || s.dirs.length !== s.dirMtimes?.length) return false;
  const base = root.endsWith('/') ? root : root + '/'; // plain concatenation: path.join costs more than the stat here
  for (let i = 0; i < s.dirs.length; i++) {
    if (statSync(base + s.dirs[i], { throwIfNoEntry: false })?.mtimeMs !== s.dirMtimes[i]) return false;
  }
  for (let i = 0; i < s.files.length; i++) {
    const st = statSync(base + s.files[i], { throwIfNoEntry: false });
    if (!st || st.size !== s.sizes[i] || st.mtimeMs !== s.mtimes[i]) return false;
  }
  return true;
}

/** What building a section needs; absent in a fast open (then a missing section throws NeedsIndex). */
export interface DerivedInputs {
  index: KernelIndex;
  read: ReadTreeFile;
  key: string;
}

/** A section is missing or damaged and there is no index at hand to rebuild it. */
export class NeedsIndex extends Error {}

export class DerivedStore {
  private readonly built = new Map<DerivedSection, Buffer | Paged>();
  private readonly told = new Set<string>();
  private usable: boolean;
  private g: GraphQueries | undefined;
  private callGraph: CallGraph | undefined;
  private l: LayerModel | undefined;
  private c: CounterQueries | undefined;
  private m: MapModel | undefined;
  private macroNames: { has(name: string): boolean } | undefined;
  /** Sections rebuilt, for the caller's summary. */
  readonly rebuilt: DerivedSection[] = [];

  private constructor(
    readonly path: string,
    private readonly file: SectionFile<DerivedMeta> | undefined,
    readonly scope: string,
    private inputs: DerivedInputs | undefined,
    private readonly log: (line: string) => void,
  ) {
    this.usable = !!file;
  }

  /**
   * Opens the derived state at `path`. With `inputs` (an open index), sections derived from other
   * facts are ignored and rebuilt on demand; without, the caller checks `fresh()` first.
   */
  static open(path: string, scope: string, inputs: DerivedInputs | undefined, log: (line: string) => void): DerivedStore {
    let file: SectionFile<DerivedMeta> | undefined;
    try {
      file = SectionFile.open<DerivedMeta>(path);
    } catch (e) {
      if (!(e instanceof CorruptCache)) throw e;
      log(`derived state unreadable (${e.message}); rebuilding it from the index`);
    }
    const store = new DerivedStore(path, file, scope, inputs, log);
    const m = file?.header.meta;
    if (file && m) {
      if (m.format !== FORMAT || m.codeVersion !== codeVersion()) {
        store.usable = false;
        log('derived state (call graph, layers, counters, map) was made by another version; rebuilding it (the index is still valid)');
      } else if (m.scope !== scope || (inputs && m.key !== inputs.key)) store.usable = false;
    }
    return store;
  }

  /**
   * A fast open may answer without the index: same code, same scope, and no file or folder changed
   * since — vouched for by a watching host (`vouched`), else checked against every stamp.
   */
  fresh(root: string, vouched?: (meta: DerivedMeta) => boolean): boolean {
    if (!this.usable || !this.file) return false;
    if (vouched?.(this.file.header.meta)) return true;
    const stamps = this.stamps();
    return !!stamps && stampsMatch(root, stamps);
  }

  /** The stamps the file was saved with, when it is usable. */
  stamps(): Stamps | undefined {
    if (!this.usable || !this.file) return undefined;
    return this.load('stamps', (b) => decodeJson<Stamps>(b), false);
  }

  /** What the file on disk says of itself (undefined when there is none). */
  get meta(): DerivedMeta | undefined {
    return this.file?.header.meta;
  }

  /** Ignores the file (found damaged while answering): every section is rebuilt from the index. */
  discard(): void {
    this.usable = false;
    this.g = this.l = this.c = this.m = this.macroNames = undefined;
  }

  /** Gives an index to a store opened without one (after a fast open fell back). */
  attach(inputs: DerivedInputs): void {
    if (this.inputs && this.inputs !== inputs) {
      // another index (rebuilt after damage): nothing built from the previous one stays
      this.built.clear();
      this.rebuilt.length = 0;
      this.callGraph = undefined;
      this.discard();
    }
    this.inputs = inputs;
    if (this.file?.header.meta.key !== inputs.key) this.usable = false;
  }

  /**
   * The index changed without changing any fact (a file saved as it was, or with edits no fact
   * records): the sections derived from facts alone (graph, macro names) stay valid for the new content
   * key; those that also read source lines (layers: registration arguments; counters: the counter
   * named at each call; the map) are rebuilt on first use.
   */
  rekey(inputs: DerivedInputs): void {
    const fileValid = this.usable && this.file?.header.meta.key === this.inputs?.key;
    this.inputs = inputs;
    if (fileValid && this.file) this.file.header.meta.key = inputs.key;
    for (const s of ['layers', 'counters', 'map'] as const) {
      this.built.delete(s);
      this.skip.add(s);
    }
    this.l = this.c = this.m = undefined;
  }

  /** Says once that a section was damaged, then lets it be rebuilt. */
  damaged(section: DerivedSection, e: Error): void {
    if (!this.told.has(section)) {
      this.told.add(section);
      this.log(`derived ${section} section damaged (${e.message}); rebuilding it`);
    }
    this.built.delete(section);
    if (section === 'graph') this.g = undefined;
    if (section === 'layers') this.l = undefined;
    if (section === 'counters') this.c = undefined;
    if (section === 'map') this.m = undefined;
    this.skip.add(section);
  }
  private readonly skip = new Set<DerivedSection>();

  private load<T>(name: DerivedSection, decode: (b: Buffer) => T, say = true): T | undefined {
    return this.loadFrom(name, (f) => decode(f.raw(name)), say);
  }

  private loadFrom<T>(name: DerivedSection, decode: (f: SectionFile<DerivedMeta>) => T, say = true): T | undefined {
    if (!this.usable || !this.file?.has(name) || this.skip.has(name)) return undefined;
    try {
      return decode(this.file);
    } catch (e) {
      if (!(e instanceof CorruptCache)) throw e;
      if (say) this.damaged(name, e);
      else this.skip.add(name);
      return undefined;
    }
  }

  private need(what: string): DerivedInputs {
    if (!this.inputs) throw new NeedsIndex(`derived ${what} not in the cache`);
    return this.inputs;
  }

  private builtGraph(): CallGraph {
    if (!this.callGraph) {
      const { index } = this.need('graph');
      this.callGraph = new CallGraph(index);
    }
    return this.callGraph;
  }

  graph(): GraphQueries {
    if (this.g) return this.g;
    // paged: a query reads and checks only the pages of the nodes it visits
    const stored = this.loadFrom('graph', (f) => new StoredGraph(pagedTable(f.paged('graph'))));
    if (stored) return (this.g = stored);
    const g = this.builtGraph();
    const index = this.need('graph').index;
    this.built.set('graph', Paged.of(encodeTable(g.uncached(() => encodeGraph({ graph: g, index, unresolvedCallers: () => g.unresolved.keys() })))));
    this.rebuilt.push('graph');
    this.macros(); // the names `knows` falls back on travel with the graph
    return (this.g = g);
  }

  /** Whether a name is known at all: in the graph, or a macro (for "unknown function" messages). */
  knows(name: string): boolean {
    const g = this.graph();
    if (g instanceof StoredGraph ? g.has(name) : this.need('names').index.knows(name)) return true;
    return this.macros().has(name);
  }

  private macros(): { has(name: string): boolean } {
    return (this.macroNames ??= this.load('macros', (b) => sortedNames(decodeTable(b).strings)) ?? this.buildMacroNames());
  }

  /** Defined function names, for suggestions. */
  functionNames(): string[] {
    const g = this.graph();
    return g instanceof StoredGraph ? g.definedFunctions() : this.need('names').index.names('function');
  }

  private buildMacroNames(): { has(name: string): boolean } {
    const names = [...new Set(this.need('macros').index.names('macro'))].sort();
    this.built.set('macros', encodeTable({ strings: names, ints: new Int32Array(0) }));
    this.rebuilt.push('macros');
    const set = new Set(names);
    return set;
  }

  layers(): LayerModel {
    if (this.l) return this.l;
    const stored = this.load('layers', (b) => decodeLayers(decodeTable(b)));
    if (stored) return (this.l = stored);
    const { index, read } = this.need('layers');
    const l = buildLayerModel(index, this.graph(), read);
    this.built.set('layers', encodeTable(encodeLayers(l)));
    this.rebuilt.push('layers');
    return (this.l = l);
  }

  counters(): CounterQueries {
    if (this.c) return this.c;
    const stored = this.load('counters', (b) => new StoredCounters(decodeJson(b)));
    if (stored) return (this.c = stored);
    const { index, read } = this.need('counters');
    const cm = new CounterMap(index, read);
    this.built.set('counters', encodeJson(encodeCounters(cm)));
    this.rebuilt.push('counters');
    return (this.c = cm);
  }

  mapModel(builder: () => MapBuilder): MapModel {
    if (this.m) return this.m;
    const stored = this.load('map', (b) => {
      const m = decodeJson<MapModel>(b);
      if (!m || !Array.isArray(m.nodes) || !Array.isArray(m.edges) || !Array.isArray(m.layers)) throw new CorruptCache('map section has the wrong shape');
      return m;
    });
    if (stored) return (this.m = stored);
    this.need('map');
    const m = builder().build();
    this.built.set('map', encodeJson(m));
    this.rebuilt.push('map');
    return (this.m = m);
  }

  /** Builds every section not in the cache yet (for `index`, `serve` and the extension). */
  complete(builder: () => MapBuilder): void {
    this.graph();
    this.macros();
    this.layers();
    this.counters();
    this.mapModel(builder);
  }

  /** Writes the sections built here plus the still-valid ones of the file; returns false when nothing changed. */
  save(root: string, stamps: () => Stamps, write = (f: () => void) => (f(), true)): boolean {
    const inputs = this.inputs;
    if (!inputs) return false;
    const stampsChanged = !this.usable || !this.fresh(root);
    if (!this.built.size && !stampsChanged) return false;
    const sections: Record<string, Buffer | Paged> = {};
    for (const name of DERIVED_SECTIONS) {
      if (name === 'stamps') continue;
      const b = this.built.get(name) ?? (this.usable && !this.skip.has(name) && this.file?.has(name) ? this.tryRaw(name) : undefined);
      if (b) sections[name] = b;
    }
    sections.stamps = encodeJson(stamps());
    const meta: DerivedMeta = { format: FORMAT, codeVersion: codeVersion(), key: inputs.key, scope: this.scope, root, writtenAt: new Date().toISOString() };
    return write(() => writeSectionFile(this.path, meta, sections));
  }

  private tryRaw(name: DerivedSection): Buffer | Paged | undefined {
    try {
      const raw = this.file!.raw(name);
      return this.file!.header.sections[name].paged ? Paged.wrap(raw) : raw;
    } catch (e) {
      if (e instanceof CorruptCache) return undefined;
      throw e;
    }
  }

  close(): void {
    this.file?.close();
  }
}

/** A sorted string list answering membership by binary search (decodes ~log2(n) strings). */
function sortedNames(strings: { length: number; get(i: number): string }): { has(name: string): boolean } {
  return {
    has(name) {
      let lo = 0, hi = strings.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const v = strings.get(mid);
        if (v === name) return true;
        if (v < name) lo = mid + 1;
        else hi = mid - 1;
      }
      return false;
    },
  };
}


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
import { buildLayerModel, updateLayerModel } from '../graph/layers.ts';
import type { FileFacts } from '../index/facts.ts';
import { diffFacts } from '../index/factsDiff.ts';
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
    this.dirty.add('graph'); // encoded when saved
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
    this.mapStale = false;
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
    if (!this.built.size && !this.dirty.size && !stampsChanged) return false;
    const sections: Record<string, Buffer | Paged> = {};
    for (const name of [...this.dirty]) {
      const b = this.encodeDirty(name);
      if (b) this.built.set(name, b);
      else this.built.delete(name);
      this.dirty.delete(name);
    }
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

  /** Sections changed in memory by an update, encoded when saved (the graph's encoding is the costly part). */
  private readonly dirty = new Set<DerivedSection>();
  /** The map model went stale with an update; it is built again when asked for (or before a save). */
  mapStale = false;

  /**
   * One file was re-indexed (`old`: its facts before, the index now holds the new ones; `inputs` the
   * index's new content key). Every section is brought up to date for what the file changed:
   * - the same facts: the graph stands; the file's registrations and counter sites, read off its lines,
   *   are read again;
   * - other facts that stay local to the file (calls added or removed, lines moved, a counter
   *   increment added): its call sites are resolved again and its moved lines carried into every edge,
   *   placement and site that cites them;
   * - anything else is rebuilt, section by section, with the reason said in `reasons`.
   * The result equals a build from scratch on the same index.
   */
  update(file: string, old: FileFacts | undefined, inputs: DerivedInputs): DerivedUpdate {
    const fileValid = this.usable && this.file?.header.meta.key === this.inputs?.key;
    this.inputs = inputs;
    if (fileValid && this.file) this.file.header.meta.key = inputs.key;
    const { index, read } = inputs;
    const now = index.fileFacts(file);
    const out: DerivedUpdate = { factsChanged: true, incremental: [], rebuilt: [], reasons: [] };
    const rebuild = (section: DerivedSection, reason: string) => {
      out.rebuilt.push(section);
      out.reasons.push(`${section}: ${reason}`);
      this.drop(section);
    };
    if (!old || !now) {
      for (const s of ['graph', 'macros', 'layers', 'counters', 'map'] as const) rebuild(s, old ? 'the file left the index' : 'a new file');
      return out;
    }
    const diff = diffFacts(old, now);
    out.factsChanged = diff.changed.length > 0 || [...diff.lines].some(([a, b]) => a !== b);
    // graph: only an in-memory call graph can be updated; a fresh one is built from the new index as it is
    if (out.factsChanged) {
      if (this.callGraph) {
        const why = this.callGraph.updateFile(old, diff);
        if (why) {
          rebuild('graph', why);
          if (diff.changed.includes('macros')) rebuild('macros', 'macros changed');
        } else this.changed('graph', out);
      } else if (this.g || this.usable) {
        this.drop('graph');
        this.g = this.builtGraph();
        this.changed('graph', out);
        out.reasons.push('graph: built in memory from the index (the cached graph cannot be updated in place)');
        if (diff.changed.includes('macros')) rebuild('macros', 'macros changed');
      }
    }
    // layers: placements at the lines they moved to, the file's registrations read again
    if (this.l || (this.usable && this.file?.has('layers') && !this.skip.has('layers'))) {
      const cur = this.layers();
      const next = out.rebuilt.includes('graph') ? 'the call graph was rebuilt' : updateLayerModel(cur, index, this.graph(), read, old, diff);
      if (typeof next === 'string') rebuild('layers', next);
      else if (next !== cur) {
        this.l = next;
        this.changed('layers', out);
      }
    }
    // counters: the file's sites read again (a counter map read from the cache knows no sites per file: built anew if the file has any)
    if (this.c || (this.usable && this.file?.has('counters') && !this.skip.has('counters'))) {
      const cur = this.counters();
      if (cur instanceof CounterMap) {
        const why = cur.refreshFile(old, file);
        if (why) rebuild('counters', why);
        else this.changed('counters', out);
      } else if ([...old.calls, ...now.calls].some((c) => cur.macros.has(c.callee) || cur.functionCounters(c.callee).length) || now.opsInstances.some((o) => o.struct === 'snmp_mib') || old.opsInstances.some((o) => o.struct === 'snmp_mib') || cur.tables.some((t) => t.file === file)) {
        this.drop('counters');
        this.c = new CounterMap(index, read);
        this.changed('counters', out);
        out.reasons.push('counters: built in memory from the index (the cached counter map cannot be updated in place)');
      }
    }
    // the map model: built again when next asked for
    if (out.incremental.length || out.rebuilt.length) {
      if (this.m || (this.usable && this.file?.has('map') && !this.skip.has('map'))) this.mapStale = true;
      this.drop('map');
    }
    return out;
  }

  private changed(section: DerivedSection, out: DerivedUpdate): void {
    if (!out.incremental.includes(section)) out.incremental.push(section);
    this.dirty.add(section);
    this.skip.add(section);
  }

  /** Forgets a section (in memory and in the file) so that it is built again on use. */
  private drop(section: DerivedSection): void {
    this.built.delete(section);
    this.dirty.delete(section);
    this.skip.add(section);
    if (section === 'graph') this.g = this.callGraph = undefined;
    if (section === 'macros') this.macroNames = undefined;
    if (section === 'layers') this.l = undefined;
    if (section === 'counters') this.c = undefined;
    if (section === 'map') this.m = undefined;
  }

  /** The encoding of a section changed in memory by an update. */
  private encodeDirty(name: DerivedSection): Buffer | Paged | undefined {
    if (name === 'graph' && this.callGraph) {
      const g = this.callGraph;
      return Paged.of(encodeTable(g.uncached(() => encodeGraph({ graph: g, index: this.inputs!.index, unresolvedCallers: () => g.unresolved.keys() }))));
    }
    if (name === 'layers' && this.l) return encodeTable(encodeLayers(this.l));
    if (name === 'counters' && this.c instanceof CounterMap) return encodeJson(encodeCounters(this.c));
    return undefined;
  }
}

export interface DerivedUpdate {
  /** Whether the file's facts changed (else only what is read off its lines was refreshed). */
  factsChanged: boolean;
  /** Sections brought up to date in memory for what the file changed. */
  incremental: DerivedSection[];
  /** Sections thrown away and built again on use, each with its reason in `reasons`. */
  rebuilt: DerivedSection[];
  reasons: string[];
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


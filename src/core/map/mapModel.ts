// The layer map's content, pure: nodes (key functions, ops instances, inetsw entries, core structs)
// placed in the six bands of a LayerModel, and the edges between them. Also the answers to the map's
// requests (expand a node, trace a preset, read a node's source) for both hosts: the extension and
// `netstack-atlas serve`. Nothing here touches the file system except through the passed reader.
import { nearMisses, type KernelIndex } from '../index/model.ts';
import type { CallEdge, LayerId, LayerModel, PathResult } from '../graph/types.ts';
import { LAYER_ORDER, LAYER_TITLES } from '../graph/types.ts';
import { placementOf } from '../graph/layers.ts';
import { SubsystemMatcher, chooseColumns, parseMaintainers } from './subsystems.ts';
import { presetNamed } from '../graph/presets.ts';
import type { LiveAlert, LiveBadge, LiveSample, MapEdge, MapModel, MapNode } from './protocol.ts';

/** What the map needs of a call graph: CallGraph, or the adapter's direct-call fallback. */
export interface MapGraph {
  callees(fn: string): readonly CallEdge[];
  callers(fn: string): readonly CallEdge[];
  path(from: string, to: string, opts?: { maxDepth?: number; k?: number }): PathResult;
  /** `callers(fn).length` without making the edges (ranking every function of a band). */
  callerCount?(fn: string): number;
}

/** What the map needs of the counter map (which functions increment which counters). */
export interface MapCounters {
  functionCounters(fn: string): { counter: string }[];
}

export interface MapInputs {
  index: KernelIndex;
  graph: MapGraph;
  layers: LayerModel;
  counters?: MapCounters;
  presets: Record<string, { title: string; waypoints: string[] }>;
  graphAvailable: boolean;
  notes?: string[];
  /** The tree's MAINTAINERS text (null: none) for the subsystem columns. */
  maintainers?: string | null;
}

/** Always on the map when the tree defines them, whatever the layer lists hold. */
export const KEY_FUNCTIONS = [
  '__sys_sendto', '__sys_recvfrom', '__sys_socket', '__sys_bind', '__sys_connect', '__sys_accept4', '__sys_listen', '__sys_sendmsg', '__sys_recvmsg',
  'sock_sendmsg', 'sock_recvmsg', 'sock_create', '__sock_create', 'inet_sendmsg', 'inet_recvmsg', 'inet_create', 'inet_stream_connect', 'inet_accept', 'inet_listen',
  'tcp_sendmsg', 'tcp_sendmsg_locked', 'tcp_push', 'tcp_write_xmit', 'tcp_transmit_skb', '__tcp_transmit_skb', 'tcp_v4_rcv', 'tcp_v4_do_rcv', 'tcp_rcv_established',
  'tcp_recvmsg', 'tcp_v4_connect', 'tcp_conn_request', 'tcp_retransmit_skb', 'udp_sendmsg', 'udp_recvmsg', 'udp_rcv', '__udp4_lib_rcv', 'udp_send_skb',
  'ip_queue_xmit', '__ip_queue_xmit', 'ip_local_out', 'ip_output', 'ip_finish_output', 'ip_finish_output2', 'ip_rcv', 'ip_rcv_finish', 'ip_local_deliver',
  'ip_local_deliver_finish', 'ip_forward', 'ip_route_input_noref', 'neigh_output', 'nf_hook_slow',
  'dev_queue_xmit', '__dev_queue_xmit', 'dev_hard_start_xmit', 'sch_direct_xmit', 'netif_receive_skb', '__netif_receive_skb_core', 'netif_rx',
  'enqueue_to_backlog', 'process_backlog', 'net_rx_action', 'napi_gro_receive', 'sock_def_readable', 'loopback_xmit', 'alloc_skb', 'kfree_skb',
];
/** Ops struct types worth a node (their instances), and the band they sit in. */
export const OPS_TYPES = new Map<string, LayerId>(Object.entries({
  proto_ops: 'socket', net_proto_family: 'socket', proto: 'protocol', net_protocol: 'protocol', inet6_protocol: 'protocol',
  packet_type: 'network', net_device_ops: 'driver', header_ops: 'device', Qdisc_ops: 'device',
}));
/** Ops instances shown from the start: the core protocol families' tables and the loopback device's
 *  (the hundreds of other drivers' net_device_ops appear on search or expand). */
function isKeyOps(struct: string, name: string, file: string): boolean {
  if (struct === 'net_device_ops') return name === 'loopback_ops';
  if (struct === 'proto' || struct === 'proto_ops') return /^net\/(ipv4|ipv6|unix|packet|core)\//.test(file);
  // the IP families' protocol handlers and packet types; the rest (CAN, X.25, AX.25, …) on search
  if (struct === 'net_protocol' || struct === 'packet_type') return CORE_FAMILY_FILE.test(file);
  return false;
}
const CORE_FAMILY_FILE = /^net\/(ipv4|ipv6|core|packet)\//;
export const CORE_STRUCTS = new Map<string, LayerId>([['sock', 'socket'], ['sk_buff', 'device'], ['net_device', 'device'], ['socket', 'socket']]);

/** Per band, at most this many layer functions beyond the key ones (most-called first). */
const PER_LAYER = 250;

export const fnId = (name: string) => `fn:${name}`;

export class MapBuilder {
  private readonly subsystems: SubsystemMatcher;
  /** Section → column, fixed by build(); nodes placed later (expand, trace) use it too. */
  private columnOf: ((section: string) => string) | undefined;

  constructor(readonly inp: MapInputs) {
    this.subsystems = new SubsystemMatcher(parseMaintainers(inp.maintainers));
  }

  /** Use the columns of a model built earlier (read from the cache) for nodes placed from now on. */
  adoptColumns(model: MapModel): void {
    const ids = new Set((model.columns ?? []).map((c) => c.id));
    this.columnOf = (s) => (ids.has(s) ? s : 'other');
  }

  private withColumn(n: MapNode): MapNode {
    const section = this.subsystems.of(n.file).id;
    return { ...n, section, column: this.columnOf ? this.columnOf(section) : section };
  }

  /** The band of any function: the layer model's; a function the model has not placed (no layers:
   *  the call graph failed) sits in `fallback`, said so. */
  placeFunction(name: string, fallback: LayerId = 'protocol'): MapNode | undefined {
    const p = placementOf(this.inp.layers, name);
    const counters = this.inp.counters?.functionCounters(name).map((s) => s.counter);
    const uniq = counters?.length ? [...new Set(counters)] : undefined;
    if (p) return this.withColumn({ id: fnId(name), label: name, kind: 'function', layer: p.layer, file: p.file, line: p.line, detail: p.rule, ...(uniq ? { counters: uniq } : {}) });
    const d = this.inp.index.functions(name)[0];
    if (!d) return undefined;
    return this.withColumn({ id: fnId(name), label: name, kind: 'function', layer: fallback, file: d.file, line: d.def.line, detail: `not placed: no layer model; shown in ${LAYER_TITLES[fallback]}`, ...(uniq ? { counters: uniq } : {}) });
  }

  build(): MapModel {
    const { index, layers, presets } = this.inp;
    const nodes = new Map<string, MapNode>();
    this.columnOf = undefined;
    const add = (n: MapNode | undefined) => {
      if (n && !nodes.has(n.id)) nodes.set(n.id, n.section ? n : this.withColumn(n));
    };
    const wanted = new Set(KEY_FUNCTIONS);
    for (const p of Object.values(presets)) for (const w of p.waypoints) wanted.add(w);
    for (const name of wanted) {
      const n = this.placeFunction(name);
      if (n) add({ ...n, key: true });
    }
    for (const l of layers.layers) {
      const ranked = l.functions
        .map((f) => ({ f, n: this.inp.graph.callerCount ? this.inp.graph.callerCount(f.name) : this.inp.graph.callers(f.name).length }))
        .sort((a, b) => b.n - a.n || a.f.name.localeCompare(b.f.name))
        .slice(0, PER_LAYER);
      for (const { f } of ranked) add(this.placeFunction(f.name));
    }
    // ops instances of the interesting types, with edges to the functions they bind
    const edges: MapEdge[] = [];
    const opsByName = new Map<string, string>();
    const memberEdges: MapEdge[] = [];
    for (const { file, def } of index.opsInstances()) {
      const layer = OPS_TYPES.get(def.struct);
      if (!layer || def.name.startsWith('(')) continue;
      const id = `ops:${def.struct}:${def.name}`;
      opsByName.set(def.name, id);
      const key = isKeyOps(def.struct, def.name, file);
      add({ id, label: def.name, kind: 'ops', layer, file, line: def.line, detail: `struct ${def.struct}`, key });
      for (const [member, value] of Object.entries(def.members)) {
        if (!index.functions(value).length) continue;
        // the core tables bring their member functions; the others link to functions already on the map
        if (key) add(this.placeFunction(value, layer));
        memberEdges.push({ from: id, to: fnId(value), kind: 'member', evidence: `${file}:${def.memberLines[member] ?? def.line} — .${member} = ${value}` });
      }
    }
    for (const e of memberEdges) if (nodes.has(e.to)) edges.push(e);
    // inetsw entries → their proto and proto_ops
    for (const r of layers.registrations) {
      if (r.kind !== 'inetsw') continue;
      const id = `inetsw:${r.name}`;
      add({ id, key: CORE_FAMILY_FILE.test(r.file), label: `${r.name} ${r.details.protocol ?? ''}`.trim(), kind: 'inetsw', layer: 'socket', file: r.file, line: r.line, detail: `inetsw entry: ${Object.entries(r.details).map(([k, v]) => `${k}=${v}`).join(' ')}` });
      for (const k of ['prot', 'ops']) {
        const target = opsByName.get(r.details[k] ?? '');
        if (target) edges.push({ from: id, to: target, kind: 'registers', evidence: `${r.file}:${r.line} — .${k} = ${r.details[k]}` });
      }
    }
    for (const [name, layer] of CORE_STRUCTS) {
      const s = index.struct(name);
      if (s) add({ key: true, id: `struct:${name}`, label: `struct ${name}`, kind: 'struct', layer, file: s.file, line: s.def.line, detail: `${s.def.fields.length} fields` });
    }
    // call edges between functions on the map
    for (const n of nodes.values()) {
      if (n.kind !== 'function') continue;
      for (const e of this.inp.graph.callees(n.label)) if (nodes.has(fnId(e.to)) && e.to !== n.label) edges.push(toMapEdge(e));
    }
    const counts = new Map<LayerId, number>();
    for (const l of layers.layers) counts.set(l.id, l.functions.length);
    const notes = [...(this.inp.notes ?? [])];
    if (!this.inp.graphAvailable) notes.unshift('call graph not available: direct calls only, no layers');
    const problem = this.subsystems.parse.problem;
    if (problem) notes.push(problem);
    // columns: the sections holding most nodes, the rest under "other"
    const bySection = new Map<string, number>();
    const shownBySection = new Map<string, number>();
    for (const n of nodes.values()) {
      bySection.set(n.section!, (bySection.get(n.section!) ?? 0) + 1);
      if (n.key) shownBySection.set(n.section!, (shownBySection.get(n.section!) ?? 0) + 1);
    }
    const { columns, columnOf } = chooseColumns(bySection, 12, shownBySection);
    this.columnOf = columnOf;
    for (const n of nodes.values()) n.column = columnOf(n.section!);
    return {
      layers: LAYER_ORDER.map((id) => ({ id, title: LAYER_TITLES[id], count: counts.get(id) ?? 0 })),
      nodes: [...nodes.values()],
      edges: dedupe(edges),
      presets: Object.entries(presets).map(([id, p]) => ({ id, title: p.title })),
      columns: columns.map(({ id, title, count }) => ({ id, title, count })),
      presetPaths: Object.fromEntries(Object.entries(presets).map(([id, p]) => [id, p.waypoints.map(fnId)])),
      graphAvailable: this.inp.graphAvailable,
      notes,
      kernelVersion: index.kernelVersion,
    };
  }

  /** A function's callees or callers as nodes and edges (the map merges them in place). */
  expand(fn: string, direction: 'callees' | 'callers', limit = 60): { nodes: MapNode[]; edges: MapEdge[] } {
    const origin = this.placeFunction(fn);
    const list = direction === 'callees' ? this.inp.graph.callees(fn) : this.inp.graph.callers(fn);
    const nodes: MapNode[] = [];
    const edges: MapEdge[] = [];
    const seen = new Set<string>();
    for (const e of list) {
      const other = direction === 'callees' ? e.to : e.from;
      if (other === fn || seen.has(other)) continue;
      const n = this.placeFunction(other, origin?.layer);
      if (!n) continue;
      seen.add(other);
      if (nodes.length < limit) nodes.push(n);
      else continue;
      edges.push(toMapEdge(e));
    }
    return { nodes, edges: dedupe(edges) };
  }

  /** A preset's path through its waypoints, segment by segment. */
  trace(preset: string): TraceAnswer {
    const p = presetNamed(this.inp.presets, preset);
    if (!p) return { title: preset, found: false, nodes: [], edges: [], message: `unknown preset ${preset}` };
    return this.traceThrough(p.title, p.waypoints, 40);
  }

  /** from → via → to (Trace via), each leg at most `depth` calls. */
  traceVia(from: string, via: string | null, to: string, depth = 40): TraceAnswer {
    return this.traceThrough([from, via, to].filter(Boolean).join(' → '), [from, ...(via ? [via] : []), to], depth);
  }

  /** Waypoints missing from this tree are named and skipped (the rest is still lit); a leg with no
   *  path ends the trace there, said so. */
  private traceThrough(title: string, waypoints: string[], depth: number): TraceAnswer {
    const missing = waypoints.filter((w) => !this.inp.index.functions(w).length);
    const present = waypoints.filter((w) => !missing.includes(w));
    const note = missing.length ? `not in this tree: ${missing.map((m) => this.withNearMisses(m)).join(', ')}` : undefined;
    if (!present.length) return { title, found: false, nodes: [], edges: [], message: note };
    const fns = [present[0]];
    const edges: CallEdge[] = [];
    let message = note;
    let found = !missing.length;
    for (let i = 0; i + 1 < present.length; i++) {
      const r = this.inp.graph.path(present[i], present[i + 1], { maxDepth: depth, k: 1 });
      if (!r.found) {
        message = [note, `no path from ${present[i]} to ${present[i + 1]} within ${depth} calls`].filter(Boolean).join('; ');
        found = false;
        break;
      }
      fns.push(...r.functions.slice(1));
      edges.push(...r.edges);
    }
    let prev: LayerId | undefined;
    const nodes: MapNode[] = [];
    for (const f of fns) {
      const n = this.placeFunction(f, prev);
      if (n) {
        nodes.push(n);
        prev = n.layer;
      }
    }
    return { title, found, nodes, edges: edges.map(toMapEdge), ...(message ? { message } : {}) };
  }

  /** `tcp_sendmsgg (did you mean tcp_sendmsg?)`: a missing name with the tree's closest ones. */
  private withNearMisses(name: string): string {
    const near = nearMisses(name, this.inp.index.functionNames(), 3);
    return near.length ? `${name} (did you mean ${near.join(', ')}?)` : name;
  }
}

export interface TraceAnswer {
  title: string;
  found: boolean;
  nodes: MapNode[];
  edges: MapEdge[];
  message?: string;
}

export function toMapEdge(e: CallEdge): MapEdge {
  return {
    from: fnId(e.from),
    to: fnId(e.to),
    kind: e.kind,
    confidence: e.confidence,
    evidence: e.kind === 'direct' ? `${e.file}:${e.line}` : `${e.file}:${e.line} — ${e.kind}${e.via ? ' ' + e.via : ''} (${e.confidence}); evidence ${e.evidence.file}:${e.evidence.line}`,
  };
}

function dedupe(edges: MapEdge[]): MapEdge[] {
  const seen = new Set<string>();
  return edges.filter((e) => {
    const k = `${e.from}>${e.to}>${e.kind}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Which node an alert concerns: listen queue → socket layer, softnet → device, conntrack → IP. */
export function alertNode(kind: string, keys: readonly string[]): string {
  if (kind.startsWith('listen')) return fnId('inet_listen');
  if (kind.startsWith('softnet')) return fnId('enqueue_to_backlog');
  if (kind.startsWith('conntrack')) return fnId('nf_hook_slow');
  if (kind.startsWith('udp')) return fnId(keys.some((k) => k.includes('NoPorts')) ? '__udp4_lib_rcv' : 'udp_rcv');
  if (kind.startsWith('tcp')) return fnId('tcp_retransmit_skb');
  return fnId('netif_receive_skb');
}

/** The `live/sample` message for the nodes on the map: badges per node, alerts on their nodes, sparklines. */
export function liveMessage(
  sample: { snapshot: { groups: Record<string, Record<string, number>> }; rates: { perSec: Record<string, number> } | null; alerts: { kind: string; keys: string[]; severity: 'warning' | 'critical'; message: string }[] } | undefined,
  source: string,
  problem: string | undefined,
  nodes: Iterable<MapNode>,
  historyOf: (counter: string) => number[],
): LiveSample {
  if (!sample || problem) return { type: 'live/sample', source, available: false, reason: problem ?? 'waiting for the first sample', badges: {}, alerts: [], history: {} };
  const badges: Record<string, LiveBadge[]> = {};
  const history: Record<string, number[]> = {};
  for (const n of nodes) {
    if (!n.counters?.length) continue;
    badges[n.id] = n.counters.map((counter) => {
      const i = counter.indexOf(':');
      const value = sample.snapshot.groups[counter.slice(0, i)]?.[counter.slice(i + 1)];
      if (!Object.hasOwn(history, counter)) history[counter] = historyOf(counter);
      return { counter, value: value ?? Number.NaN, rate: sample.rates ? sample.rates.perSec[counter] ?? 0 : null };
    }).filter((b) => Number.isFinite(b.value));
  }
  const alerts: LiveAlert[] = sample.alerts.map((a) => ({ nodeId: alertNode(a.kind, a.keys), severity: a.severity, message: a.message }));
  return { type: 'live/sample', source, available: true, badges, alerts, history };
}

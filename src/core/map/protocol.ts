// The typed protocol between a host (the extension or `serve`) and the layer-map webview.
// Every message the webview sends is validated with parseFromWebview() before use; a message of the
// wrong shape is dropped (and logged) by the host. Requests carry an `id` that the reply repeats.
import type { LayerId, EdgeKind, Confidence } from '../graph/types.ts';

/** `bundle`: made by the webview only ("+N more" neighbours of an expanded node). */
export type MapNodeKind = 'function' | 'ops' | 'inetsw' | 'struct' | 'bundle';
export type MapEdgeKind = EdgeKind | 'member' | 'registers';

export interface MapNode {
  /** Unique: `fn:tcp_sendmsg`, `ops:proto:tcp_prot`, `inetsw:inetsw_array[0]`, `struct:sk_buff`. */
  id: string;
  label: string;
  kind: MapNodeKind;
  layer: LayerId;
  file: string;
  line: number;
  /** Why it sits in this band (the layer rule), or the struct type of an ops instance. */
  detail: string;
  /** Counters this function increments (`Tcp:OutSegs`), for badges. */
  counters?: string[];
  /** Shown from the start (key functions, ops instances, inetsw, structs); the rest on expand/search. */
  key?: boolean;
  /** The map column (a MAINTAINERS section, a directory, or `other`) and the section or directory
   *  the file itself falls in (shown on hover). */
  column?: string;
  section?: string;
}

export interface MapEdge {
  from: string;
  to: string;
  kind: MapEdgeKind;
  confidence?: Confidence;
  /** `net/ipv4/af_inet.c:1022 — .sendmsg = tcp_sendmsg`, shown on hover. */
  evidence?: string;
}

export interface MapModel {
  layers: { id: LayerId; title: string; count: number }[];
  nodes: MapNode[];
  edges: MapEdge[];
  presets: { id: string; title: string }[];
  /** Subsystem columns, left to right before call-flow ordering (most nodes first; `other` last). */
  columns?: { id: string; title: string; count: number }[];
  /** Waypoints of each preset, so the map can seed its order with them before any trace. */
  presetPaths?: Record<string, string[]>;
  /** false: the call graph could not be built; the map shows direct calls only and says so. */
  graphAvailable: boolean;
  notes: string[];
  kernelVersion: string | null;
}

export interface LiveBadge {
  counter: string;
  value: number;
  /** Per second; null on the first sample. */
  rate: number | null;
}
export interface LiveAlert {
  nodeId: string;
  severity: 'warning' | 'critical';
  message: string;
}

// ── host → webview ──────────────────────────────────────────────────────────
export interface MapInit { type: 'map/init'; model: MapModel }
export interface MapProgress { type: 'map/progress'; message: string; done: number; total: number }
export interface MapExpanded { type: 'map/expanded'; id: number; nodeId: string; nodes: MapNode[]; edges: MapEdge[] }
export interface MapPath { type: 'map/path'; id: number | null; title: string; found: boolean; nodes: MapNode[]; edges: MapEdge[]; message?: string }
export interface MapSource { type: 'map/source'; id: number; file: string; line: number; text: string | null }
export interface MapExportRequest { type: 'map/exportSvg'; id: number; format?: 'svg' | 'png' }
/** A deep link to open (`#focus=tcp_sendmsg`, `#path=tcp-send`, `#path=a,b,c`): the Open Stack Map command's argument. */
export interface MapLink { type: 'map/link'; link: string }
export interface LiveSample {
  type: 'live/sample';
  source: string;
  available: boolean;
  /** When unavailable: why (the badges say so; the map keeps working). */
  reason?: string;
  badges: Record<string, LiveBadge[]>;
  alerts: LiveAlert[];
  /** Per counter: recent per-second rates for sparklines (oldest first). */
  history: Record<string, number[]>;
}

// ── run-time overlay (perf-sampled stacks and skb drops; produced by src/core/runtime) ──
export type RuntimeState = 'idle' | 'recording' | 'analysing' | 'done' | 'error';
/** Progress of a recording: shown as a count and a stop button while `recording`. */
export interface RuntimeStatus {
  type: 'runtime/status';
  state: RuntimeState;
  /** What is being recorded: stacks (cpu-clock, -a -g) and/or drops (skb:kfree_skb). */
  mode: 'stacks' | 'drops' | 'both';
  elapsed: number;
  seconds: number;
  /** Events seen so far (samples + drops). */
  events: number;
  /** One line: why it failed and the fix (`perf not installed: apt install linux-perf`), or a note. */
  message?: string;
}
export interface RuntimeEdge {
  /** Map node ids (`fn:tcp_sendmsg`). */
  from: string;
  to: string;
  samples: number;
  /** How the static graph explains the observed call: an edge of this kind within `hops` edges;
   *  null = unexplained (drawn dashed, listed); absent = an end is not in the index. */
  static?: { kind: string; hops: number } | null;
}
export interface RuntimeDrop {
  /** Reason without the SKB_DROP_REASON_ prefix (`NO_SOCKET`). */
  reason: string;
  count: number;
  /** The lines in the node's function that drop with this reason (else its definition line). */
  lines: { file: string; line: number }[];
  /** The reason's documentation comment from the tree. */
  doc?: string;
}
/** The result of a recording, joined with the index. Nodes it names may not be on the map yet:
 *  the map adds them (they come in `nodes`). */
export interface RuntimeOverlay {
  type: 'runtime/overlay';
  kernelRelease: string;
  treeVersion: string | null;
  seconds: number;
  samples: number;
  /** Nodes the overlay refers to that the map may not have yet (placed in their bands). */
  nodes: MapNode[];
  /** Node id → share of sampled network-stack CPU (0..1), inclusive of callees. */
  heat: Record<string, number>;
  edges: RuntimeEdge[];
  /** The hottest observed chain from a system call to a driver, node ids top to bottom. */
  hotPath: string[];
  /** Node id → drops by reason. */
  drops: Record<string, RuntimeDrop[]>;
  /** Frames of the running kernel not defined in the tree (counted, named). */
  notInTree: { name: string; samples: number }[];
  /** Notes to show (sampling under a drop storm, kernel newer than the tree, …). */
  notes: string[];
}
export type ToWebview = MapInit | MapProgress | MapExpanded | MapPath | MapSource | MapExportRequest | MapLink | LiveSample | RuntimeStatus | RuntimeOverlay;

// ── webview → host ──────────────────────────────────────────────────────────
export interface WebviewReady { type: 'map/ready' }
export interface WebviewExpand { type: 'map/expand'; id: number; nodeId: string; fn: string; direction: 'callees' | 'callers' }
export interface WebviewOpen { type: 'map/open'; id: number; file: string; line: number }
export interface WebviewTrace { type: 'map/trace'; id: number; preset: string }
export interface WebviewSvg { type: 'map/svg'; id: number; svg: string }
/** The current view as PNG (base64, no data: prefix), answering a `map/exportSvg` with format png. */
export interface WebviewPng { type: 'map/png'; id: number; png: string }
/** Trace from → (via →) to, at most `depth` calls per leg. */
export interface WebviewTraceVia { type: 'map/traceVia'; id: number; from: string; via: string | null; to: string; depth: number }
/** Save an export through the host (VS Code: a save dialog). */
export interface WebviewSave { type: 'map/save'; id: number; format: 'svg' | 'png'; data: string }
export interface WebviewLog { type: 'map/log'; level: 'info' | 'error'; message: string }
/** Start a recording (never started without this user action) / stop it early. */
export interface WebviewRecord { type: 'runtime/record'; id: number; seconds: number; mode: 'stacks' | 'drops' | 'both' }
export interface WebviewStopRecording { type: 'runtime/stop'; id: number }
export type FromWebview = WebviewReady | WebviewExpand | WebviewOpen | WebviewTrace | WebviewTraceVia | WebviewSvg | WebviewPng | WebviewSave | WebviewLog | WebviewRecord | WebviewStopRecording;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown, max = 4096): v is string => typeof v === 'string' && v.length <= max;
const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isName = (v: unknown): v is string => isStr(v, 256) && /^[A-Za-z_][\w.[\]:-]*$/.test(v);

/** The message if it is one the webview may send, exactly shaped; otherwise undefined (drop it). */
export function parseFromWebview(m: unknown): FromWebview | undefined {
  if (!isObj(m) || typeof m.type !== 'string') return undefined;
  const keys = Object.keys(m).sort().join(',');
  switch (m.type) {
    case 'map/ready':
      return keys === 'type' ? { type: m.type } : undefined;
    case 'map/expand':
      return keys === 'direction,fn,id,nodeId,type' && isId(m.id) && isStr(m.nodeId, 512) && isName(m.fn) && (m.direction === 'callees' || m.direction === 'callers')
        ? { type: m.type, id: m.id, nodeId: m.nodeId, fn: m.fn, direction: m.direction } : undefined;
    case 'map/open':
      return keys === 'file,id,line,type' && isId(m.id) && isStr(m.file, 1024) && !/(^|\/)\.\.(\/|$)|^\/|\0/.test(m.file) && Number.isSafeInteger(m.line) && (m.line as number) >= 1
        ? { type: m.type, id: m.id, file: m.file, line: m.line as number } : undefined;
    case 'map/trace':
      return keys === 'id,preset,type' && isId(m.id) && isName(m.preset) ? { type: m.type, id: m.id, preset: m.preset } : undefined;
    case 'map/svg':
      return keys === 'id,svg,type' && isId(m.id) && isStr(m.svg, 50_000_000) ? { type: m.type, id: m.id, svg: m.svg } : undefined;
    case 'map/png':
      return keys === 'id,png,type' && isId(m.id) && isStr(m.png, 50_000_000) && /^[A-Za-z0-9+/=]*$/.test(m.png) ? { type: m.type, id: m.id, png: m.png } : undefined;
    case 'map/save':
      return keys === 'data,format,id,type' && isId(m.id) && (m.format === 'svg' || m.format === 'png') && isStr(m.data, 50_000_000) ? { type: m.type, id: m.id, format: m.format, data: m.data } : undefined;
    case 'map/traceVia':
      return keys === 'depth,from,id,to,type,via' && isId(m.id) && isName(m.from) && isName(m.to) && (m.via === null || isName(m.via)) && Number.isSafeInteger(m.depth) && (m.depth as number) >= 1 && (m.depth as number) <= 60
        ? { type: m.type, id: m.id, from: m.from, via: m.via as string | null, to: m.to, depth: m.depth as number } : undefined;
    case 'map/log':
      return keys === 'level,message,type' && (m.level === 'info' || m.level === 'error') && isStr(m.message, 10_000) ? { type: m.type, level: m.level, message: m.message } : undefined;
    case 'runtime/record':
      return keys === 'id,mode,seconds,type' && isId(m.id) && Number.isSafeInteger(m.seconds) && (m.seconds as number) >= 1 && (m.seconds as number) <= 600 && (m.mode === 'stacks' || m.mode === 'drops' || m.mode === 'both')
        ? { type: m.type, id: m.id, seconds: m.seconds as number, mode: m.mode } : undefined;
    case 'runtime/stop':
      return keys === 'id,type' && isId(m.id) ? { type: m.type, id: m.id } : undefined;
    default:
      return undefined;
  }
}

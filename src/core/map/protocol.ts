// The typed protocol between a host (the extension or `serve`) and the layer-map webview.
// Every message the webview sends is validated with parseFromWebview() before use; a message of the
// wrong shape is dropped (and logged) by the host. Requests carry an `id` that the reply repeats.
import type { LayerId, EdgeKind, Confidence } from '../graph/types.ts';

export type MapNodeKind = 'function' | 'ops' | 'inetsw' | 'struct';
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
export interface MapExportRequest { type: 'map/exportSvg'; id: number }
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
export type ToWebview = MapInit | MapProgress | MapExpanded | MapPath | MapSource | MapExportRequest | LiveSample;

// ── webview → host ──────────────────────────────────────────────────────────
export interface WebviewReady { type: 'map/ready' }
export interface WebviewExpand { type: 'map/expand'; id: number; nodeId: string; fn: string; direction: 'callees' | 'callers' }
export interface WebviewOpen { type: 'map/open'; id: number; file: string; line: number }
export interface WebviewTrace { type: 'map/trace'; id: number; preset: string }
export interface WebviewSvg { type: 'map/svg'; id: number; svg: string }
export interface WebviewLog { type: 'map/log'; level: 'info' | 'error'; message: string }
export type FromWebview = WebviewReady | WebviewExpand | WebviewOpen | WebviewTrace | WebviewSvg | WebviewLog;

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
    case 'map/log':
      return keys === 'level,message,type' && (m.level === 'info' || m.level === 'error') && isStr(m.message, 10_000) ? { type: m.type, level: m.level, message: m.message } : undefined;
    default:
      return undefined;
  }
}

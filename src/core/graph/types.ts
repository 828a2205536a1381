// The call graph and layer model that the CLI, the extension and the map share.

/** How an edge was found: a plain call; a call through a struct member (`ops`) or through a local
 *  loaded from one (`pointer`: `rx_handler = skb->dev->rx_handler; rx_handler(&skb)`); the kernel's
 *  INDIRECT_CALL_* hint (also under another macro's name); a function passed as an argument that the
 *  callee calls (`callback`, from the caller that passes it); a function calling its own parameter
 *  (`param`: `__ip_append_data` → `icmp_glue_bits`, the evidence is the argument that passed it);
 *  a call made inside a function-like macro the caller uses (`macro`, the macro as `via`). */
export type EdgeKind = 'direct' | 'ops' | 'hint' | 'callback' | 'pointer' | 'param' | 'macro';

/** `exact` for direct/hint edges; for ops: `typed` when the struct type was inferred, `field-name`
 *  when only the member name matched (ranked lower). */
export type Confidence = 'exact' | 'typed' | 'field-name';

export interface CallEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  confidence: Confidence;
  /** Where the call is. */
  file: string;
  line: number;
  /** What justifies the target: the initializer `.sendmsg = tcp_sendmsg`, the runtime assignment, the hint. */
  evidence: { file: string; line: number };
  /** For ops edges: the member called, as `proto.sendmsg`. */
  via?: string;
  /** For `param` edges: the function that passed the callee as an argument. A path may take the
   *  edge only when it came through that function (the edge alone holds for any caller). */
  passedBy?: string;
}

export type LayerId = 'syscall' | 'socket' | 'protocol' | 'network' | 'device' | 'driver';

export const LAYER_TITLES: Record<LayerId, string> = {
  syscall: 'System call interface',
  socket: 'Protocol-agnostic socket layer',
  protocol: 'Network protocols',
  network: 'Network layer (IP)',
  device: 'Device-agnostic interface',
  driver: 'Device drivers',
};

export const LAYER_ORDER: LayerId[] = ['syscall', 'socket', 'protocol', 'network', 'device', 'driver'];

export interface LayerFunction {
  name: string;
  file: string;
  line: number;
  /** The rule that placed it, shown in the UI: `bound in proto_ops inet_stream_ops.sendmsg`. */
  rule: string;
}

export interface Layer {
  id: LayerId;
  title: string;
  functions: LayerFunction[];
}

export interface Registration {
  /** `proto_register`, `sock_register`, `inet_register_protosw`, `inetsw`, `inet_add_protocol`,
   *  `inet6_add_protocol`, `dev_add_pack`, `netdev_ops`, `napi`, `nf_hook`. */
  kind: string;
  /** What is registered: `tcp_prot`, `inetsw_array[0]`, `ip_packet_type`. */
  name: string;
  file: string;
  line: number;
  /** Kind-specific facts: protocol number, ethertype, hook point, priority, handler function. */
  details: Record<string, string>;
}

export interface LayerModel {
  layers: Layer[];
  registrations: Registration[];
}

export interface PathResult {
  found: boolean;
  functions: string[];
  edges: CallEdge[];
  /** Further shortest-first alternatives (up to k - 1). */
  alternatives?: { functions: string[]; edges: CallEdge[] }[];
  /** How deep the search went (when not found: the depth explored). */
  depth: number;
}

// The six layers of the classic network-stack drawing, with the rule that put each function
// there, and the registrations that wire the layers together, all discovered from source.
import type { KernelIndex } from '../index/model.ts';
import type { FileFacts } from '../index/facts.ts';
import type { FactsDiff } from '../index/factsDiff.ts';
import type { ReadTreeFile } from '../index/treeFiles.ts';
import type { GraphQueries } from './graphQueries.ts';
import { LAYER_ORDER, LAYER_TITLES, type LayerId, type LayerModel, type Registration } from './types.ts';

/** Struct types whose instances' functions belong to a layer. */
const OPS_LAYER = new Map<string, LayerId>([
  ['proto_ops', 'socket'],
  ['net_proto_family', 'socket'],
  ['proto', 'protocol'],
  ['net_protocol', 'protocol'],
  ['inet6_protocol', 'protocol'],
  ['inet_connection_sock_af_ops', 'protocol'],
  ['packet_type', 'network'],
  ['dst_ops', 'network'],
  ['neigh_ops', 'network'],
  ['nf_hook_ops', 'network'],
  ['net_device_ops', 'driver'],
  ['ethtool_ops', 'driver'],
  ['header_ops', 'device'],
  ['Qdisc_ops', 'device'],
]);

const DEVICE_NAMES = new Set(['dev_queue_xmit', '__dev_queue_xmit', 'dev_hard_start_xmit', 'netif_rx', 'netif_receive_skb', 'sch_direct_xmit', 'netdev_start_xmit', '__netdev_start_xmit', 'xmit_one', 'process_backlog', 'enqueue_to_backlog']);
const DEVICE_PREFIXES = ['napi_', '__napi_', 'gro_', 'netif_', '__netif_', 'qdisc_', '__qdisc_'];

/** File-path rules, first match wins. */
const PATH_RULES: [RegExp, LayerId][] = [
  [/^drivers\/net\//, 'driver'],
  [/^net\/socket\.c$|^net\/compat\.c$|^net\/core\/(sock|datagram|stream|scm|sock_diag|sock_reuseport)\.c$|^include\/net\/sock\.h$|^include\/linux\/net\.h$/, 'socket'],
  [/^net\/ipv4\/(tcp|udp|raw|ping|inet_connection_sock|inet_hashtables|inet_timewait_sock|syncookies)\w*\.c$|^net\/ipv6\/(tcp|udp|raw|ping|inet6_connection_sock|inet6_hashtables|syncookies)\w*\.c$|^net\/(sctp|dccp|mptcp|unix|packet|l2tp|rxrpc|tipc|smc|rds|bluetooth|nfc|can|x25|vmw_vsock|9p|kcm|iucv|caif|phonet|qrtr|llc|appletalk|ax25|rose|netrom|ieee802154|mctp|netlink|key)\/|^include\/net\/(tcp|udp|sctp|mptcp|raw|ping|inet_connection_sock|inet_hashtables)\w*\.h$/, 'protocol'],
  [/^net\/(ipv4|ipv6|netfilter|xfrm|bpfilter)\/|^net\/core\/(neighbour|dst|fib_\w+|lwtunnel|net_namespace)\.c$|^include\/net\/(ip|ipv6|route|dst|neighbour|ip6_\w+|ip_\w+|netfilter\/\w+|xfrm|fib\w*|inet\w*)\.h$|^include\/linux\/netfilter/, 'network'],
  [/^net\/core\/(dev|dev_\w+|gro|gro_cells|link_watch|netpoll|pktgen|rtnetlink|skbuff|flow_dissector|filter|xdp|page_pool|net-sysfs|netdev\w*)\.c$|^net\/(sched|ethernet|bridge|8021q|dsa|mac80211|wireless|hsr|openvswitch|switchdev|core)\/|^include\/linux\/(netdevice|skbuff|etherdevice|if_\w+)\.h$|^include\/net\/(sch_generic|pkt_\w+|gro|xdp|dsa|mac80211|cfg80211)\.h$/, 'device'],
];

/** The address families' socket glue (inet_sendmsg, inet6_release): their path says IP, their role socket. */
const FAMILY_GLUE = /^net\/ipv[46]\/af_inet6?\.c$/;

/** Function names in the order a fresh index lists them (first definition in file order): the votes of
 *  step 5 depend on the order, and an index patched by updates appends a new name to its lookup. */
function namesInFileOrder(index: KernelIndex): string[] {
  const names = new Set<string>();
  for (const f of index.allFacts()) for (const d of f.functions) names.add(d.name);
  return [...names];
}

/** Rule 1: a system call's definition, body, or the multiplexer. */
function syscallRule(file: string, d: { name: string; definedBy?: string }): string | undefined {
  if (d.definedBy && /SYSCALL_DEFINE/.test(d.definedBy)) return `defined by ${d.definedBy}`;
  if (/^__(compat_)?sys_/.test(d.name) && /^net\//.test(file)) return '__sys_* body of a system call';
  if (d.name === 'sys_socketcall') return 'the socketcall multiplexer';
  return undefined;
}

/** Rule 3: names of the device-agnostic interface, sock_* helpers of net/. */
function nameRule(index: KernelIndex, name: string): [LayerId, string] | undefined {
  if (DEVICE_NAMES.has(name) || DEVICE_PREFIXES.some((p) => name.startsWith(p))) return ['device', 'device-agnostic interface (name)'];
  if (name.startsWith('sock_') && index.functions(name)[0]?.file.startsWith('net/')) return ['socket', 'sock_* helper'];
  return undefined;
}

/** Where the rules put a function defined once and bound nowhere (no ops table, no NAPI registration): rules 1, 3, 4; undefined when only votes would place it. */
function placeAlone(index: KernelIndex, name: string): Placement | undefined {
  const d = index.functions(name)[0];
  if (!d) return undefined;
  const at = { file: d.file, line: d.def.line };
  const sys = syscallRule(d.file, d.def);
  if (sys) return { layer: 'syscall', rule: sys, ...at };
  const byName = nameRule(index, name);
  if (byName) return { layer: byName[0], rule: byName[1], ...at };
  const layer = fileLayer(d.file);
  return layer ? { layer, rule: `in ${d.file}`, ...at } : undefined;
}

/** The layer a file's path puts its functions in (first matching rule), if any. */
function fileLayer(file: string | undefined): LayerId | undefined {
  return file === undefined ? undefined : PATH_RULES.find(([re]) => re.test(file))?.[1];
}

export function buildLayerModel(index: KernelIndex, graph: Pick<GraphQueries, 'isFunction'>, readFile: ReadTreeFile): LayerModel {
  const place = new Map<string, Placement>();
  const set = (name: string, layer: LayerId, rule: string) => {
    if (place.has(name)) return;
    const d = index.functions(name)[0];
    if (d) place.set(name, { layer, rule, file: d.file, line: d.def.line });
  };

  // 1. system calls
  for (const f of index.allFacts()) {
    for (const d of f.functions) {
      const why = syscallRule(f.file, d);
      if (why) set(d.name, 'syscall', why);
    }
  }
  // 2. functions bound in ops tables of a layer's struct type (drivers first: their ops are theirs)
  const bound: [string, string, string][] = [];
  for (const { def } of index.opsInstances()) {
    const layer = OPS_LAYER.get(def.struct);
    if (!layer) continue;
    for (const [member, value] of Object.entries(def.members)) if (graph.isFunction(value)) bound.push([value, def.struct, `${def.name}.${member}`]);
  }
  for (const [fn, struct, where] of bound) if (OPS_LAYER.get(struct) === 'driver') set(fn, 'driver', `bound in ${struct} ${where}`);
  for (const [fn, struct, where] of bound) {
    // a function defined in a lower layer's file stays there: tcp_sendmsg_locked (net/ipv4/tcp.c) is
    // a protocol function even where a proto_ops member points at it, ip_queue_xmit (ip_output.c)
    // an IP one even though inet_connection_sock_af_ops binds it
    const file = index.functions(fn)[0]?.file;
    const own = file && !FAMILY_GLUE.test(file) ? fileLayer(file) : undefined;
    const table = OPS_LAYER.get(struct)!;
    if (own && LAYER_ORDER.indexOf(own) > LAYER_ORDER.indexOf(table)) set(fn, own, `in ${file}, a ${LAYER_TITLES[own].toLowerCase()} file (wins over its binding in ${struct} ${where}, a ${LAYER_TITLES[table].toLowerCase()} table)`);
    else set(fn, table, `bound in ${struct} ${where}`);
  }
  // NAPI poll functions registered under drivers/net
  for (const f of index.allFacts()) {
    if (!f.file.startsWith('drivers/net/')) continue;
    for (const a of f.args) if (isNapiAdd(a.callee) && graph.isFunction(a.name)) set(a.name, 'driver', `NAPI poll registered by ${a.caller} (${f.file}:${a.line})`);
  }
  // 3. key names of the device-agnostic interface, and the sock_* helpers of net/
  const names = namesInFileOrder(index);
  for (const name of names) {
    if (place.has(name)) continue;
    const r = nameRule(index, name);
    if (r) set(name, r[0], r[1]);
  }
  // 4. file paths
  for (const f of index.allFacts()) {
    if (f.functions.length === 0) continue;
    const layer = fileLayer(f.file); // once per file
    if (!layer) continue;
    const why = `in ${f.file}`;
    for (const d of f.functions) if (!place.has(d.name)) place.set(d.name, { layer, rule: why, file: f.file, line: d.line });
  }
  // 5. the rest (few by now) by their direct callers' layers, then by their callees'
  for (const pass of ['callers', 'callees'] as const) {
    for (const name of names) {
      if (place.has(name)) continue;
      const votes = new Map<LayerId, number>();
      for (const c of index.callSites(name, pass === 'callers' ? 'to' : 'from')) {
        const other = place.get(pass === 'callers' ? c.def.caller : c.def.callee);
        if (other) votes.set(other.layer, (votes.get(other.layer) ?? 0) + 1);
      }
      const best = [...votes].sort((a, b) => b[1] - a[1])[0];
      if (best) set(name, best[0], `most of its ${pass} are in ${LAYER_TITLES[best[0]].toLowerCase()}`);
    }
  }
  for (const name of names) set(name, 'device', 'no rule matched; shared helper placed with the device-agnostic core');

  const layers = LAYER_ORDER.map((id) => ({ id, title: LAYER_TITLES[id], functions: [] as { name: string; file: string; line: number; rule: string }[] }));
  for (const [name, p] of place) layers[LAYER_ORDER.indexOf(p.layer)].functions.push({ name, file: p.file, line: p.line, rule: p.rule });
  for (const l of layers) l.functions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { layers, registrations: findRegistrations(index, graph, readFile) };
}

export interface Placement {
  layer: LayerId;
  rule: string;
  file: string;
  line: number;
}
const lookups = new WeakMap<LayerModel, Map<string, Placement>>();
/** Where the model placed a function (band and rule), from a lookup built once per model. */
export function placementOf(model: LayerModel, name: string): Placement | undefined {
  let m = lookups.get(model);
  if (!m) {
    m = new Map();
    for (const l of model.layers) for (const f of l.functions) if (!m.has(f.name)) m.set(f.name, { layer: l.id, rule: f.rule, file: f.file, line: f.line });
    lookups.set(model, m);
  }
  return m.get(name);
}

/** `netif_napi_add`, `netif_napi_add_weight`, `netif_tx_napi_add`, … (a prefix test: this runs per argument). */
function isNapiAdd(callee: string): boolean {
  return callee.startsWith('netif_napi_add') || callee.startsWith('netif_tx_napi_add');
}

const REGISTRARS = new Map<string, string>([
  ['proto_register', 'proto_register'],
  ['sock_register', 'sock_register'],
  ['inet_register_protosw', 'inet_register_protosw'],
  ['inet6_register_protosw', 'inet6_register_protosw'],
  ['inet_add_protocol', 'inet_add_protocol'],
  ['inet6_add_protocol', 'inet6_add_protocol'],
  ['dev_add_pack', 'dev_add_pack'],
  ['nf_register_net_hook', 'nf_hook'],
  ['nf_register_net_hooks', 'nf_hook'],
]);

interface RegistrationContext {
  /** Ops instances by name (array elements under the array's name). */
  instances: Map<string, { file: string; def: { struct: string; name: string; members: Record<string, string> } }[]>;
  /** Setup helpers that store a parameter into `dev->netdev_ops`, with its index. */
  netdevOpsParams: Map<string, number>;
}

function registrationContext(index: KernelIndex): RegistrationContext {
  const instances: RegistrationContext['instances'] = new Map();
  for (const o of index.opsInstances()) {
    const base = o.def.name.replace(/\[.*$/, '');
    const list = instances.get(base) ?? [];
    list.push(o);
    instances.set(base, list);
  }
  // `dev->netdev_ops = ops;` inside a setup helper: the registration is at the helper's call sites
  const netdevOpsParams = new Map<string, number>();
  for (const f of index.allFacts()) for (const s of f.stores) if (s.chain.endsWith('|netdev_ops') && s.param >= 0) netdevOpsParams.set(s.context, s.param);
  return { instances, netdevOpsParams };
}

export function findRegistrations(index: KernelIndex, graph: Pick<GraphQueries, 'isFunction'>, readFile: ReadTreeFile): Registration[] {
  const ctx = registrationContext(index);
  const out: Registration[] = [];
  for (const f of index.allFacts()) storedRegistrations(f, out);
  for (const f of index.allFacts()) argRegistrations(f, ctx, graph, readFile, out);
  for (const f of index.allFacts()) tableRegistrations(f, out);
  return sortRegistrations(out);
}

const sortRegistrations = (out: Registration[]) => out.sort((a, b) => a.kind.localeCompare(b.kind) || a.file.localeCompare(b.file) || a.line - b.line);

function storedRegistrations(f: FileFacts, out: Registration[]): void {
  for (const s of f.stores) if (s.chain.endsWith('|netdev_ops') && s.param < 0) out.push({ kind: 'netdev_ops', name: s.value, file: f.file, line: s.line, details: { by: s.context } });
}

function tableRegistrations(f: FileFacts, out: Registration[]): void {
  for (const def of f.opsInstances) {
    if (def.struct !== 'inet_protosw') continue;
    out.push({ kind: 'inetsw', name: def.name, file: f.file, line: def.line, details: { type: def.members.type ?? '', protocol: def.members.protocol ?? '', prot: def.members.prot ?? '', ops: def.members.ops ?? '' } });
  }
}

function argRegistrations(f: FileFacts, ctx: RegistrationContext, graph: Pick<GraphQueries, 'isFunction'>, readFile: ReadTreeFile, out: Registration[]): void {
  const { instances, netdevOpsParams } = ctx;
  let lines: string[] | undefined;
  const readLine = (line: number) => (lines ??= (readFile(f.file) ?? '').split('\n'))[line - 1] ?? '';
  for (const a of f.args) {
    const helperParam = netdevOpsParams.get(a.callee);
    if (helperParam === a.index && instances.get(a.name)?.some((i) => i.def.struct === 'net_device_ops')) {
      out.push({ kind: 'netdev_ops', name: a.name, file: f.file, line: a.line, details: { by: a.caller, via: `${a.callee}()` } });
    }
    const kind = REGISTRARS.get(a.callee);
    if (kind && a.index === 0 && kind !== 'nf_hook') {
      const inst = instances.get(a.name)?.[0];
      const details: Record<string, string> = { by: a.caller };
      if (kind === 'inet_add_protocol' || kind === 'inet6_add_protocol') {
        const m = new RegExp(`${a.callee}\\s*\\(\\s*&?\\s*${a.name}\\s*,\\s*([^)]+)\\)`).exec(readLine(a.line));
        if (m) details.protocol = m[1].trim();
        if (inst) details.handler = inst.def.members.handler ?? '';
      } else if (kind === 'dev_add_pack' && inst) {
        details.ethertype = inst.def.members.type ?? '';
        details.func = inst.def.members.func ?? '';
      } else if (kind === 'sock_register' && inst) details.family = inst.def.members.family ?? '';
      out.push({ kind, name: a.name, file: f.file, line: a.line, details });
    } else if (kind === 'nf_hook' && a.index === 1) {
      for (const inst of instances.get(a.name) ?? []) {
        if (inst.def.struct !== 'nf_hook_ops') continue;
        out.push({ kind, name: inst.def.name, file: f.file, line: a.line, details: { by: a.caller, hook: inst.def.members.hook ?? '', hooknum: inst.def.members.hooknum ?? '', priority: inst.def.members.priority ?? '', pf: inst.def.members.pf ?? '' } });
      }
    } else if (isNapiAdd(a.callee) && graph.isFunction(a.name)) {
      out.push({ kind: 'napi', name: a.name, file: f.file, line: a.line, details: { by: a.caller, poll: a.name, via: a.callee } });
    }
  }
}

/** What an update needs of a model besides the model, kept for the model it returns (an update keeps the
 *  rules' inputs: names, ops tables, stores; so the same functions sit at the same positions). */
interface LayerAux {
  /** Functions placed by their callers' or callees' bands, or by no rule. */
  voted: Set<string>;
  /** Positions (layer, function) of the entries in a file or whose rule cites a line of it, by file. */
  cites: Map<string, [number, number][]>;
  ctx?: RegistrationContext;
}
const auxes = new WeakMap<LayerModel, LayerAux>();

/** The aux of `model` for `next`, where names came into or left some bands (their positions move). */
function shiftedAux(aux: LayerAux, model: LayerModel, next: LayerModel): LayerAux {
  const moved = new Map<string, [number, number]>();
  const changed = new Set<number>();
  next.layers.forEach((l, li) => {
    if (l.functions === model.layers[li].functions) return;
    changed.add(li);
    l.functions.forEach((fn, fi) => moved.set(fn.name, [li, fi]));
  });
  const cites = new Map<string, [number, number][]>();
  for (const [file, list] of aux.cites) {
    const out: [number, number][] = [];
    for (const p of list) {
      if (!changed.has(p[0])) out.push(p);
      else {
        const to = moved.get(model.layers[p[0]].functions[p[1]].name);
        if (to) out.push(to);
      }
    }
    if (out.length) cites.set(file, out);
  }
  // the functions new to a band: every entry of a changed band not cited yet is one of them
  const cited = new Set<string>();
  for (const list of cites.values()) for (const [li, fi] of list) if (changed.has(li)) cited.add(next.layers[li].functions[fi].name);
  for (const [name, p] of moved) {
    if (cited.has(name)) continue;
    const fn = next.layers[p[0]].functions[p[1]];
    const l = cites.get(fn.file);
    if (l) l.push(p);
    else cites.set(fn.file, [p]);
  }
  return { voted: aux.voted, cites, ctx: aux.ctx };
}

function auxOf(model: LayerModel): LayerAux {
  let a = auxes.get(model);
  if (a) return a;
  a = { voted: new Set(), cites: new Map() };
  const at = (file: string, p: [number, number]) => {
    const l = a!.cites.get(file);
    if (l) {
      if (l[l.length - 1] !== p) l.push(p);
    } else a!.cites.set(file, [p]);
  };
  model.layers.forEach((l, li) =>
    l.functions.forEach((fn, fi) => {
      if (fn.rule.startsWith('most of its ') || fn.rule.startsWith('no rule matched')) a!.voted.add(fn.name);
      const p: [number, number] = [li, fi];
      at(fn.file, p);
      if (fn.rule.includes(':')) for (const m of fn.rule.matchAll(/([\w./-]+):\d+/g)) if (m[1] !== fn.file) at(m[1], p);
    }),
  );
  auxes.set(model, a);
  return a;
}

/**
 * The layer model after one file's facts changed locally (`diff` from `old` to the index's current
 * facts; the names, ops tables and stores the placement rules read are the same): the file's functions
 * keep their bands at the lines they moved to, its registrations are read again. Returns the new model,
 * or why a rebuild is needed.
 */
export function updateLayerModel(model: LayerModel, index: KernelIndex, graph: Pick<GraphQueries, 'isFunction'>, readFile: ReadTreeFile, old: FileFacts, diff: FactsDiff): LayerModel | string {
  const file = old.file;
  const now = index.fileFacts(file);
  if (!now) return 'the file left the index';
  const global = diff.changed.filter((c) => ['opsInstances', 'stores'].includes(c));
  if (global.length) return `its ${global.join(', ')} changed (placement rules read them)`;
  // functions added or removed: defined here only, bound nowhere (the call graph checked that), placed by their name or file
  const gone = new Set(((diff.removed.functions ?? []) as { name: string }[]).map((d) => d.name));
  const added = new Set(((diff.added.functions ?? []) as { name: string }[]).map((d) => d.name));
  const aux0 = auxOf(model);
  for (const name of [...gone, ...added]) {
    if (gone.has(name) && added.has(name)) return `${name}'s definition changed`;
    if (index.functions(name).length > (added.has(name) ? 1 : 0)) return `${name} is defined elsewhere too`;
    if (aux0.voted.has(name)) return `${name} was placed by votes`;
    for (const dir of ['to', 'from'] as const) for (const c of index.callSites(name, dir)) if (aux0.voted.has(dir === 'to' ? c.def.caller : c.def.callee)) return `a call with ${name} changes a placement vote`;
  }
  const placedNew = new Map<string, Placement>();
  for (const name of added) {
    const p = placeAlone(index, name);
    if (!p) return `no rule but votes would place ${name}`;
    placedNew.set(name, p);
  }
  if (file.startsWith('drivers/net/') && [...(diff.removed.args ?? []), ...(diff.added.args ?? [])].some((a) => isNapiAdd((a as { callee: string }).callee))) return 'a NAPI registration changed';
  const aux = auxOf(model);
  // functions placed by their callers' or callees' bands (or by no rule): a call to or from one changes the vote
  for (const c of [...(diff.removed.calls ?? []), ...(diff.added.calls ?? [])] as { caller: string; callee: string }[]) {
    if (aux.voted.has(c.caller) || aux.voted.has(c.callee)) return `a call between ${c.caller} and ${c.callee} changes a placement vote`;
  }
  const moved = (line: number) => diff.lines.get(line);
  const cite = new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)`, 'g');
  const layers = model.layers.slice();
  let same = true;
  for (const [li, fi] of aux.cites.get(file) ?? []) {
    const fn = layers[li].functions[fi];
    if (gone.has(fn.name)) continue;
    const line = fn.file === file ? moved(fn.line) : fn.line;
    let lost = line === undefined;
    const rule = fn.rule.replace(cite, (m, n: string) => {
      const to = moved(Number(n));
      if (to === undefined) lost = true;
      return `${file}:${to}`;
    });
    if (lost) return `${fn.name}'s placement cites a line that is gone`;
    if (line === fn.line && rule === fn.rule) continue;
    if (layers[li] === model.layers[li]) layers[li] = { ...layers[li], functions: layers[li].functions.slice() };
    layers[li].functions[fi] = { ...fn, line: line!, rule };
    same = false;
  }
  if (gone.size || added.size) {
    // names come and go in the sorted lists of some bands: positions there move (shiftedAux)
    for (let li = 0; li < layers.length; li++) {
      const into = [...placedNew].filter(([, p]) => LAYER_ORDER.indexOf(p.layer) === li);
      let fns = gone.size ? layers[li].functions.filter((fn) => !gone.has(fn.name)) : layers[li].functions;
      if (fns.length === layers[li].functions.length && !into.length) continue; // this band keeps its names
      if (fns === layers[li].functions) fns = fns.slice();
      for (const [name, p] of into) {
        let lo = 0, hi = fns.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (fns[mid].name < name) lo = mid + 1;
          else hi = mid;
        }
        fns.splice(lo, 0, { name, file: p.file, line: p.line, rule: p.rule });
      }
      layers[li] = { ...layers[li], functions: fns };
    }
    same = false;
  }
  const mine: Registration[] = [];
  storedRegistrations(now, mine);
  aux.ctx ??= registrationContext(index);
  argRegistrations(now, aux.ctx, graph, readFile, mine);
  tableRegistrations(now, mine);
  const before = model.registrations.filter((r) => r.file === file);
  if (same && JSON.stringify(before) === JSON.stringify(sortRegistrations(mine.slice()))) return model;
  const next = { layers, registrations: sortRegistrations([...model.registrations.filter((r) => r.file !== file), ...mine]) };
  auxes.set(next, gone.size || added.size ? shiftedAux(aux, model, next) : aux); // same rules, same functions at the same positions
  return next;
}

// Reader of `perf script` text: one record per block (a header line, then indented call-chain frames,
// blocks separated by blank lines). It keeps kernel frames only, strips compiler clone suffixes, and
// aggregates while streaming: folded stacks (root first, FlameGraph's format) with a count, and drops
// (`skb:kfree_skb` records) by reason and location. Memory is bounded by the number of distinct
// stacks kept (a cap; the rest is counted) — never by the number of records. Under a drop storm
// every drop is counted from its header, but only every Nth drop's call chain is kept (N adapts per
// second of perf time, and the result says so). Garbage lines are counted and skipped; nothing throws.
import { StringDecoder } from 'node:string_decoder';
import { isKernelAddress, splitSymOff, treeName } from './symbols.ts';
import { StringTable } from '../index/factsCodec.ts';

/** The `-F` fields the recorder asks `perf script` for (pinned, so the text has one shape). */
export const PERF_SCRIPT_FIELDS = 'comm,pid,tid,cpu,time,period,event,trace,ip,sym,symoff,dso';

export interface DropTally {
  /** As perf printed it: a name (`NO_SOCKET`) or a number when perf could not decode it. */
  reason: string;
  /** The function holding the drop site (tree name), or `0x…` when it could not be resolved. */
  function: string;
  offset: string;
  /** Events (sum of periods). */
  count: number;
  /** Records whose call chain was kept. */
  sampled: number;
}

export interface PerfRecording {
  /** Stack samples (any event other than skb:kfree_skb), and those with at least one kernel frame. */
  samples: number;
  kernelSamples: number;
  /** Folded kernel stacks of the samples: `root;…;leaf` → samples. */
  stacks: Map<string, number>;
  /** Kernel frames read, and those perf could not name (`[unknown]`: kptr_restrict, no symbols). */
  frames: number;
  unknownFrames: number;
  /** Drops by `reason\tfunction\toffset`. */
  drops: Map<string, DropTally>;
  /** Drop events (sum of periods) and drop records whose chain was kept. */
  dropTotal: number;
  dropRecords: number;
  dropSampled: number;
  /** Folded kernel stacks of the kept drops, prefixed by the reason: `NO_SOCKET;root;…;leaf`. */
  dropStacks: Map<string, number>;
  /** The largest N of "every Nth drop's chain kept" used (1: all kept). */
  dropKeepEvery: number;
  /** perf timestamps (seconds) of the first and last record. */
  firstTime: number | null;
  lastTime: number | null;
  /** Event names seen (`cpu-clock`, `skb:kfree_skb`). */
  events: Set<string>;
  lines: number;
  bytes: number;
  /** Lines that fit no record shape (skipped). */
  malformed: number;
  /** Samples / drop chains not kept because the distinct-stack cap was reached. */
  overflow: number;
}

export interface ReaderOptions {
  /** Distinct stacks kept (each map); further new stacks are counted in `overflow`. */
  maxStacks?: number;
  /** Drop chains kept per second of perf time before sampling every Nth. */
  dropChainsPerSecond?: number;
  /** Frames kept per record (deeper ones are cut at the root end). */
  maxDepth?: number;
}

const UNKNOWN = '[unknown]';
const USER_DSOS = new Set([UNKNOWN, '[vdso]', '[vsyscall]', '[heap]', '[stack]', '[vectors]', '[uprobes]']);

export function emptyRecording(): PerfRecording {
  return {
    samples: 0, kernelSamples: 0, stacks: new Map(), frames: 0, unknownFrames: 0,
    drops: new Map(), dropTotal: 0, dropRecords: 0, dropSampled: 0, dropStacks: new Map(), dropKeepEvery: 1,
    firstTime: null, lastTime: null, events: new Set(), lines: 0, bytes: 0, malformed: 0, overflow: 0,
  };
}

interface Pending {
  drop: boolean;
  period: number;
  reason: string;
  location: string;
  keepChain: boolean;
  /** Kernel frames kept so far (their ids are in the reader's frameIds, leaf first). */
  depth: number;
  /** For a drop whose location is an address: `addr → sym+off` of its frames. */
  addrs: Map<string, string> | null;
}

/** Push text (or bytes) in any chunking; `end()` returns the aggregate. Never throws on input. */
export class PerfScriptReader {
  readonly rec: PerfRecording = emptyRecording();
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  private cur: Pending | null = null;
  private readonly maxStacks: number;
  private readonly chainBudget: number;
  private readonly maxDepth: number;
  /** Per-second window of drop records (perf time) for the storm sampler. */
  private windowStart = -1;
  private windowDrops = 0;
  private keepEvery = 1;
  /** Symbol text → name id; names by id; the trie of sample stacks (root first). */
  private readonly symIds = new Map<number, { sym: string; id: number }[]>();
  private symCount = 0;
  private readonly nameTable = new StringTable();
  private readonly names = this.nameTable.list;
  private readonly unknownId: number;
  private readonly frameIds: number[] = [];
  private readonly trie: TrieNode = { count: 0, kids: null };
  private distinct = 0;

  constructor(opts: ReaderOptions = {}) {
    this.maxStacks = opts.maxStacks ?? 200_000;
    this.chainBudget = opts.dropChainsPerSecond ?? 2_000;
    this.maxDepth = opts.maxDepth ?? 128;
    this.unknownId = this.nameTable.id(UNKNOWN);
  }

  push(chunk: string | Uint8Array): void {
    this.rec.bytes += chunk.length;
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk as Buffer);
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl < 0) {
      this.carry += text;
      if (this.carry.length > 1 << 20) this.carry = this.carry.slice(-(1 << 20)); // a line cannot be this long
      return;
    }
    if (this.carry) {
      const l = this.carry + text.slice(0, nl);
      this.line(l, 0, l.length);
      this.carry = '';
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    while (nl >= 0) {
      this.line(text, start, nl);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    this.carry = text.slice(start);
  }

  end(): PerfRecording {
    const rest = this.carry + this.decoder.end();
    this.carry = '';
    if (rest) this.line(rest, 0, rest.length);
    this.finish();
    this.materialize();
    return this.rec;
  }

  /** One line: `t[i, n)` (no copy for frame lines, the bulk of the text). */
  private line(t: string, i: number, n: number): void {
    this.rec.lines++;
    if (n > i && t.charCodeAt(n - 1) === 13) n--; // CRLF
    if (n === i) {
      this.finish();
      return;
    }
    const c = t.charCodeAt(i);
    if (c === 32 || c === 9) {
      this.frame(t, i, n);
      return;
    }
    this.finish();
    this.header(t.slice(i, n));
  }

  /** `comm pid/tid [cpu] time: period event: trace` — fields located from known markers, so text
   *  from another host with a different `-F` still reads (event, period, time are what matter). */
  private header(l: string): void {
    // the event is the last `name:` token followed by a space or the end, before any trace text
    const isDrop = l.includes('kfree_skb:');
    let event = '';
    let period = 1;
    let time: number | null = null;
    const tokens = l.split(/\s+/);
    let evIndex = -1;
    // a comm may hold spaces and colons (`tmux: server`): start after the pid or cpu token if any
    let from = 0;
    for (let i = 0; i < Math.min(tokens.length, 8); i++) if (/^(?:\d+\/\d+|\[\d+\])$/.test(tokens[i])) from = i + 1;
    for (let i = from; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.length > 1 && t.endsWith(':')) {
        const name = t.slice(0, -1);
        if (/^\d+\.\d+$/.test(name)) {
          time = Number(name);
          continue;
        }
        if (/^[A-Za-z_][\w.-]*(?::[\w.-]+)?(?:\/[^\s]*\/)?(?::[a-zA-Z]+)?$/.test(name)) {
          event = name;
          evIndex = i;
          break;
        }
      }
    }
    if (!event) {
      this.rec.malformed++;
      this.cur = null;
      return;
    }
    if (evIndex > 0 && /^\d+$/.test(tokens[evIndex - 1])) period = Math.max(1, Number(tokens[evIndex - 1]));
    const slash = event.indexOf('/');
    const base = slash > 0 ? event.slice(0, slash) : event;
    this.rec.events.add(base);
    if (time !== null && Number.isFinite(time)) {
      if (this.rec.firstTime === null || time < this.rec.firstTime) this.rec.firstTime = time;
      if (this.rec.lastTime === null || time > this.rec.lastTime) this.rec.lastTime = time;
    }
    if (isDrop && base.endsWith('kfree_skb')) {
      const loc = /\blocation=(\S+)/.exec(l)?.[1] ?? '?';
      const reason = /\breason: ?(\S+)/.exec(l)?.[1] ?? /\breason=(\S+)/.exec(l)?.[1] ?? 'NOT_SPECIFIED';
      this.rec.dropRecords++;
      this.rec.dropTotal += period;
      const keepChain = this.sampleDrop(time);
      this.cur = { drop: true, period, reason, location: loc, keepChain, depth: 0, addrs: loc.startsWith('0x') ? new Map() : null };
      return;
    }
    this.rec.samples++;
    this.cur = { drop: false, period: 1, reason: '', location: '', keepChain: true, depth: 0, addrs: null };
  }

  /** Whether this drop's call chain is kept: all of them while a second of perf time holds no more
   *  than the budget; beyond it every Nth (N doubles inside a second, and starts the next second at
   *  the last second's rate over the budget). */
  private sampleDrop(time: number | null): boolean {
    const t = time ?? this.rec.dropRecords / this.chainBudget; // no timestamps: count-based seconds
    if (this.windowStart < 0 || t - this.windowStart >= 1 || t < this.windowStart) {
      if (this.windowStart >= 0) this.keepEvery = Math.max(1, Math.ceil(this.windowDrops / this.chainBudget));
      this.windowStart = t;
      this.windowDrops = 0;
    }
    this.windowDrops++;
    if (this.windowDrops > this.chainBudget * this.keepEvery) this.keepEvery *= 2;
    if (this.keepEvery > this.rec.dropKeepEvery) this.rec.dropKeepEvery = this.keepEvery;
    return this.windowDrops % this.keepEvery === 0;
  }

  /** `\t ffffffff81e94fb0 sk_skb_reason_drop+0x90 ([kernel.kallsyms])` — the hot path: no regex on a
   *  cache hit, the dso compared in place. */
  private frame(t: string, i: number, n: number): void {
    const cur = this.cur;
    if (!cur) {
      this.rec.malformed++;
      return;
    }
    if (!cur.keepChain && !cur.addrs) return;
    const open = t.lastIndexOf(' (', n);
    while (i < n && (t.charCodeAt(i) === 32 || t.charCodeAt(i) === 9)) i++;
    const sp = t.indexOf(' ', i);
    if (sp < 0 || open < sp || t.charCodeAt(n - 1) !== 41 /* ) */) {
      this.rec.malformed++;
      return;
    }
    let kernel: boolean;
    if (t.startsWith('[kernel.kallsyms])', open + 2) && open + 20 === n) kernel = true;
    else if (t.charCodeAt(open + 2) !== 91 /* [ */) kernel = false; // a file path: user space
    else {
      const dso = t.slice(open + 2, n - 1);
      kernel = !USER_DSOS.has(dso) || (dso === UNKNOWN && isKernelAddress(t.slice(i, sp)));
    }
    if (!kernel) return;
    if (cur.addrs) cur.addrs.set(t.slice(i, sp), t.slice(sp + 1, open));
    if (!cur.keepChain || cur.depth >= this.maxDepth) return;
    this.rec.frames++;
    const plus = t.lastIndexOf('+0x', open);
    const end = plus > sp ? plus : open;
    // the symbol's id by a hash of its characters in place (no string made per frame: GC was half the time)
    let h = 0x811c9dc5;
    for (let k = sp + 1; k < end; k++) h = Math.imul(h ^ t.charCodeAt(k), 16777619);
    h >>>= 0;
    const len = end - sp - 1;
    let id = -1;
    const bucket = this.symIds.get(h);
    if (bucket) for (const b of bucket) if (b.sym.length === len && t.startsWith(b.sym, sp + 1)) id = b.id;
    if (id < 0) {
      const sym = t.slice(sp + 1, end);
      // no symbol: `[unknown]`, or a bare address
      const name = sym === UNKNOWN || sym === '' || /^(?:0x)?[0-9a-f]{8,}$/.test(sym) ? UNKNOWN : treeName(sym).replace(/[;\s]/g, '_');
      id = this.nameTable.id(name);
      if (this.symCount++ < 100_000) {
        if (bucket) bucket.push({ sym, id });
        else this.symIds.set(h, [{ sym, id }]);
      }
    }
    if (id === this.unknownId) this.rec.unknownFrames++;
    this.frameIds[cur.depth++] = id;
  }

  private finish(): void {
    const cur = this.cur;
    if (!cur) return;
    this.cur = null;
    const depth = cur.depth;
    if (cur.drop) {
      let loc = cur.location;
      if (cur.addrs) loc = cur.addrs.get(loc.slice(2).padStart(16, '0')) ?? loc;
      const { fn, offset } = splitSymOff(loc);
      const func = fn.startsWith('0x') || fn === '?' ? fn : treeName(fn);
      const key = `${cur.reason}\t${func}\t${offset}`;
      let t = this.rec.drops.get(key);
      if (!t) {
        if (this.rec.drops.size >= this.maxStacks) {
          this.rec.overflow++;
          return;
        }
        t = { reason: cur.reason, function: func, offset, count: 0, sampled: 0 };
        this.rec.drops.set(key, t);
      }
      t.count += cur.period;
      if (cur.keepChain) {
        t.sampled++;
        this.rec.dropSampled++;
        if (depth) {
          let k = cur.reason;
          for (let j = depth - 1; j >= 0; j--) k += ';' + this.names[this.frameIds[j]];
          const v = this.rec.dropStacks.get(k);
          if (v !== undefined) this.rec.dropStacks.set(k, v + 1);
          else if (this.rec.dropStacks.size < this.maxStacks) this.rec.dropStacks.set(k, 1);
          else this.rec.overflow++;
        }
      }
      return;
    }
    if (depth === 0) return;
    this.rec.kernelSamples++;
    // into the trie, root first: integer lookups, no string built per sample
    let node = this.trie;
    for (let j = depth - 1; j >= 0; j--) {
      const id = this.frameIds[j];
      let next = node.kids?.get(id);
      if (!next) {
        if (this.distinct >= this.maxStacks) { // no new nodes past the cap
          this.rec.overflow++;
          return;
        }
        next = { count: 0, kids: null };
        (node.kids ??= new Map()).set(id, next);
      }
      node = next;
    }
    if (node.count === 0) {
      if (this.distinct >= this.maxStacks) {
        this.rec.overflow++;
        return;
      }
      this.distinct++;
    }
    node.count++;
  }

  /** The trie → `rec.stacks` (`root;…;leaf` → count), once at the end. */
  private materialize(): void {
    const out = this.rec.stacks;
    const walk = (node: TrieNode, prefix: string) => {
      if (!node.kids) return;
      for (const [id, kid] of node.kids) {
        const path = prefix ? prefix + ';' + this.names[id] : this.names[id];
        if (kid.count) out.set(path, (out.get(path) ?? 0) + kid.count);
        walk(kid, path);
      }
    };
    walk(this.trie, '');
  }
}

interface TrieNode {
  count: number;
  kids: Map<number, TrieNode> | null;
}

/** Read a whole stream of `perf script` text (a child's stdout, a file stream, an array of chunks). */
export async function readPerfScript(stream: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>, opts?: ReaderOptions): Promise<PerfRecording> {
  const r = new PerfScriptReader(opts);
  for await (const chunk of stream) r.push(chunk);
  return r.end();
}

// Names and documentation of `enum skb_drop_reason`. Names come from the running kernel's tracepoint
// format file (`__print_symbolic(REC->reason, { 2, "NOT_SPECIFIED" }, …)`), never from a table in our
// code; when that file cannot be read, from the tree's enum (said so: the numbers may differ from the
// running kernel's). Each reason's doc comment comes from the tree's headers
// (`include/net/dropreason-core.h`, `include/net/dropreason.h`, per-subsystem `dropreason-*.h`).
import type { ReadTreeFile } from '../index/treeFiles.ts';

export const KFREE_SKB_FORMAT = '/sys/kernel/tracing/events/skb/kfree_skb/format';
export const KFREE_SKB_FORMAT_DEBUGFS = '/sys/kernel/debug/tracing/events/skb/kfree_skb/format';

export interface DropReasons {
  /** Number → name without the `SKB_DROP_REASON_` prefix. */
  names: Map<number, string>;
  /** Name (no prefix) → the doc comment from the tree. */
  docs: Map<string, string>;
  /** Where the names came from. */
  source: 'running kernel' | 'tree' | 'none';
  /** One line to show when the names are not the running kernel's. */
  note?: string;
}

/** The `{ N, "NAME" }` pairs of the `reason` field's `__print_symbolic` in a tracepoint format file. */
export function parseFormatReasons(format: string): Map<number, string> {
  const out = new Map<number, string>();
  const at = format.indexOf('__print_symbolic(REC->reason');
  if (at < 0) return out;
  const re = /\{\s*(-?(?:0x[0-9a-fA-F]+|\d+))\s*,\s*"([^"]*)"\s*\}/g;
  re.lastIndex = at;
  // the pairs of this one __print_symbolic: stop at its closing parenthesis
  const end = closingParen(format, format.indexOf('(', at));
  for (let m = re.exec(format); m && (end < 0 || m.index < end); m = re.exec(format)) out.set(Number(m[1]), m[2]);
  return out;
}

function closingParen(s: string, open: number): number {
  let depth = 0;
  let inStr = false;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** The drop-reason headers of a tree, core first. `files` lists tree-relative paths (the index's). */
export function dropReasonHeaders(files: Iterable<string>): string[] {
  const found = [...files].filter((f) => /^include\/net\/dropreason[\w-]*\.h$/.test(f));
  for (const f of ['include/net/dropreason-core.h', 'include/net/dropreason.h']) if (!found.includes(f)) found.push(f);
  return found.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
const rank = (f: string) => (f.endsWith('dropreason-core.h') ? 0 : f.endsWith('dropreason.h') ? 1 : 2);

/** The tree's `enum skb_drop_reason`: numbers (in declaration order, explicit `= N` honoured) and docs. */
export function parseTreeReasons(headers: { file: string; text: string }[]): { names: Map<number, string>; docs: Map<string, string> } {
  const names = new Map<number, string>();
  const docs = new Map<string, string>();
  for (const { text } of headers) {
    for (const m of text.matchAll(/@(SKB_(?:DROP_REASON_)?\w+):([\s\S]*?)(?=\*\/|\n\s*\*\s*@)/g)) {
      const name = m[1].replace(/^SKB_DROP_REASON_/, '');
      const doc = m[2].split('\n').map((l) => l.replace(/^\s*\*?\s?/, '').trim()).filter(Boolean).join(' ');
      if (doc && !docs.has(name)) docs.set(name, doc);
    }
    const start = text.search(/enum\s+skb_drop_reason\s*\{/);
    if (start < 0 || names.size) continue;
    const body = text.slice(text.indexOf('{', start) + 1, closingBrace(text, text.indexOf('{', start)));
    let next = 0;
    const code = body.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    for (const m of code.matchAll(/\b(SKB_\w+)\s*(?:=\s*([^,]+))?,?/g)) {
      if (m[2] !== undefined) {
        const v = Number(m[2].trim());
        if (!Number.isFinite(v)) continue; // `= SKB_DROP_REASON_SUBSYS_MASK` and the like: not a plain reason
        next = v;
      }
      names.set(next++, m[1].replace(/^SKB_DROP_REASON_/, ''));
    }
  }
  return { names, docs };
}

function closingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  return s.length;
}

/** Reasons from the running kernel's format file (read by `readSystemFile`), else the tree's enum. */
export function loadDropReasons(readSystemFile: (path: string) => string | undefined, readTree: ReadTreeFile, treeFiles: Iterable<string>): DropReasons {
  const headers: { file: string; text: string }[] = [];
  for (const file of dropReasonHeaders(treeFiles)) {
    const text = readTree(file);
    if (text !== undefined) headers.push({ file, text });
  }
  const tree = parseTreeReasons(headers);
  const format = readSystemFile(KFREE_SKB_FORMAT) ?? readSystemFile(KFREE_SKB_FORMAT_DEBUGFS);
  const running = format ? parseFormatReasons(format) : new Map<number, string>();
  if (running.size) return { names: running, docs: tree.docs, source: 'running kernel' };
  if (tree.names.size) {
    return { names: tree.names, docs: tree.docs, source: 'tree', note: `drop reason names from the tree's enum skb_drop_reason: ${KFREE_SKB_FORMAT} ${format === undefined ? 'is not readable (mount tracefs: mount -t tracefs nodev /sys/kernel/tracing)' : 'has no reason list'}; numbers may differ from the running kernel's` };
  }
  return { names: new Map(), docs: tree.docs, source: 'none', note: `no drop reason names: ${KFREE_SKB_FORMAT} unreadable and no enum skb_drop_reason in the tree; reasons shown as numbers` };
}

/** A reason as perf printed it (`NO_SOCKET`, `SKB_DROP_REASON_NO_SOCKET`, `3`, `0x3`) → its name. */
export function reasonName(raw: string, reasons: DropReasons): string {
  if (/^(?:0x[0-9a-fA-F]+|\d+)$/.test(raw)) return reasons.names.get(Number(raw)) ?? raw;
  return raw.replace(/^SKB_DROP_REASON_/, '');
}

// Text preparation before tree-sitter: same length, same line breaks, so every offset and line
// in the tree is the original's. Also decides which regions the parser may skip.
import { AttributeBlanker, skipParens, spaces } from './attributeMacros.ts';
import { LineIndex } from './lineIndex.ts';
import type { SyntaxRange } from './treeSitter.ts';

export interface PreparedText {
  /** What tree-sitter parses. */
  text: string;
  lines: LineIndex;
  /** Regions to parse; empty means the whole text. */
  ranges: SyntaxRange[];
  /** Bytes left out of the parse (macro definitions, data tables). */
  skippedBytes: number;
}

/** A data table worth skipping: at least this many characters of numbers, strings and punctuation. */
const MIN_TABLE = 1024;

export function prepareText(original: string, blanker: AttributeBlanker): PreparedText {
  const text = joinTypeArguments(blankInitializerConditionals(blankConditionalsAroundElse(blankUnterminatedMacroLines(unwrapStructGroups(blanker.blank(original))))));
  const lines = new LineIndex(text);
  const skips = [...defineRegions(text), ...dataTableRegions(text)].sort((a, b) => a[0] - b[0]);
  const ranges: SyntaxRange[] = [];
  let pos = 0;
  let skippedBytes = 0;
  for (const [s, e] of skips) {
    if (e <= pos) continue;
    const start = Math.max(s, pos);
    if (start > pos) ranges.push(range(lines, pos, start));
    skippedBytes += e - start;
    pos = e;
  }
  if (skips.length === 0) return { text, lines, ranges: [], skippedBytes: 0 };
  if (pos < text.length) ranges.push(range(lines, pos, text.length));
  if (ranges.length === 0) ranges.push(range(lines, 0, 0));
  return { text, lines, ranges, skippedBytes };
}

function range(lines: LineIndex, start: number, end: number): SyntaxRange {
  return { startIndex: start, endIndex: end, startPosition: lines.point(start), endPosition: lines.point(end) };
}

/** `#define` directives with their continuation lines (macros are scanned from text instead). */
function defineRegions(text: string): [number, number][] {
  const out: [number, number][] = [];
  const re = /^[ \t]*#[ \t]*define\b(?:[^\n]*\\\r?\n)*[^\n]*/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push([m.index, m.index + m[0].length]);
  return out;
}

/**
 * Interiors of `= { … }` initializers holding only numbers, strings, comments and punctuation
 * (firmware tables, register init arrays): nothing the model extracts lives there.
 */
function dataTableRegions(text: string): [number, number][] {
  const out: [number, number][] = [];
  const re = /=\s*\{/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const open = m.index + m[0].length - 1;
    const end = closingBrace(text, open, true);
    if (end > 0 && end - open > MIN_TABLE) {
      out.push([open + 1, end - 1]);
      re.lastIndex = end;
    }
  }
  return out;
}

/**
 * At a comment or a string/char literal starting at `i`: the index of its last character
 * (`-1` for one left open); elsewhere `i - 1`, meaning "not one".
 */
function skipCommentOrLiteral(text: string, i: number, quotes: string): number {
  const c = text.charCodeAt(i);
  if (c === 47 && text.charCodeAt(i + 1) === 42) {
    const e = text.indexOf('*/', i + 2);
    return e < 0 ? -1 : e + 1;
  }
  if (c === 47 && text.charCodeAt(i + 1) === 47) {
    const e = text.indexOf('\n', i);
    return e < 0 ? -1 : e;
  }
  if (quotes.includes(text[i])) {
    let j = i + 1;
    for (; j < text.length && text.charCodeAt(j) !== c; j++) if (text.charCodeAt(j) === 92) j++;
    return j;
  }
  return i - 1;
}

/**
 * Index past the `}` closing the `{` at `open`, or -1 when there is none. With `dataOnly`, also -1
 * as soon as the body holds anything but numbers, strings, comments and punctuation.
 */
function closingBrace(text: string, open: number, dataOnly: boolean): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123) depth++; // {
    else if (c === 125) {
      if (--depth === 0) return i + 1;
    } else {
      const skip = skipCommentOrLiteral(text, i, dataOnly ? '"' : '"\'');
      if (skip === -1) return -1;
      if (skip >= i) {
        i = skip;
        continue;
      }
      if (!dataOnly) continue;
      if (c >= 48 && c <= 57) {
        // a number literal, with hex digits and suffixes
        while (i + 1 < text.length && /[0-9A-Za-z_.]/.test(text[i + 1])) i++;
      } else if (c === 35 || c === 59 || c === 46 || c === 91 || c === 38 || c === 61 || c === 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
        return -1; // preprocessor line, statement, designator, address, identifier: not a pure table
      }
    }
  }
  return -1;
}

/**
 * `struct_group(name, members…)` (and `_tagged`, `_attr`) wraps members of `sk_buff` and others:
 * drop the wrapper so the members parse as plain fields.
 */
function unwrapStructGroups(text: string): string {
  if (text.indexOf('struct_group') < 0) return text;
  const re = /\bstruct_group(_tagged|_attr)?\s*\(/g;
  let out = '';
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const open = m.index + m[0].length - 1;
    const close = skipParens(text, open) - 1;
    if (close >= text.length - 1 || text[close] !== ')') continue;
    // the wrapper's leading arguments: one name, or tag + name, or name + attrs
    const commas = m[1] ? 2 : 1;
    let j = open + 1;
    let depth = 0;
    let seen = 0;
    for (; j < close; j++) {
      const ch = text[j];
      if (ch === '(') depth++;
      else if (ch === ')') depth--;
      else if (ch === ',' && depth === 0 && ++seen === commas) break;
    }
    if (seen < commas) continue;
    out += text.slice(last, m.index) + spaces(text, m.index, j + 1) + text.slice(j + 1, close) + ' ';
    last = close + 1;
    // a following `;` closes the wrapper statement: leave it, tree-sitter accepts an empty member
    re.lastIndex = close + 1;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * A file-scope macro invocation on a line of its own with no `;` — `DEV_CORE_STATS_INC(rx_dropped)`
 * lines that each expand to a whole function — runs into the next declaration and tree-sitter folds
 * the following function (`____dev_forward_skb`) into an error. Blank such lines when the line before
 * ends a declaration (`;`, `}`, a comment, a directive, another such line) and the next one does not
 * open a body (`FOO(args)` + `{` is a function-defining macro and is kept).
 */
const MACRO_LINE = /^[A-Z_][A-Z0-9_]*\([^\n;{}]*\)[ \t]*$/gm;

export function blankUnterminatedMacroLines(text: string): string {
  let out = '';
  let last = 0;
  let lastEnd = -1;
  for (let m = MACRO_LINE.exec(text); m; m = MACRO_LINE.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    const next = /\S/.exec(text.slice(end, end + 400));
    if (next && next[0] === '{') continue;
    let p = start - 1;
    while (p >= 0 && /\s/.test(text[p])) p--;
    const lineStart = text.lastIndexOf('\n', p) + 1;
    const ok = p < 0 || ';}'.includes(text[p]) || (text[p] === '/' && text[p - 1] === '*') || p === lastEnd || /^[ \t]*#/.test(text.slice(lineStart, p + 1));
    if (!ok || !balanced(m[0])) continue;
    out += text.slice(last, start) + ' '.repeat(m[0].length);
    last = end;
    lastEnd = start + m[0].trimEnd().length - 1; // its `)`
  }
  return last === 0 ? text : out + text.slice(last);
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const c of s) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * `if (a) x; #if CONFIG_IPV6 else if (b) y; #endif else z;` — an `else` right after `#endif` (or
 * right after the `#if` line) has no `if` in tree-sitter's view, and the whole function is lost
 * (`nf_conntrack_handle_icmp`). When such a conditional has no `#else`/`#elif` and no nested
 * directive, keeping its lines unconditionally is valid C: blank the two directive lines.
 */
const ELSE_CONDITIONAL = /^[ \t]*#[ \t]*(?:if|ifdef|ifndef)\b[^\n]*\n((?:(?![ \t]*#)[^\n]*\n)*?)[ \t]*#[ \t]*endif\b[^\n]*/gm;

export function blankConditionalsAroundElse(text: string): string {
  if (text.indexOf('else') < 0) return text;
  return text.replace(ELSE_CONDITIONAL, (all: string, inner: string, offset: number) => {
    const after = /^\s*(\w+)/.exec(text.slice(offset + all.length, offset + all.length + 200));
    const first = /^\s*(\w+)/.exec(inner);
    if (after?.[1] !== 'else' && first?.[1] !== 'else') return all;
    const open = all.indexOf('\n'); // end of the `#if` line
    const close = open + 1 + inner.length; // start of the `#endif` line
    return ' '.repeat(open) + all.slice(open, close) + ' '.repeat(all.length - close);
  });
}

/**
 * tree-sitter-c has no rule for `#ifdef` inside an initializer list (`.compat_ioctl = …` under
 * CONFIG_COMPAT): blank the conditional directives there, keeping every branch's members.
 */
function blankInitializerConditionals(text: string): string {
  const re = /=\s*\{/g;
  let out = '';
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const open = m.index + m[0].length - 1;
    const after = closingBrace(text, open, false);
    if (after < 0) continue;
    const close = after - 1;
    const body = text.slice(open, close);
    if (body.indexOf('#') >= 0) {
      const blanked = body.replace(/^[ \t]*#[ \t]*(?:if|ifdef|ifndef|elif|else|endif)\b[^\n]*/gm, (d) => ' '.repeat(d.length));
      if (blanked !== body) {
        out += text.slice(last, open) + blanked;
        last = close;
      }
    }
    re.lastIndex = close;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * Macros that take a type as an argument — `container_of(p, struct sock, sk_node)`,
 * `offsetof(struct iphdr, ttl)`, `min_t(unsigned int, a, b)` — are not C that tree-sitter can read.
 * Where an argument is nothing but a type (delimited by a comma on at least one side, so casts and
 * sizeof are left alone), join its words with `_` and blank its `*`s: the argument becomes one
 * identifier of the same length (`struct_sock`), and the call parses.
 */
const TYPE_ARG = /([(,])(\s*)((?:const\s+)?(?:struct|union|enum)\s+\w+|(?:unsigned|signed)\s+(?:long\s+long|long|int|short|char)(?:\s+int)?|long\s+long|unsigned\s+long|long\s+(?:int|unsigned))(\s*\**\s*)(?=[,)])/g;

export function joinTypeArguments(text: string): string {
  if (!/(?:struct|union|enum|unsigned|signed|long)\s/.test(text)) return text;
  return text.replace(TYPE_ARG, (all, open: string, pre: string, type: string, stars: string, offset: number) => {
    const close = text[offset + all.length];
    if (open === '(' && close === ')') return all; // a cast or sizeof: valid C already
    // only inside an argument list of a call, not a declaration's parameter list: the word before `(` …
    return open + pre + type.replace(/\s+/g, (ws) => '_'.repeat(ws.length)) + stars.replace(/\*/g, ' ');
  });
}

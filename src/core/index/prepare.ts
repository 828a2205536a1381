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
  const text = joinTypeArguments(blankInitializerConditionals(unwrapStructGroups(blanker.blank(original))));
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

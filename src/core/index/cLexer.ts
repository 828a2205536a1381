// A C token scanner for the lexical tier: tokens of a text range (comments, strings' contents and
// preprocessor lines skipped) with their brackets matched, and the file-scope function bodies of a
// prepared text. Works on the same prepared text tree-sitter sees, so offsets and lines agree.

export const enum Tok {
  Ident = 0,
  Punct = 1,
  Number = 2,
  String = 3,
}

export interface Tokens {
  count: number;
  kind: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  /** Index of the matching bracket for `( [ {` and `) ] }`, else -1 (also for an unmatched one). */
  match: Int32Array;
  /** Punctuation code: the char code of a one-character token, 256 + its index in PUNCT_MULTI for longer ones; 0 otherwise. */
  code: Int32Array;
  /** Conditional directives as [offset, +1 for `#if…` / -1 for `#endif`], in order. */
  directives: [number, number][];
  text: string;
}

/** Multi-character punctuators, in the order of their codes (256 + index). */
export const PUNCT_MULTI = ['<<=', '>>=', '...', '->', '++', '--', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '##'];
const MULTI_CODE = new Map(PUNCT_MULTI.map((p, i) => [p, 256 + i]));

/** The code `Tokens.code` holds for punctuator `p`. */
export function punctCode(p: string): number {
  return p.length === 1 ? p.charCodeAt(0) : MULTI_CODE.get(p) ?? -1;
}

/** Length of the punctuator at `i` whose first char code is `c` (1 to 3), without slicing. */
function punctLength(text: string, i: number, c: number): number {
  const n = text.charCodeAt(i + 1);
  switch (c) {
    case 60: // <
    case 62: // >
      if (n === c) return text.charCodeAt(i + 2) === 61 ? 3 : 2; // << >> <<= >>=
      return n === 61 ? 2 : 1;
    case 46: // .
      return n === 46 && text.charCodeAt(i + 2) === 46 ? 3 : 1;
    case 45: // -
      return n === 62 || n === 45 || n === 61 ? 2 : 1; // -> -- -=
    case 43: // +
    case 38: // &
    case 124: // |
      return n === c || n === 61 ? 2 : 1; // ++ += && &= || |=
    case 61: // =
    case 33: // !
    case 42: // *
    case 47: // /
    case 37: // %
    case 94: // ^
      return n === 61 ? 2 : 1;
    case 35: // #
      return n === 35 ? 2 : 1;
    default:
      return 1;
  }
}

const isIdentStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
const isIdentPart = (c: number) => isIdentStart(c) || (c >= 48 && c <= 57);

/** Index past a `//` or `/* *\/` comment starting at `i`, or `i` when there is none. */
function skipComment(text: string, i: number, end: number): number {
  if (text.charCodeAt(i) !== 47) return i;
  const n = text.charCodeAt(i + 1);
  if (n === 42) {
    const e = text.indexOf('*/', i + 2);
    return e < 0 || e + 2 > end ? end : e + 2;
  }
  if (n === 47) {
    let e = i;
    // a `//` comment continues over a backslash-newline
    for (;;) {
      e = text.indexOf('\n', e);
      if (e < 0 || e >= end) return end;
      if (text.charCodeAt(e - 1) !== 92) return e;
      e++;
    }
  }
  return i;
}

/** Index past the preprocessor directive starting at `i` (a `#` first on its line), continuation lines included. */
function skipDirective(text: string, i: number, end: number): number {
  let j = i;
  while (j < end) {
    const c = text.charCodeAt(j);
    if (c === 10) {
      if (text.charCodeAt(j - 1) === 92 || (text.charCodeAt(j - 1) === 13 && text.charCodeAt(j - 2) === 92)) {
        j++;
        continue;
      }
      return j;
    }
    if (c === 47 && text.charCodeAt(j + 1) === 42) {
      j = skipComment(text, j, end); // a block comment may span lines inside a directive
      continue;
    }
    j++;
  }
  return end;
}

/** Whether `i` is the first non-blank character of its line. */
function firstOnLine(text: string, i: number): boolean {
  for (let j = i - 1; j >= 0; j--) {
    const c = text.charCodeAt(j);
    if (c === 10) return true;
    if (c !== 32 && c !== 9 && c !== 13 && c !== 12 && c !== 11) return false;
  }
  return true;
}

/** Index past a string or char literal whose quote is at `i`. */
function skipLiteral(text: string, i: number, end: number): number {
  const q = text.charCodeAt(i);
  let j = i + 1;
  while (j < end) {
    const c = text.charCodeAt(j);
    if (c === 92) j += 2;
    else if (c === q) return j + 1;
    else if (c === 10) return j; // unterminated: stop at the line end, as a compiler would complain
    else j++;
  }
  return end;
}

/** Tokens of `text[from, to)`. */
export function tokenize(text: string, from = 0, to = text.length): Tokens {
  let cap = Math.max(64, (to - from) >> 2);
  let kind = new Uint8Array(cap);
  let start = new Int32Array(cap);
  let end = new Int32Array(cap);
  let n = 0;
  const directives: [number, number][] = [];
  const push = (k: Tok, s: number, e: number) => {
    if (n === cap) {
      cap *= 2;
      const k2 = new Uint8Array(cap);
      k2.set(kind);
      kind = k2;
      const s2 = new Int32Array(cap);
      s2.set(start);
      start = s2;
      const e2 = new Int32Array(cap);
      e2.set(end);
      end = e2;
    }
    kind[n] = k;
    start[n] = s;
    end[n] = e;
    n++;
  };
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 92) {
      i++;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < to && isIdentPart(text.charCodeAt(j))) j++;
      // L"…", u8"…": a string with a prefix
      const q = text.charCodeAt(j);
      if ((q === 34 || q === 39) && j - i <= 2 && /^(?:L|u|U|u8)$/.test(text.slice(i, j))) {
        const e = skipLiteral(text, j, to);
        push(Tok.String, i, e);
        i = e;
        continue;
      }
      push(Tok.Ident, i, j);
      i = j;
      continue;
    }
    if ((c >= 48 && c <= 57) || (c === 46 && text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 57)) {
      let j = i + 1;
      while (j < to) {
        const d = text.charCodeAt(j);
        if (isIdentPart(d) || d === 46) j++;
        else if ((d === 43 || d === 45) && /[eEpP]/.test(text[j - 1])) j++;
        else break;
      }
      push(Tok.Number, i, j);
      i = j;
      continue;
    }
    if (c === 34 || c === 39) {
      const e = skipLiteral(text, i, to);
      push(Tok.String, i, e);
      i = e;
      continue;
    }
    if (c === 47) {
      const e = skipComment(text, i, to);
      if (e !== i) {
        i = e;
        continue;
      }
    }
    if (c === 35 && firstOnLine(text, i)) {
      const e = skipDirective(text, i, to);
      const d = /^#\s*(if|endif)/.exec(text.slice(i, Math.min(e, i + 16)));
      if (d) directives.push([i, d[1] === 'if' ? 1 : -1]);
      i = e;
      continue;
    }
    const len = punctLength(text, i, c);
    push(Tok.Punct, i, i + len);
    i += len;
  }
  const code = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    if (kind[k] !== Tok.Punct) continue;
    code[k] = end[k] - start[k] === 1 ? text.charCodeAt(start[k]) : MULTI_CODE.get(text.slice(start[k], end[k])) ?? -1;
  }
  const match = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  for (let k = 0; k < n; k++) {
    if (kind[k] !== Tok.Punct || end[k] - start[k] !== 1) continue;
    const ch = text.charCodeAt(start[k]);
    if (ch === 40 || ch === 91 || ch === 123) stack.push(k);
    else if (ch === 41 || ch === 93 || ch === 125) {
      const want = ch === 41 ? 40 : ch === 93 ? 91 : 123;
      // an unmatched closer (preprocessor branches) pairs with nothing
      if (stack.length && text.charCodeAt(start[stack[stack.length - 1]]) === want) {
        const o = stack.pop()!;
        match[o] = k;
        match[k] = o;
      }
    }
  }
  return { count: n, kind, start, end, match, code, directives, text };
}

/** `[open, close]` offsets of a function body's braces. */
export type BodySpan = [number, number];

/**
 * Bodies of file-scope function definitions (a `{` at depth 0 right after a `)`), or null when the
 * braces of the file do not balance outside comments, strings and directives (a function head
 * repeated in `#if` branches): such a file is parsed whole.
 */
export function functionBodies(text: string): BodySpan[] | null {
  const out: BodySpan[] = [];
  let depth = 0;
  let open = -1;
  let last = 0; // last significant character at depth 0
  const to = text.length;
  let i = 0;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 47) {
      const e = skipComment(text, i, to);
      if (e !== i) {
        i = e;
        continue;
      }
    } else if (c === 34 || c === 39) {
      i = skipLiteral(text, i, to);
      if (depth === 0) last = c;
      continue;
    } else if (c === 35 && firstOnLine(text, i)) {
      i = skipDirective(text, i, to);
      continue;
    } else if (c === 123) {
      if (depth === 0) open = last === 41 ? i : -1;
      depth++;
    } else if (c === 125) {
      if (--depth < 0) return null;
      if (depth === 0) {
        if (open >= 0) out.push([open, i]);
        open = -1;
        last = c;
      }
    } else if (depth === 0 && c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 11) last = c;
    i++;
  }
  return depth === 0 ? out : null;
}

// The lexical tier: the facts of a function body read from its tokens, without a syntax tree.
// It produces exactly the body facts tree-sitter extraction produces — calls, value references,
// calls through members, stores into members (also through WRITE_ONCE-style macros and each arm of
// a ?:), member-to-member copies, calls through locals loaded from members, calls passed as
// arguments, returned names, INDIRECT_CALL hints, arguments, parameter calls and compound-literal
// instances — by the same rules (see refs.scm, flow.scm, extractFlow.ts),
// on the same prepared text. Bodies it cannot vouch for (a local struct, enum or typedef, asm)
// are left to tree-sitter: `deferrable` says which. Differences measured against tree-sitter on
// real drivers are in test/unit/lexicalTier.test.ts and docs/cold-index.md.
import { Tok, punctCode, tokenize, type Tokens } from './cLexer.ts';
import type { LineIndex } from './lineIndex.ts';
import { nameRecord, type FileFacts, type ValueRef } from './facts.ts';

/** What the body needs from its function's head and the file (from the skeleton parse). */
export interface BodyHead {
  fn: string;
  /** Parameter names in order ('' for an unnamed one). */
  params: string[];
  /** Parameter name → type base (`T:sock`, `D:u32`), as extractFlow's env. */
  paramTypes: Map<string, string>;
}

const KEYWORDS = new Set([
  'if', 'else', 'while', 'for', 'do', 'switch', 'case', 'default', 'return', 'break', 'continue', 'goto',
  'sizeof', '_Alignof', 'alignof', '__alignof__', '__alignof', 'offsetof',
  'asm', '__asm__', '__asm', 'volatile', '__volatile__', '_Generic', '__attribute__', '__attribute', '_Static_assert', 'static_assert',
  'struct', 'union', 'enum', 'const', 'static', 'extern', 'register', 'inline', '__inline', '__inline__', 'auto', 'restrict', '__restrict', '__restrict__',
  'unsigned', 'signed', 'int', 'char', 'short', 'long', 'float', 'double', 'void', '_Bool', '__extension__', 'defined', 'typedef',
  'true', 'false', 'NULL', 'nullptr', '_Atomic', '__thread', '_Thread_local', 'thread_local', 'constexpr', '_Noreturn', 'noreturn', '__label__',
]);
const PRIMITIVE = new Set(['unsigned', 'signed', 'int', 'char', 'short', 'long', 'float', 'double', 'void', '_Bool']);
/** Type names tree-sitter-c reads as primitive types (no `D:` base, unlike other typedef names). */
const GRAMMAR_PRIMITIVE = new Set(['bool', 'size_t', 'ssize_t', 'ptrdiff_t', 'intptr_t', 'uintptr_t', 'charptr_t', 'nullptr_t', 'max_align_t',
  ...[8, 16, 32, 64].flatMap((n) => [`int${n}_t`, `uint${n}_t`, `char${n}_t`])]);
const QUALIFIER = new Set(['const', 'volatile', 'restrict', '__restrict', '__restrict__', '_Atomic', 'static', 'extern', 'register', 'inline', '__inline', '__inline__', 'auto', '__thread', '_Thread_local', 'thread_local', 'constexpr']);
const CONTROL = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', '_Alignof', 'alignof', '__alignof__', '__alignof', 'offsetof', 'asm', '__asm__', '__asm', 'volatile', '__volatile__', '_Generic', '__attribute__', '__attribute', '_Static_assert', 'static_assert', 'defined', 'case', 'do', 'else', 'goto']);
const ASSIGN_CODES = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>='].map(punctCode));
/** Macros that only wrap an access (extractFlow's WRAPPERS). */
const WRAPPERS = /^(READ_ONCE|WRITE_ONCE|ACCESS_ONCE|rcu_dereference\w*|rcu_access_pointer|srcu_dereference\w*|smp_load_acquire|INDIRECT_CALL_\w+|unlikely|likely)$/;
const HINT = /^INDIRECT_CALL_(?:([1-4])|INET|INET_1)$/;
/** Macros that store their second argument into their first (extractFlow's STORES). */
const STORES = /^(WRITE_ONCE|rcu_assign_pointer|RCU_INIT_POINTER|smp_store_release)$/;
const CONSTANT = /^[A-Z0-9_]+$/;

/** Whether a body can be left to the lexical tier (else tree-sitter parses it with the file). */
export function deferrable(text: string, open: number, close: number): boolean {
  const body = text.slice(open + 1, close);
  // local type definitions and typedefs are facts of their own; asm operands are not C expressions;
  // a local designated initializer (`struct udp_tunnel_sock_cfg cfg = { .encap_rcv = f }`) is a
  // localInstances fact, which only the whole parse produces
  return !/\b(?:struct|union|enum)\s+(?:\w+\s*)?\{|\btypedef\b|\b(?:asm|__asm__|__asm)\b|=\s*\{\s*[.[]/.test(body);
}

/** Appends the facts of the body `text[open..close]` (brace offsets) to `facts`. */
export function lexBodyFacts(text: string, lines: LineIndex, open: number, close: number, head: BodyHead, globals: Map<string, string>, facts: FileFacts): void {
  new BodyScan(tokenize(text, open, close + 1), lines, head, globals, facts).run();
}

/** A `(`, `[` or `{` being read: what its contents are. */
interface Frame {
  kind: 'call' | 'paren' | 'init' | 'block' | 'bracket';
  /** Token index of the opener. */
  at: number;
  /** For calls: the callee token when it is a plain identifier, else -1. */
  callee: number;
  /** Token index where the current argument / element / statement starts. */
  itemStart: number;
  /** Open `?` of conditional expressions directly in this frame. */
  ternaries: number;
  /** Argument ranges of a call: [first, last] token indices. */
  items: [number, number][];
}

class BodyScan {
  private readonly t: Tokens;
  /** Locals (parameters and declarations in blocks) and the typed ones (extractFlow's env). */
  private readonly locals = new Set<string>();
  private readonly env = new Map<string, string>();
  /** Tokens that belong to declarators (not expressions); the `=` of an init declarator. */
  private readonly declarator = new Set<number>();
  private readonly initEq = new Set<number>();
  /** Locals given a value in the body (`x = …`, `T x = …`): never stored as functions (extractFlow's `loaded`). */
  private readonly loaded = new Set<string>();
  private readonly pendingRefs: ValueRef[] = [];
  private readonly deferred: (() => void)[] = [];
  /** The values (token ranges) each loaded local is given: an argument passes on the names it holds
   *  (extractFlow's namesIn), a call of it is a pointer call through the member it was loaded from. */
  private readonly loads = new Map<string, [number, number][]>();

  constructor(t: Tokens, private readonly lines: LineIndex, private readonly head: BodyHead, private readonly globals: Map<string, string>, private readonly facts: FileFacts) {
    this.t = t;
    for (const p of head.params) if (p) this.locals.add(p);
    for (const [k, v] of head.paramTypes) this.env.set(k, v);
  }

  private readonly strs: (string | undefined)[] = [];
  private s(i: number): string {
    if (i < 0 || i >= this.t.count) return '';
    return (this.strs[i] ??= this.t.text.slice(this.t.start[i], this.t.end[i]));
  }
  private isIdent(i: number): boolean {
    return i >= 0 && i < this.t.count && this.t.kind[i] === Tok.Ident;
  }
  private isP(i: number, p: string): boolean {
    return i >= 0 && i < this.t.count && this.t.code[i] === (p.length === 1 ? p.charCodeAt(0) : punctCode(p));
  }
  private name(i: number): boolean {
    return this.isIdent(i) && !KEYWORDS.has(this.s(i));
  }
  private line(i: number): number {
    return this.lines.line(this.t.start[i]);
  }

  /** `#if IS_ENABLED(CONFIG_X)` in a body: tree-sitter reads the condition's calls too. */
  private directiveCalls(): void {
    const t = this.t;
    if (t.count === 0) return;
    const body = t.text.slice(t.start[0], t.end[t.count - 1]);
    if (body.indexOf('#') < 0) return;
    const re = /^[ \t]*#[ \t]*(?:if|elif)\b((?:[^\n]*\\\r?\n)*[^\n]*)/gm;
    for (let m = re.exec(body); m; m = re.exec(body)) {
      const cond = m[1].replace(/\/\*[\s\S]*?\*\//g, (c) => ' '.repeat(c.length));
      const call = /\b([A-Za-z_]\w*)[ \t]*\(/g;
      for (let c = call.exec(cond); c; c = call.exec(cond)) {
        if (c[1] === 'defined') continue;
        const at = t.start[0] + m.index + m[0].length - m[1].length + c.index;
        this.facts.calls.push({ caller: this.head.fn, callee: c[1], line: this.lines.line(at) });
      }
    }
  }

  run(): void {
    this.directiveCalls();
    const t = this.t;
    const stack: Frame[] = [];
    const frame = (kind: Frame['kind'], at: number, callee = -1): Frame => ({ kind, at, callee, itemStart: at + 1, ternaries: 0, items: [] });
    for (let i = 0; i < t.count; i++) {
      const top = stack[stack.length - 1];
      if (t.kind[i] === Tok.Punct) {
        const c = t.code[i];
        if (c === 40 /* ( */) {
          const f = this.openParen(i);
          stack.push(f);
          continue;
        }
        if (c === 123 /* { */) {
          const kind = this.braceKind(i, top);
          if (kind === 'init' && this.isP(i - 1, ')') && t.match[i - 1] >= 0 && this.castGroup(t.match[i - 1])) this.compoundLiteral(t.match[i - 1], i);
          stack.push(frame(kind, i));
          if (kind === 'block') this.statementStart(i + 1, i);
          continue;
        }
        if (c === 91 /* [ */) {
          stack.push(frame('bracket', i));
          continue;
        }
        if (c === 41 || c === 93 || c === 125 /* ) ] } */) {
          // pop to the frame this closer opened (unmatched closers of #if branches are ignored)
          const o = t.match[i];
          if (o < 0) continue;
          while (stack.length && stack[stack.length - 1].at !== o) stack.pop();
          const f = stack.pop();
          if (!f) continue;
          if (f.kind === 'call' || f.kind === 'init') this.endItem(f, i);
          if (f.kind === 'call') this.endCall(f, i);
          const outer = stack[stack.length - 1];
          if (c === 125 && outer?.kind === 'block' && f.kind === 'block') this.statementStart(i + 1, outer.at);
          continue;
        }
        if (!top) continue;
        if (c === 44 /* , */) {
          if (top.kind === 'call' || top.kind === 'init') {
            this.endItem(top, i);
            top.itemStart = i + 1;
          } else if (top.kind !== 'block') top.itemStart = i + 1;
          continue;
        }
        if (c === 59 /* ; */) {
          if (top.kind === 'block') this.statementStart(i + 1, top.at);
          top.ternaries = 0;
          continue;
        }
        if (c === 63 /* ? */) {
          top.ternaries++;
          this.value(i + 1, 'ternary', top);
          continue;
        }
        if (c === 58 /* : */) {
          if (top.ternaries > 0) {
            top.ternaries--;
            this.value(i + 1, 'ternary-else', top);
          } else if (top.kind === 'block') this.statementStart(i + 1, top.at);
          continue;
        }
        if (ASSIGN_CODES.has(c)) {
          if (top.kind === 'init' && this.designatorBefore(i, top)) {
            this.value(i + 1, 'designated', top);
            continue;
          }
          if (this.initEq.has(i)) {
            this.value(i + 1, 'init', top);
            continue;
          }
          this.value(i + 1, 'assign', top);
          if (this.assignedLocal(i)) {
            this.loaded.add(this.s(i - 1));
            this.load(this.s(i - 1), i + 1);
          }
          this.store(i);
          continue;
        }
        continue;
      }
      if (t.kind[i] === Tok.Ident && t.end[i] - t.start[i] === 6 && this.s(i) === 'return') {
        this.value(i + 1, 'return', top);
        this.returned(i + 1);
      }
    }
    for (const d of this.deferred) d();
    this.flushRefs();
  }

  // ── brackets ─────────────────────────────────────────────────────────────
  private openParen(i: number): Frame {
    const t = this.t;
    const f: Frame = { kind: 'paren', at: i, callee: -1, itemStart: i + 1, ternaries: 0, items: [] };
    if (this.declarator.has(i)) return f;
    const prev = i - 1;
    if (this.isIdent(prev)) {
      const word = this.s(prev);
      if (KEYWORDS.has(word)) return f;
      if (this.t.kind[prev - 1] === Tok.String) return f; // `"…" __stringify(x)`: part of a string
      f.kind = 'call';
      if (this.isP(prev - 1, '->') || this.isP(prev - 1, '.')) {
        const line = this.line(prev);
        const caller = this.head.fn;
        this.deferred.push(() => {
          const chain = this.chainBack(prev);
          if (chain) this.facts.memberCalls.push({ caller, line, chain });
        });
      } else f.callee = prev;
      return f;
    }
    if (this.isP(prev, ')')) {
      const o = t.match[prev];
      if (o < 0) return f;
      if (this.castGroup(o)) return f; // `(type)(expr)`
      if (this.isIdent(o - 1) && CONTROL.has(this.s(o - 1))) return f; // `if (x) (void)…`
      f.kind = 'call';
      // the function is a parenthesized expression or a call's result
      const line = this.line(prev);
      const caller = this.head.fn;
      this.deferred.push(() => {
        const chain = this.isIdent(o - 1) && !KEYWORDS.has(this.s(o - 1)) && !this.isP(o - 2, '->') && !this.isP(o - 2, '.') ? this.chainBack(prev) : this.chainOfRange(o + 1, prev - 1);
        if (chain) this.facts.memberCalls.push({ caller, line, chain });
      });
      return f;
    }
    if (this.isP(prev, ']')) f.kind = 'call';
    return f;
  }

  private braceKind(i: number, top: Frame | undefined): Frame['kind'] {
    const prev = i - 1;
    if (this.isP(prev, '=')) return 'init';
    if (top?.kind === 'init' && (this.isP(prev, ',') || this.isP(prev, '{') || this.isP(prev, '='))) return 'init';
    if (this.isP(prev, ')') && this.t.match[prev] >= 0 && this.castGroup(this.t.match[prev])) {
      // `(struct x){…}` is a literal; `if (x) {`, `foreach(x) {` are blocks
      const before = this.t.match[prev] - 1;
      if (before >= 0 && (this.isP(before, ')') || (this.isIdent(before) && this.s(before) !== 'return'))) return 'block';
      return 'init';
    }
    return 'block';
  }

  /** Whether the `(` at `o` opens a type name: `(struct sock *)`, `(u32)`, `(const char *)`. */
  private castGroup(o: number): boolean {
    const c = this.t.match[o];
    if (c < 0) return false;
    let i = o + 1;
    while (i < c && QUALIFIER.has(this.s(i))) i++;
    if (i >= c) return false;
    const w = this.s(i);
    if (w === 'struct' || w === 'union' || w === 'enum') {
      if (!this.isIdent(i + 1)) return false;
      i += 2;
    } else if (PRIMITIVE.has(w)) {
      while (i < c && PRIMITIVE.has(this.s(i))) i++;
    } else if (this.name(i)) {
      // a lone name is a typedef only when something follows the group (else it is `(x)`)
      const after = c + 1;
      if (i + 1 === c && !(this.isIdent(after) || this.isP(after, '(') || this.isP(after, '&') || this.isP(after, '*') || this.isP(after, '{') || this.t.kind[after] === Tok.Number || this.t.kind[after] === Tok.String || this.isP(after, '-') || this.isP(after, '!') || this.isP(after, '~'))) return false;
      if (this.isIdent(after) && (KEYWORDS.has(this.s(after)) && !['sizeof', 'NULL', 'true', 'false'].includes(this.s(after)))) return false;
      i++;
    } else return false;
    while (i < c && (this.isP(i, '*') || QUALIFIER.has(this.s(i)))) i++;
    return i === c;
  }

  /** Whether the `(` at `o` follows an expression that it calls (`)` or `]`), not a statement head or a cast. */
  private calledGroup(o: number): boolean {
    if (this.isP(o - 1, ']')) return true;
    if (this.isIdent(o - 1)) return !KEYWORDS.has(this.s(o - 1));
    if (!this.isP(o - 1, ')')) return false;
    const p = this.t.match[o - 1];
    if (p < 0) return false;
    if (this.isIdent(p - 1) && CONTROL.has(this.s(p - 1))) return false; // `if (x) (*y)->f()`
    return !this.castGroup(p);
  }

  /** Base of a cast group's type: `T:tag`, `D:name`, or undefined for a primitive. */
  private castBase(o: number): string | undefined {
    let i = o + 1;
    while (QUALIFIER.has(this.s(i))) i++;
    const w = this.s(i);
    if (w === 'struct' || w === 'union') return 'T:' + this.s(i + 1);
    if (w === 'enum' || PRIMITIVE.has(w) || GRAMMAR_PRIMITIVE.has(w)) return undefined;
    return 'D:' + w;
  }

  // ── statements and declarations ─────────────────────────────────────────
  /**
   * At the start of a statement in the block opened at `block`: a declaration's names become locals
   * — unless a `#if` opened inside the block holds it (tree-sitter's `preproc_if` is then its parent,
   * and extraction does not count it as a local either).
   */
  private statementStart(i: number, block: number): void {
    const conditional = i < this.t.count && this.ifDepth(this.t.start[i]) > this.ifDepth(this.t.start[block]);
    const t = this.t;
    let j = i;
    while (j < t.count && QUALIFIER.has(this.s(j))) j++;
    if (j >= t.count || t.kind[j] !== Tok.Ident) return;
    const w = this.s(j);
    let base: string | undefined;
    let k: number;
    if (w === 'struct' || w === 'union' || w === 'enum') {
      if (!this.isIdent(j + 1)) return;
      base = w === 'enum' ? undefined : 'T:' + this.s(j + 1);
      k = j + 2;
    } else if (PRIMITIVE.has(w)) {
      k = j;
      while (k < t.count && PRIMITIVE.has(this.s(k))) k++;
    } else if (this.name(j)) {
      // `name name`, `name *name =|;|,|[`: a typedef'd type
      let m = j + 1;
      while (this.isP(m, '*') || QUALIFIER.has(this.s(m))) m++;
      if (!this.name(m)) {
        // `type (*name)(params)`: a function pointer (not `kfree(*p);`)
        if (!(this.isP(j + 1, '(') && this.isP(j + 2, '*') && this.isP(t.match[j + 1] + 1, '('))) return;
      } else if (m === j + 1) {
        // `type name` — a declaration unless a label or something odd follows
        if (!(this.isP(m + 1, '=') || this.isP(m + 1, ';') || this.isP(m + 1, ',') || this.isP(m + 1, '[') || this.isP(m + 1, '('))) return;
      } else if (!(this.isP(m + 1, '=') || this.isP(m + 1, ';') || this.isP(m + 1, ',') || this.isP(m + 1, '[') || this.isP(m + 1, ')'))) return;
      base = GRAMMAR_PRIMITIVE.has(w) ? undefined : 'D:' + w;
      k = j + 1;
    } else return;
    while (k < t.count && QUALIFIER.has(this.s(k))) k++;
    // declarators, separated by commas at this level, up to the `;`
    for (let guard = 0; k < t.count && guard < 64; guard++) {
      const dStart = k;
      let nameTok = -1;
      while (this.isP(k, '*') || QUALIFIER.has(this.s(k))) k++;
      if (this.isP(k, '(') && this.isP(k + 1, '*')) {
        // `(*name)(params)`: a function pointer
        const c = t.match[k];
        if (c < 0) return;
        for (let m = k + 1; m < c; m++) if (this.name(m)) nameTok = m;
        k = c + 1;
        if (this.isP(k, '(') && t.match[k] >= 0) k = t.match[k] + 1;
      } else if (this.name(k)) {
        nameTok = k;
        k++;
        if (this.isP(k, '(') && t.match[k] >= 0) k = t.match[k] + 1; // a local prototype
      } else return;
      for (let m = dStart; m < k; m++) this.declarator.add(m);
      while (this.isP(k, '[') && t.match[k] >= 0) k = t.match[k] + 1; // array sizes are expressions (calls count)
      if (nameTok >= 0 && !conditional) {
        const n = this.s(nameTok);
        this.locals.add(n);
        if (base) this.env.set(n, base);
      }
      if (this.isP(k, '=')) {
        this.initEq.add(k);
        if (nameTok >= 0 && !conditional) {
          this.loaded.add(this.s(nameTok));
          this.load(this.s(nameTok), k + 1);
        }
        // skip the initializer to the next comma or `;` at this level
        let m = k + 1;
        for (; m < t.count; m++) {
          if (this.isP(m, ',') || this.isP(m, ';')) break;
          const o = t.kind[m] === Tok.Punct && t.match[m] > m ? t.match[m] : -1;
          if (o > m) m = o;
        }
        k = m;
      }
      if (this.isP(k, ',')) {
        k++;
        continue;
      }
      return;
    }
  }

  /** Depth of `#if` nesting at `offset`, counted from the body's start. */
  private ifDepth(offset: number): number {
    const d = this.t.directives;
    let depth = 0;
    for (let k = 0; k < d.length && d[k][0] < offset; k++) depth += d[k][1];
    return depth;
  }

  // ── values ──────────────────────────────────────────────────────────────
  /**
   * A value expression starting at `i` that is a single name (or `&name`, `(type) name` where the
   * grammar rule allows it) becomes a value reference.
   */
  private value(i: number, where: 'ternary' | 'ternary-else' | 'designated' | 'init' | 'assign' | 'return', top: Frame | undefined): void {
    const v = this.single(i);
    if (!v) return;
    const end = v.name + 1;
    const term = (p: string[]) => p.some((x) => this.isP(end, x));
    let ok = false;
    switch (where) {
      case 'ternary':
        ok = v.kind === 'id' && this.isP(end, ':');
        break;
      case 'ternary-else':
        ok = v.kind === 'id' && term([';', ',', ')', ']', '}']);
        break;
      case 'return':
        ok = v.kind === 'id' && this.isP(end, ';');
        break;
      case 'init':
        ok = (v.kind === 'id' || v.kind === 'addr') && term([';', ',']);
        break;
      case 'assign':
        ok = v.kind !== 'deref' && term([';', ',', ')', ']', '}']);
        break;
      default:
        ok = false;
    }
    void top;
    if (ok) this.ref(v.name);
  }

  /** `name`, `&name`, `*name` or `(type) name` starting at `i`: the name's token and the form. */
  private single(i: number): { name: number; kind: 'id' | 'addr' | 'deref' | 'cast' } | undefined {
    if (this.name(i)) return { name: i, kind: 'id' };
    if ((this.isP(i, '&') || this.isP(i, '*')) && this.name(i + 1)) return { name: i + 1, kind: this.isP(i, '&') ? 'addr' : 'deref' };
    if (this.isP(i, '(') && this.castGroup(i)) {
      const n = this.t.match[i] + 1;
      if (this.name(n)) return { name: n, kind: 'cast' };
    }
    return undefined;
  }

  private ref(tok: number): void {
    const name = this.s(tok);
    if (CONSTANT.test(name)) return;
    this.pendingRefs.push({ name, line: this.line(tok), context: this.head.fn });
  }

  private flushRefs(): void {
    const seen = new Set<string>();
    for (const r of this.pendingRefs) {
      if (this.locals.has(r.name)) continue;
      const key = r.name + '\0' + r.line;
      if (seen.has(key)) continue;
      seen.add(key);
      this.facts.refs.push(r);
    }
  }

  /** Whether the `=` at `i` ends a designator (`.a.b =`, `[X] =`) of an initializer element. */
  private designatorBefore(i: number, top: Frame): boolean {
    let k = i - 1;
    for (;;) {
      if (this.isIdent(k) && this.isP(k - 1, '.')) k -= 2;
      else if (this.isP(k, ']') && this.t.match[k] >= 0) k = this.t.match[k] - 1;
      else break;
    }
    return k === top.itemStart - 1 && k < i - 1;
  }

  private endItem(f: Frame, close: number): void {
    if (f.itemStart >= close) return;
    const first = f.itemStart;
    const last = close - 1;
    if (f.kind === 'call') {
      f.items.push([first, last]);
      // argument_list (identifier | &identifier | (cast) identifier)
      const v = this.single(first);
      if (v && v.name === last && v.kind !== 'deref') this.ref(v.name);
      return;
    }
    // initializer list: a bare name, or a designated `= name` / `= &name`
    if (first === last && this.name(first)) this.ref(first);
    else {
      let k = first;
      let designated = false;
      for (;;) {
        if (this.isP(k, '.') && this.isIdent(k + 1)) k += 2;
        else if (this.isP(k, '[') && this.t.match[k] > k) k = this.t.match[k] + 1;
        else break;
        designated = true;
      }
      if (designated && this.isP(k, '=')) {
        const v = this.single(k + 1);
        if (v && v.name === last && (v.kind === 'id' || v.kind === 'addr')) this.ref(v.name);
      }
    }
  }

  /** Facts of a direct call once its arguments are known: arguments, parameter calls, hints. */
  private endCall(f: Frame, close: number): void {
    if (f.callee < 0) return;
    const callee = this.s(f.callee);
    const caller = this.head.fn;
    const line = this.line(f.callee);
    this.facts.calls.push({ caller, callee, line });
    const items = f.items;
    void close;
    this.deferred.push(() => {
      const pi = this.head.params.indexOf(callee);
      if (pi >= 0) this.facts.paramCalls.push({ fn: caller, index: pi, line });
      if (STORES.test(callee)) {
        const [lhs, value] = items;
        if (lhs && value && this.postfix(lhs[0], lhs[1]) && this.memberEnd(lhs[1])) this.storeValue(lhs[1], value[0], value[1], caller, this.line(lhs[0]));
        return;
      }
      if (pi < 0) this.pointerCalls(callee, line);
      const hint = HINT.exec(callee);
      if (hint) {
        const n = hint[1] ? Number(hint[1]) : callee === 'INDIRECT_CALL_INET' ? 2 : 1;
        this.facts.hints.push({ caller, line, macro: callee, candidates: items.slice(1, 1 + n).map(([a, b]) => this.t.text.slice(this.t.start[a], this.t.end[b])) });
        const chain = items[0] ? this.chainOfRange(items[0][0], items[0][1]) : undefined;
        if (chain) this.facts.memberCalls.push({ caller, line, chain });
        // `INDIRECT_CALL_1(getfrag, …)` on a parameter or a local loaded from a member
        else if (items[0] && items[0][0] === items[0][1] && this.isIdent(items[0][0])) {
          const local = this.s(items[0][0]);
          const p = this.head.params.indexOf(local);
          if (p >= 0) this.facts.paramCalls.push({ fn: caller, index: p, line });
          else this.pointerCalls(local, line);
        }
        return;
      }
      items.forEach(([a, b], index) => {
        // a call's value (`reg(dev, get_handler(dev))`)
        if (this.isIdent(a) && this.isP(a + 1, '(') && this.t.match[a + 1] === b && !KEYWORDS.has(this.s(a))) {
          const fn = this.s(a);
          if (!WRAPPERS.test(fn) && !CONSTANT.test(fn)) this.facts.callArgs.push({ caller, callee, line, index, fn });
          return;
        }
        let id = -1;
        if (a === b) id = a;
        else if (b === a + 1 && (this.isP(a, '&') || this.isP(a, '*'))) id = b;
        else if (this.isP(a, '(') && this.castGroup(a) && this.t.match[a] + 1 === b) id = b;
        if (id < 0 || !this.name(id)) return;
        const name = this.s(id);
        if (CONSTANT.test(name)) return;
        // struct-typed locals are never functions; a typedef'd parameter may forward a callback (as extractFlow)
        const t = this.env.get(name);
        if (t && !(t.startsWith('D:') && this.head.params.includes(name))) return;
        const held = this.loads.get(name)?.flatMap(([lo, hi]) => this.namesIn(lo, hi));
        for (const n of held?.length ? held : [name]) this.facts.args.push({ caller, callee, line, index, name: n });
      });
    });
  }

  /** `fp(…)` where the local `fp` was loaded from a member: a call through that member (extractFlow's pointerCalls). */
  private pointerCalls(local: string, line: number): void {
    for (const [lo, hi] of this.loads.get(local) ?? []) {
      const chain = this.valueChain(lo, hi);
      if (chain) this.facts.pointerCalls.push({ caller: this.head.fn, line, local, chain });
    }
  }

  /** Whether the assignment operator at `i` gives a value to a plain local (`x = …`, `x += …`; not `*p =`, `a->x =`). */
  private assignedLocal(i: number): boolean {
    if (!this.name(i - 1) || this.isP(i - 2, '->') || this.isP(i - 2, '.')) return false;
    if (!(this.isP(i - 2, '*') || this.isP(i - 2, '&') || this.isP(i - 2, '++') || this.isP(i - 2, '--'))) return true;
    // a prefix operator owns the name unless a value precedes it (`a * b = …` is no C)
    const before = i - 3;
    return before >= 0 && (this.isIdent(before) || this.isP(before, ')') || this.isP(before, ']')) && !KEYWORDS.has(this.s(before));
  }

  /** Records the value starting at `i` (to the end of the expression) as given to `local`. */
  private load(local: string, i: number): void {
    const range: [number, number] = [i, this.exprEnd(i)];
    const l = this.loads.get(local);
    if (l) l.push(range);
    else this.loads.set(local, [range]);
  }

  /** `return name;`: a function handing out a function (not a parameter or a local). */
  private returned(i: number): void {
    if (!this.name(i) || !this.isP(i + 1, ';')) return;
    const value = this.s(i);
    if (CONSTANT.test(value)) return;
    const fn = this.head.fn;
    const line = this.line(i);
    this.deferred.push(() => {
      if (!this.head.params.includes(value) && !this.env.has(value) && !this.loaded.has(value)) this.facts.returns.push({ fn, line, value });
    });
  }

  /** Last token of the expression starting at `i`: up to a `;`, `,`, a closer or a `:` of an outer `?:`. */
  private exprEnd(i: number): number {
    const t = this.t;
    let open = 0;
    let k = i;
    for (; k < t.count; k++) {
      if (t.kind[k] !== Tok.Punct) continue;
      const m = t.match[k];
      if (m > k) {
        k = m;
        continue;
      }
      const c = t.code[k];
      if (c === 59 || c === 44 || c === 41 || c === 93 || c === 125) break;
      if (c === 63) open++;
      else if (c === 58) {
        if (open === 0) break;
        open--;
      }
    }
    return k - 1;
  }

  /** The `?` and its `:` of a conditional expression spanning [lo, hi], or undefined. */
  private ternary(lo: number, hi: number): [number, number] | undefined {
    let q = -1;
    let open = 0;
    for (let k = lo; k <= hi; k++) {
      if (this.t.kind[k] !== Tok.Punct) continue;
      if (this.t.match[k] > k) {
        k = this.t.match[k];
        continue;
      }
      if (this.isP(k, '?')) {
        if (q < 0) q = k;
        else open++;
      } else if (q >= 0 && this.isP(k, ':')) {
        if (open === 0) return [q, k];
        open--;
      }
    }
    return undefined;
  }

  /** [lo, hi] without a leading `&`/`*`, cast or enclosing parentheses (one step), or undefined; 'literal' for a compound literal. */
  private unwrap(lo: number, hi: number): [number, number] | 'literal' | undefined {
    if (lo >= hi) return undefined;
    if (this.isP(lo, '&') || this.isP(lo, '*')) return [lo + 1, hi];
    if (this.isP(lo, '(') && this.castGroup(lo)) return this.isP(this.t.match[lo] + 1, '{') ? 'literal' : [this.t.match[lo] + 1, hi];
    if (this.isP(lo, '(') && this.t.match[lo] === hi) return [lo + 1, hi - 1];
    return undefined;
  }

  /** Plain names the value [lo, hi] can be: `a`, `&a`, `(T)a`, `(a)`, `c ? a : b` (extractFlow's namesIn). */
  private namesIn(lo: number, hi: number): string[] {
    if (lo > hi) return [];
    const q = this.ternary(lo, hi);
    if (q) return [...this.namesIn(q[0] + 1, q[1] - 1), ...this.namesIn(q[1] + 1, hi)];
    if (lo === hi) return this.name(lo) && !CONSTANT.test(this.s(lo)) ? [this.s(lo)] : [];
    const u = this.unwrap(lo, hi);
    return Array.isArray(u) ? this.namesIn(u[0], u[1]) : [];
  }

  /** A postfix expression (`a->b[i].c`, `f(x)->d`, `READ_ONCE(p)`): names joined by `->`/`.` and bracket groups only. */
  private postfix(lo: number, hi: number): boolean {
    if (lo >= hi || !(this.name(lo) || this.isP(lo, '('))) return false;
    for (let k = lo; k <= hi; k++) {
      if (this.t.kind[k] === Tok.Punct && this.t.match[k] > k) {
        if (this.t.match[k] > hi) return false;
        k = this.t.match[k];
      } else if (this.isIdent(k)) {
        if (KEYWORDS.has(this.s(k)) || (k > lo && !this.isP(k - 1, '->') && !this.isP(k - 1, '.'))) return false;
      } else if (!this.isP(k, '->') && !this.isP(k, '.')) return false;
    }
    return this.isP(hi, ')') || this.isP(hi, ']') || this.memberEnd(hi);
  }

  private memberEnd(i: number): boolean {
    return this.isIdent(i) && (this.isP(i - 1, '->') || this.isP(i - 1, '.'));
  }

  /** The chain of the value [lo, hi] through `&`, `*` and parentheses (extractFlow's chainOf on a whole value). */
  private valueChain(lo: number, hi: number): string | undefined {
    for (let guard = 0; guard < 16; guard++) {
      if (this.isP(lo, '(') && this.castGroup(lo)) return undefined; // a cast: its type, with no fields
      const u = this.unwrap(lo, hi);
      if (!Array.isArray(u)) break;
      [lo, hi] = u;
    }
    return this.postfix(lo, hi) ? this.chainBack(hi) : undefined;
  }

  // ── members ─────────────────────────────────────────────────────────────
  /** `x->f = value;`: a store when the left side is a member (extractFlow's store). */
  private store(eq: number): void {
    const lhsEnd = eq - 1;
    if (!this.memberEnd(lhsEnd)) return;
    const start = this.lhsStart(lhsEnd);
    if (start < 0) return;
    this.storeValue(lhsEnd, eq + 1, this.exprEnd(eq + 1), this.head.fn, this.line(start));
  }

  /**
   * The value [lo, hi] stored into the member ending at `lhsEnd`: a function or a parameter (a store),
   * each arm of a `?:`, or another member or a call's result (a copy); through `&`, `*`, casts and parentheses.
   */
  private storeValue(lhsEnd: number, lo: number, hi: number, context: string, line: number): void {
    for (let guard = 0; guard < 16 && lo <= hi; guard++) {
      const q = this.ternary(lo, hi);
      if (q) {
        this.storeValue(lhsEnd, q[0] + 1, q[1] - 1, context, line);
        this.storeValue(lhsEnd, q[1] + 1, hi, context, line);
        return;
      }
      const u = this.unwrap(lo, hi);
      if (u === 'literal') return; // its members are bound as a literal instance
      if (!u) break;
      [lo, hi] = u;
    }
    if (lo > hi) return;
    if (lo < hi) {
      if (!this.postfix(lo, hi)) return;
      this.deferred.push(() => {
        const from = this.chainBack(hi);
        const chain = from && this.chainBack(lhsEnd);
        if (from && chain) this.facts.copies.push({ context, line, chain, from });
      });
      return;
    }
    if (!this.name(lo)) return;
    const value = this.s(lo);
    if (CONSTANT.test(value)) return;
    this.deferred.push(() => {
      const param = this.head.params.indexOf(value);
      if (param < 0 && (this.env.has(value) || this.loaded.has(value))) return;
      const chain = this.chainBack(lhsEnd);
      if (chain) this.facts.stores.push({ context, line, chain, value, param });
    });
  }

  /** First token of the postfix expression ending at `hi`, or -1 when a prefix operator owns it. */
  private lhsStart(hi: number): number {
    const i = this.lhsStartLoose(hi);
    // `*p->f = v` is a store through a pointer, not into a member; `a.b` after `{`/`,` is a designator
    if (this.isP(i - 1, '*') || this.isP(i - 1, '&') || this.isP(i - 1, '++') || this.isP(i - 1, '--')) {
      const before = i - 2;
      if (before < 0 || this.isP(before, ';') || this.isP(before, '{') || this.isP(before, '}') || this.isP(before, '(') || this.isP(before, ',') || this.isP(before, ')') || (this.t.kind[before] === Tok.Punct && !this.isP(before, ']'))) return -1;
    }
    if (this.isP(i, '.')) return -1;
    return i;
  }

  /** The chain of the member expression ending at token `hi` (extractFlow's chainOf, on tokens). */
  private chainBack(hi: number): string | undefined {
    const fields: string[] = [];
    let i = hi;
    for (let guard = 0; guard < 64; guard++) {
      if (this.isIdent(i) && (this.isP(i - 1, '->') || this.isP(i - 1, '.'))) {
        if (this.isP(i - 1, '.') && (i - 2 < 0 || this.isP(i - 2, '{') || this.isP(i - 2, ','))) return undefined;
        fields.unshift(this.s(i));
        i -= 2;
        continue;
      }
      if (this.isP(i, ']') && this.t.match[i] >= 0) {
        i = this.t.match[i] - 1;
        continue;
      }
      if (this.isIdent(i)) return finish(this.env.get(this.s(i)) ?? this.globals.get(this.s(i)) ?? '?');
      if (this.isP(i, ')') && this.t.match[i] >= 0) {
        const o = this.t.match[i];
        if (this.isIdent(o - 1) && !KEYWORDS.has(this.s(o - 1)) && !this.isP(o - 2, '->') && !this.isP(o - 2, '.')) {
          const callee = this.s(o - 1);
          const args = this.argRanges(o);
          if (WRAPPERS.test(callee) && args[0]) {
            const inner = this.chainParts(args[0][0], args[0][1]);
            if (!inner) return undefined;
            return finishWith(inner);
          }
          if (callee === 'container_of' && args[1]) {
            const m = /^(?:struct|union)[\s_]+(\w+)$/.exec(this.t.text.slice(this.t.start[args[1][0]], this.t.end[args[1][1]]).trim());
            return finish(m ? 'T:' + m[1] : '?');
          }
          return finish('C:' + callee);
        }
        if (this.calledGroup(o)) return finish('?'); // `f(x)(y)->a`, `a[i](y)->b`: a call's result
        const inner = this.groupParts(o);
        if (!inner) return finish('?');
        return finishWith(inner);
      }
      return finish('?');
    }
    return undefined;
    function finish(base: string): string | undefined {
      if (fields.length === 0 || fields.some((x) => !x)) return undefined;
      return [base, ...fields].join('|');
    }
    function finishWith(inner: { base: string; fields: string[] }): string | undefined {
      fields.unshift(...inner.fields);
      return finish(inner.base);
    }
  }

  /** Base and fields of the whole expression in tokens [lo, hi], or undefined if it is not a chain. */
  private chainParts(lo: number, hi: number): { base: string; fields: string[] } | undefined {
    // prefix * and & (pointer_expression), casts
    let a = lo;
    while (a < hi && (this.isP(a, '*') || this.isP(a, '&'))) a++;
    if (this.isP(a, '(') && this.castGroup(a) && this.t.match[a] < hi) return { base: this.castBase(a) ?? '?', fields: [] };
    if (this.isP(a, '(') && this.t.match[a] === hi) return this.groupParts(a);
    const start = this.lhsStartLoose(hi);
    if (start !== a) return { base: '?', fields: [] };
    const chain = this.chainBack(hi);
    if (chain) {
      const [base, ...fields] = chain.split('|');
      return { base, fields };
    }
    if (a === hi && this.isIdent(a)) return { base: this.env.get(this.s(a)) ?? this.globals.get(this.s(a)) ?? '?', fields: [] };
    if (this.isP(hi, ')')) {
      // a call or wrapper without fields
      const o = this.t.match[hi];
      if (o - 1 === a && this.isIdent(a)) {
        const callee = this.s(a);
        const args = this.argRanges(o);
        if (WRAPPERS.test(callee) && args[0]) return this.chainParts(args[0][0], args[0][1]);
        if (callee === 'container_of' && args[1]) {
          const m = /^(?:struct|union)[\s_]+(\w+)$/.exec(this.t.text.slice(this.t.start[args[1][0]], this.t.end[args[1][1]]).trim());
          return { base: m ? 'T:' + m[1] : '?', fields: [] };
        }
        return { base: 'C:' + callee, fields: [] };
      }
    }
    return { base: '?', fields: [] };
  }

  /** The inside of the parenthesized group opened at `o`, as chain parts. */
  private groupParts(o: number): { base: string; fields: string[] } | undefined {
    const c = this.t.match[o];
    if (c <= o + 1) return undefined;
    return this.chainParts(o + 1, c - 1);
  }

  private chainOfRange(lo: number, hi: number): string | undefined {
    const p = this.chainParts(lo, hi);
    if (!p || p.fields.length === 0 || p.fields.some((x) => !x)) return undefined;
    return [p.base, ...p.fields].join('|');
  }

  /** Start of the postfix expression ending at `hi` (no prefix-operator check). */
  private lhsStartLoose(hi: number): number {
    let i = hi;
    for (let guard = 0; guard < 64; guard++) {
      if (this.isIdent(i) && (this.isP(i - 1, '->') || this.isP(i - 1, '.'))) i -= 2;
      else if (this.isP(i, ']') && this.t.match[i] >= 0) i = this.t.match[i] - 1;
      else if (this.isP(i, ')') && this.t.match[i] >= 0) {
        const o = this.t.match[i];
        return this.isIdent(o - 1) && !KEYWORDS.has(this.s(o - 1)) ? o - 1 : o;
      } else return i;
    }
    return i;
  }

  /** Argument token ranges of the call whose `(` is at `o`. */
  private argRanges(o: number): [number, number][] {
    const c = this.t.match[o];
    const out: [number, number][] = [];
    let s = o + 1;
    for (let i = o + 1; i < c; i++) {
      if (this.t.kind[i] === Tok.Punct && this.t.match[i] > i) i = this.t.match[i];
      else if (this.isP(i, ',')) {
        if (i > s) out.push([s, i - 1]);
        s = i + 1;
      }
    }
    if (c > s) out.push([s, c - 1]);
    return out;
  }

  /** `(struct x){ .a = f, … }`: an instance bound as a literal (extractFlow's literal.type). */
  private compoundLiteral(o: number, brace: number): void {
    const base = this.castBase(o);
    if (!base?.startsWith('T:')) return;
    const close = this.t.match[brace];
    if (close < 0) return;
    const members = nameRecord<string>();
    const memberLines = nameRecord<number>();
    let s = brace + 1;
    const element = (a: number, b: number) => {
      // `.key = v`, `.key.sub = v`, `.key[i] = v`: the first designator names the member (as extraction reads it)
      if (!(this.isP(a, '.') && this.isIdent(a + 1))) return;
      let k = a + 2;
      for (;;) {
        if (this.isP(k, '.') && this.isIdent(k + 1)) k += 2;
        else if (this.isP(k, '[') && this.t.match[k] > k) k = this.t.match[k] + 1;
        else break;
      }
      if (!this.isP(k, '=') || k + 1 > b) return;
      const key = this.s(a + 1);
      members[key] = this.t.text.slice(this.t.start[k + 1], this.t.end[b]).replace(/^&\s*/, '');
      memberLines[key] = this.line(k + 1);
    };
    for (let i = brace + 1; i < close; i++) {
      if (this.t.kind[i] === Tok.Punct && this.t.match[i] > i) i = this.t.match[i];
      else if (this.isP(i, ',')) {
        if (i > s) element(s, i - 1);
        s = i + 1;
      }
    }
    if (close > s) element(s, close - 1);
    if (!Object.keys(members).length) return;
    const line = this.line(o);
    const context = this.head.fn;
    this.facts.opsInstances.push({ struct: base.slice(2), name: `(struct ${base.slice(2)}){…} in ${context || 'file scope'}:${line}`, line, endLine: this.line(close), members, memberLines, isStatic: true });
  }
}

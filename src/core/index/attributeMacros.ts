// Kernel annotations (`__rcu`, `__read_mostly`, `__aligned(8)`, …) confuse tree-sitter-c into ERROR
// nodes. We blank them with spaces before parsing: offsets and lines stay exactly where they were.
// The list is derived from the tree's own `#define`s (macros expanding to nothing or only to
// attributes / other such macros), on top of a small seed list for trees whose headers are not indexed.

/** Known attribute-like macros; `()` marks the ones that take arguments. */
export const SEED_ATTRIBUTE_MACROS: readonly string[] = [
  '__init', '__exit', '__initdata', '__initconst', '__exitdata', '__read_mostly', '__ro_after_init',
  '__net_init', '__net_exit', '__net_initdata', '__net_exitdata', '__rcu', '__user', '__iomem', '__percpu',
  '__force', '__must_check', '__always_inline', 'noinline', '__cold', '__hot', '__maybe_unused',
  '__always_unused', '__packed', '__visible', '__weak', '__latent_entropy', '__randomize_layout',
  '__no_randomize_layout', 'notrace', '__sched', 'noinstr', '__kprobes', '__ref', '__refdata', '__used',
  '____cacheline_aligned', '____cacheline_aligned_in_smp', '__cacheline_aligned', '__cacheline_aligned_in_smp',
  'INDIRECT_CALLABLE_SCOPE', 'asmlinkage', '__noreturn', '__pure', '__malloc', '__nocast', '__safe',
  '__private', '__bitwise', '__deprecated', '__flatten', '__nonstring', '__noclone', '__nocfi',
  '__aligned()', '__section()', '__attribute__()', '__printf()', '__scanf()', '__acquires()', '__releases()',
  '__must_hold()', '__alloc_size()', '__cond_acquires()', '__counted_by()', 'BTF_TYPE_TAG()', '__diag_ignore()',
];

/** Words that may appear in an attribute macro's body besides other attribute macros. */
const BODY_KEYWORDS = new Set(['inline', '__inline', '__inline__', 'static', 'extern', 'volatile']);

export interface MacroDefinitionText {
  name: string;
  /** Present for function-like macros. */
  params?: string[];
  body: string;
}

export interface AttributeMacroSet {
  /** Object-like: blank the word. */
  words: Set<string>;
  /** Function-like: blank the word and its parenthesized arguments. */
  calls: Set<string>;
}

export function seedAttributeMacros(): AttributeMacroSet {
  const set: AttributeMacroSet = { words: new Set(), calls: new Set() };
  for (const s of SEED_ATTRIBUTE_MACROS) {
    if (s.endsWith('()')) set.calls.add(s.slice(0, -2));
    else set.words.add(s);
  }
  return set;
}

/** Strip comments and `__attribute__((…))` groups; what remains must be attribute words. */
function bodyIsAttributeOnly(body: string, known: AttributeMacroSet, params: readonly string[]): boolean {
  let rest = body.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ' ');
  // Remove `word(args)` groups whose word is an attribute call; repeat for nesting.
  const callRe = /\b(__attribute__|__attribute|[A-Za-z_]\w*)\s*\(/g;
  let out = '';
  let i = 0;
  for (;;) {
    callRe.lastIndex = i;
    const m = callRe.exec(rest);
    if (!m) break;
    const word = m[1];
    if (word !== '__attribute__' && word !== '__attribute' && !known.calls.has(word)) {
      out += rest.slice(i, m.index + m[0].length);
      i = m.index + m[0].length;
      continue;
    }
    out += rest.slice(i, m.index) + ' ';
    i = skipParens(rest, m.index + m[0].length - 1);
  }
  rest = out + rest.slice(i);
  const tokens = rest.split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return true;
  let sawAttribute = false;
  for (const t of tokens) {
    if (known.words.has(t)) sawAttribute = true;
    else if (!BODY_KEYWORDS.has(t) && !params.includes(t)) return false;
  }
  return sawAttribute || tokens.every((t) => BODY_KEYWORDS.has(t));
}

/** Index just past the `)` matching the `(` at `open` (or the end of text). */
export function skipParens(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 40) depth++;
    else if (c === 41 && --depth === 0) return j + 1;
  }
  return text.length;
}

/**
 * Grow `base` with every macro of `defs` that expands to nothing or only to attributes.
 * Empty object-like macros qualify only with a lower-case `__name` (not header guards or config
 * switches); empty function-like macros never do (they are statements like `pr_debug()`).
 * A macro defined several times (per config branch) qualifies when any definition does.
 */
export function deriveAttributeMacros(defs: readonly MacroDefinitionText[], base = seedAttributeMacros()): AttributeMacroSet {
  const set: AttributeMacroSet = { words: new Set(base.words), calls: new Set(base.calls) };
  const pending = defs.filter((d) => !(d.params ? set.calls.has(d.name) : set.words.has(d.name)));
  for (let changed = true; changed; ) {
    changed = false;
    for (let k = pending.length - 1; k >= 0; k--) {
      const d = pending[k];
      const stripped = d.body.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').trim();
      let ok: boolean;
      if (stripped === '') ok = !d.params && /^__[a-z0-9_]+$/.test(d.name);
      else ok = bodyIsAttributeOnly(stripped, set, d.params ?? []);
      if (!ok) continue;
      (d.params ? set.calls : set.words).add(d.name);
      pending.splice(k, 1);
      changed = true;
    }
  }
  return set;
}

/** The `#define`s of a header, by a line scanner (cheap: no parse). */
export function scanDefines(text: string): MacroDefinitionText[] {
  const out: MacroDefinitionText[] = [];
  const re = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\([^)]*\))?((?:[^\n]*\\\r?\n)*[^\n]*)/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const params = m[2] ? m[2].slice(1, -1).split(',').map((p) => p.trim()).filter(Boolean) : undefined;
    out.push({ name: m[1], params, body: m[3].replace(/\\\r?\n/g, ' ') });
  }
  return out;
}

/** Compiled blanker for one macro set; reuse it across files. */
export class AttributeBlanker {
  private readonly re: RegExp | null;
  constructor(private readonly set: AttributeMacroSet) {
    const names = [...set.words, ...set.calls].sort((a, b) => b.length - a.length);
    this.re = names.length ? new RegExp('\\b(?:' + names.map(escapeRe).join('|') + ')\\b', 'g') : null;
  }

  /** `text` with every attribute macro (and a function-like one's arguments) turned into spaces. */
  blank(text: string): string {
    if (!this.re) return text;
    const re = this.re;
    re.lastIndex = 0;
    let out = '';
    let last = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      let end = m.index + m[0].length;
      const word = m[0];
      if (this.set.calls.has(word)) {
        let j = end;
        while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
        if (text[j] === '(') end = skipParens(text, j);
        else if (!this.set.words.has(word)) continue; // a mention, not a use
      }
      out += text.slice(last, m.index) + spaces(text, m.index, end);
      last = end;
      re.lastIndex = end;
    }
    return last === 0 ? text : out + text.slice(last);
  }
}

/** Same-length filler for text[start, end): spaces, keeping line breaks. */
export function spaces(text: string, start: number, end: number): string {
  const chunk = text.slice(start, end);
  return chunk.indexOf('\n') < 0 ? ' '.repeat(end - start) : chunk.replace(/[^\r\n]/g, ' ');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Facts from one parsed C file. Queries (syntaxes/queries/*.scm) find the nodes; the code here
// reads names and text off them. Display text comes from the original source, not the blanked one.
import type { CParser, SyntaxNode, QueryMatch } from './treeSitter.ts';
import type { LineIndex } from './lineIndex.ts';
import { scanDefines } from './attributeMacros.ts';
import type {
  FileFacts, FunctionDef, StructDef, FieldDef, EnumDef, OpsInstance, MacroDef, ValueRef,
} from './facts.ts';
import { emptyFacts, nameRecord } from './facts.ts';
import { extractFlow, type FlowScope } from './extractFlow.ts';
import { lexBodyFacts } from './lexicalBodies.ts';
import type { BodySpan } from './cLexer.ts';

export interface ExtractInput {
  file: string;
  original: string;
  lines: LineIndex;
  root: SyntaxNode;
  /**
   * Function bodies tree-sitter did not see (the lexical tier reads them from `prepared`, the text
   * the parser was given). A body that no parsed function head owns throws LexicalMismatch.
   */
  lexicalBodies?: BodySpan[];
  prepared?: string;
}

/** The skeleton parse does not own a lexical body: parse the file whole instead. */
export class LexicalMismatch extends Error {}

/** The query files that make up fact extraction, run as one query (one pass over the tree). */
export const FACT_QUERIES = ['toplevel', 'types', 'refs', 'flow', 'errors'];

type Match = QueryMatch;

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

export function extractFacts(parser: CParser, input: ExtractInput): FileFacts {
  const facts = emptyFacts(input.file);
  const ctx = new Extraction(input, facts);
  const matches = parser.query(...FACT_QUERIES).matches(input.root);
  ctx.topLevel(matches);
  ctx.types(matches);
  ctx.refs(matches);
  ctx.errors(matches);
  const scope = ctx.flow(matches);
  if (input.lexicalBodies?.length) ctx.lexical(input.lexicalBodies, input.prepared ?? input.original, scope);
  facts.macros = extractMacros(input.original, input.lines);
  return facts;
}

/** Macros come from a line scanner over the original text (the parser skips `#define` regions). */
export function extractMacros(original: string, lines: LineIndex): MacroDef[] {
  const out: MacroDef[] = [];
  const re = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\([^)]*\))?((?:[^\n]*\\\r?\n)*[^\n]*)/gm;
  for (let m = re.exec(original); m; m = re.exec(original)) {
    const def = scanDefines(m[0])[0];
    if (!def) continue;
    out.push({
      name: def.name,
      line: lines.line(m.index),
      endLine: lines.line(m.index + m[0].length),
      ...(def.params ? { params: def.params } : {}),
      body: collapse(def.body.replace(/\/\*[\s\S]*?\*\//g, ' ')),
    });
  }
  return out;
}

/** Innermost declarator name (identifier / field_identifier / type_identifier). */
export function declaratorName(node: SyntaxNode | null): SyntaxNode | null {
  for (let n = node; n; ) {
    const t = n.type;
    if (t === 'identifier' || t === 'field_identifier' || t === 'type_identifier') return n;
    const d = n.childForFieldName('declarator');
    if (d) {
      n = d;
      continue;
    }
    n = n.namedChildren.find((c) => c !== null && c.type !== 'attribute_specifier' && c.type !== 'comment') ?? null;
  }
  return null;
}

/** Whether the declarator (through pointers and parentheses) is a function declarator. */
function functionDeclarator(node: SyntaxNode | null): SyntaxNode | null {
  for (let n = node; n; ) {
    if (n.type === 'function_declarator') {
      // `int (*fp)(void)` is a pointer to function, not a function
      const inner = n.childForFieldName('declarator');
      if (inner?.type === 'parenthesized_declarator') return null;
      return n;
    }
    if (n.type === 'pointer_declarator' || n.type === 'attributed_declarator' || n.type === 'parenthesized_declarator') {
      n = n.childForFieldName('declarator') ?? n.namedChildren.find((c) => c?.type !== 'attribute_specifier') ?? null;
      continue;
    }
    return null;
  }
  return null;
}

class Extraction {
  /** [startIndex, endIndex, name] of function bodies (and function-defining macros), in order. */
  private readonly fnRanges: [number, number, string][] = [];
  /** Start offsets of `SYSCALL_DEFINE3`-like heads: not calls. */
  private readonly macroHeads = new Set<number>();
  /** [startIndex, endIndex, name] of file-scope variable declarations with initializers. */
  private readonly varRanges: [number, number, string][] = [];

  constructor(private readonly input: ExtractInput, private readonly facts: FileFacts) {}

  private line(n: SyntaxNode): number {
    return n.startPosition.row + 1;
  }
  private endLine(n: SyntaxNode): number {
    return n.endPosition.row + 1;
  }
  private src(n: SyntaxNode): string {
    return this.input.original.slice(n.startIndex, n.endIndex);
  }

  topLevel(matches: Match[]): void {
    const locals: SyntaxNode[] = [];
    for (const m of matches) {
      const first = m.captures[0]?.name;
      if (first === 'local_instance') locals.push(m.captures[0].node);
      if (first !== 'function' && first !== 'declaration' && !first?.startsWith('macro_fn')) continue;
      const cap = (name: string) => m.captures.find((c) => c.name === name)?.node;
      const fn = cap('function');
      if (fn) this.functionDefinition(fn);
      const decl = cap('declaration');
      if (decl) this.declaration(decl);
      const head = cap('macro_fn.head');
      if (head) this.macroFunction(head, cap('macro_fn.macro')!, cap('macro_fn.args')!, cap('macro_fn.body')!);
    }
    this.fnRanges.sort((a, b) => a[0] - b[0]);
    this.varRanges.sort((a, b) => a[0] - b[0]);
    for (const decl of locals) this.localInstance(decl);
  }

  /** `struct T v = { .m = fn };` in a function body: named `v in fn`, kept apart from the ops tables. */
  private localInstance(decl: SyntaxNode): void {
    const fn = enclosing(this.fnRanges, decl.startIndex);
    const struct = decl.childForFieldName('type')?.childForFieldName('name')?.text;
    if (!fn || !struct) return;
    for (const d of decl.childrenForFieldName('declarator')) {
      const value = d?.childForFieldName('value');
      const nameNode = declaratorName(d?.childForFieldName('declarator') ?? null);
      if (value?.type !== 'initializer_list' || !nameNode || d!.childForFieldName('declarator')?.type === 'array_declarator') continue;
      const inst: OpsInstance = { struct, name: `${nameNode.text} in ${fn}`, line: this.line(nameNode), endLine: this.endLine(value), members: nameRecord(), memberLines: nameRecord(), isStatic: true };
      this.members(value, '', inst);
      if (Object.keys(inst.members).length) this.facts.localInstances.push(inst);
    }
  }

  private functionDefinition(fn: SyntaxNode): void {
    const declarator = fn.childForFieldName('declarator');
    const fdecl = functionDeclarator(declarator);
    const nameNode = declaratorName(fdecl ?? declarator);
    const body = fn.childForFieldName('body');
    if (!nameNode || !body) return;
    const name = nameNode.text;
    const head = this.input.original.slice(fn.startIndex, body.startIndex);
    const def: FunctionDef = {
      name,
      line: this.line(nameNode),
      startLine: this.line(fn),
      endLine: this.endLine(fn),
      signature: collapse(head),
      isStatic: /\bstatic\b|\bINDIRECT_CALLABLE_SCOPE\b/.test(head.slice(0, nameNode.startIndex - fn.startIndex)),
      isInline: /\b(?:inline|__inline__|__inline|__always_inline)\b/.test(head),
    };
    this.facts.functions.push(def);
    this.fnRanges.push([fn.startIndex, fn.endIndex, name]);
  }

  /** `SYSCALL_DEFINE3(socket, …) {…}` → `sys_socket`; `BPF_CALL_2(name, …) {…}` → `name`. */
  private macroFunction(head: SyntaxNode, macro: SyntaxNode, args: SyntaxNode, body: SyntaxNode): void {
    const first = args.namedChildren[0];
    if (!first || first.type !== 'identifier') return;
    const m = /^(COMPAT_)?SYSCALL_DEFINE\d$/.exec(macro.text);
    const name = m ? (m[1] ? 'compat_sys_' : 'sys_') + first.text : first.text;
    // only macros that look like definers: upper-case names
    if (!/^[A-Z][A-Z0-9_]*$/.test(macro.text)) return;
    this.facts.functions.push({
      name,
      line: this.line(macro),
      startLine: this.line(head),
      endLine: this.endLine(body),
      signature: collapse(this.input.original.slice(head.startIndex, body.startIndex)),
      isStatic: false,
      isInline: false,
      definedBy: macro.text,
    });
    this.fnRanges.push([head.startIndex, body.endIndex, name]);
    this.macroHeads.add(macro.startIndex);
  }

  private declaration(decl: SyntaxNode): void {
    const type = decl.childForFieldName('type');
    const prefix = this.input.original.slice(decl.startIndex, type ? type.startIndex : decl.startIndex);
    const isStatic = /\bstatic\b/.test(prefix);
    for (const d of decl.childrenForFieldName('declarator')) {
      if (!d) continue;
      const f = functionDeclarator(d);
      if (f) {
        const nameNode = declaratorName(f);
        if (nameNode) this.facts.prototypes.push({ name: nameNode.text, line: this.line(nameNode), signature: collapse(this.src(decl)) });
        continue;
      }
      if (d.type !== 'init_declarator') continue;
      const value = d.childForFieldName('value');
      const nameNode = declaratorName(d.childForFieldName('declarator'));
      if (!value || !nameNode) continue;
      this.varRanges.push([decl.startIndex, decl.endIndex, nameNode.text]);
      if (value.type !== 'initializer_list' || !type || (type.type !== 'struct_specifier' && type.type !== 'union_specifier')) continue;
      const structName = type.childForFieldName('name')?.text;
      if (!structName) continue;
      const isArray = d.childForFieldName('declarator')?.type === 'array_declarator';
      if (isArray) this.arrayInstances(structName, nameNode.text, value, isStatic);
      else this.facts.opsInstances.push(this.instance(structName, nameNode.text, value, isStatic));
    }
  }

  private arrayInstances(struct: string, name: string, list: SyntaxNode, isStatic: boolean): void {
    let index = 0;
    const before = this.facts.opsInstances.length;
    for (const el of list.namedChildren) {
      if (!el || el.type === 'comment') continue;
      let label = String(index);
      let value: SyntaxNode | null = el;
      if (el.type === 'initializer_pair') {
        const des = el.childrenForFieldName('designator')[0];
        value = el.childForFieldName('value');
        if (des?.type === 'subscript_designator') label = collapse(this.src(des).slice(1, -1));
      }
      if (value?.type === 'initializer_list') this.facts.opsInstances.push(this.instance(struct, `${name}[${label}]`, value, isStatic, el));
      index++;
    }
    // elements made by macros (`SNMP_MIB_ITEM("InSegs", TCP_MIB_INSEGS)`): the array itself, members unknown
    if (this.facts.opsInstances.length === before && index > 0) {
      const declLine = this.varRanges[this.varRanges.length - 1];
      this.facts.opsInstances.push({ struct, name: `${name}[]`, line: declLine ? this.input.lines.line(declLine[0]) : this.line(list), endLine: this.endLine(list), members: nameRecord(), memberLines: nameRecord(), isStatic });
    }
  }

  private instance(struct: string, name: string, list: SyntaxNode, isStatic: boolean, at: SyntaxNode = list): OpsInstance {
    const inst: OpsInstance = { struct, name, line: this.line(at), endLine: this.endLine(at), members: nameRecord(), memberLines: nameRecord(), isStatic };
    if (at === list) {
      // the line of the variable's name is more useful than the `{`
      const declLine = this.varRanges[this.varRanges.length - 1];
      if (declLine) inst.line = this.input.lines.line(declLine[0]);
    }
    this.members(list, '', inst);
    return inst;
  }

  private members(list: SyntaxNode, prefix: string, inst: OpsInstance): void {
    for (const el of list.namedChildren) {
      if (!el || el.type !== 'initializer_pair') continue;
      const path = el
        .childrenForFieldName('designator')
        .map((d) => (d?.type === 'field_designator' ? d.namedChildren[0]?.text ?? '' : d ? collapse(this.src(d)) : ''))
        .join('.')
        .replace(/\.\[/g, '[');
      const value = el.childForFieldName('value');
      if (!value || !path) continue;
      const key = prefix + path;
      if (value.type === 'initializer_list') {
        this.members(value, key + '.', inst);
        continue;
      }
      inst.members[key] = collapse(this.src(value)).replace(/^&\s*/, '');
      inst.memberLines[key] = this.line(value);
    }
  }

  types(matches: Match[]): void {
    for (const m of matches) {
      const node = m.captures.find((c) => c.name === 'struct' || c.name === 'union' || c.name === 'enum')?.node;
      if (!node) continue;
      if (node.type === 'enum_specifier') this.enumDef(node);
      else this.structDef(node);
    }
  }

  private structDef(node: SyntaxNode): void {
    const name = node.childForFieldName('name');
    const body = node.childForFieldName('body');
    if (!name || !body) return;
    const def: StructDef = {
      name: name.text,
      kind: node.type === 'union_specifier' ? 'union' : 'struct',
      line: this.line(name),
      endLine: this.endLine(node),
      fields: [],
      doc: commentAbove(this.input.original, outerDeclarationStart(node), 1),
    };
    this.fields(body, def.fields, kernelDocMembers(def.doc));
    this.facts.structs.push(def);
  }

  /** Fields of a member list; anonymous struct/union members are flattened (C lets you name them directly). */
  private fields(body: SyntaxNode, out: FieldDef[], kdoc: Map<string, string>): void {
    for (const f of body.namedChildren) {
      if (!f || f.type !== 'field_declaration') continue;
      const type = f.childForFieldName('type');
      const declarators = f.childrenForFieldName('declarator').filter((d): d is SyntaxNode => d !== null);
      if (declarators.length === 0) {
        const inner = type?.childForFieldName('body');
        if (inner && (type!.type === 'struct_specifier' || type!.type === 'union_specifier')) this.fields(inner, out, kdoc);
        continue;
      }
      const typeText = type ? this.typeText(f, type, declarators[0]) : '';
      for (const d of declarators) {
        const nameNode = declaratorName(d);
        if (!nameNode) continue;
        const shape = collapse(this.input.original.slice(d.startIndex, nameNode.startIndex) + this.input.original.slice(nameNode.endIndex, d.endIndex));
        const own = commentAbove(this.input.original, f.startIndex) || trailingComment(this.input.original, d.endIndex);
        out.push({
          name: nameNode.text,
          type: collapse(typeText + (shape ? ' ' + shape : '')).replace(/\s+([)\]])/g, '$1'),
          line: this.line(nameNode),
          doc: own || kdoc.get(nameNode.text) || '',
        });
      }
    }
  }

  /**
   * The type part of a field declaration: qualifiers, specifier and annotations up to the first
   * declarator (`struct sock __rcu`); an inline struct body becomes `{…}`.
   */
  private typeText(field: SyntaxNode, type: SyntaxNode, first: SyntaxNode): string {
    const body = type.childForFieldName('body');
    if (body) return collapse(this.input.original.slice(field.startIndex, body.startIndex) + '{…}');
    return collapse(this.input.original.slice(field.startIndex, first.startIndex));
  }

  private enumDef(node: SyntaxNode): void {
    const body = node.childForFieldName('body');
    if (!body) return;
    const name = node.childForFieldName('name');
    const def: EnumDef = { name: name?.text ?? '', line: this.line(name ?? node), endLine: this.endLine(node), members: [] };
    for (const e of body.namedChildren) {
      if (!e || e.type !== 'enumerator') continue;
      const n = e.childForFieldName('name');
      if (!n) continue;
      const v = e.childForFieldName('value');
      def.members.push({ name: n.text, line: this.line(n), ...(v ? { value: collapse(this.src(v)) } : {}) });
    }
    this.facts.enums.push(def);
  }

  refs(matches: Match[]): void {
    const caps = [];
    for (const m of matches) {
      const c = m.captures[0];
      if (c.name === 'call.callee' || (m.captures.length === 1 && (c.name === 'local' || c.name === 'ref'))) caps.push(c);
    }
    // locals per function, to drop `sk`, `skb`, … from the value references
    const locals = new Map<string, Set<string>>();
    const pending: ValueRef[] = [];
    for (const c of caps) {
      const node = c.node;
      const at = node.startIndex;
      if (c.name === 'call.callee') {
        if (this.macroHeads.has(at)) continue;
        const fn = enclosing(this.fnRanges, at);
        if (fn) this.facts.calls.push({ caller: fn, callee: node.text, line: this.line(node) });
        continue;
      }
      if (c.name === 'local') {
        const fn = enclosing(this.fnRanges, at);
        const n = declaratorName(node);
        if (fn && n) {
          let set = locals.get(fn);
          if (!set) locals.set(fn, (set = new Set()));
          set.add(n.text);
        }
        continue;
      }
      const name = node.text;
      if (/^[A-Z0-9_]+$/.test(name) || name === 'NULL') continue; // constants and macros
      const fn = enclosing(this.fnRanges, at);
      pending.push({ name, line: this.line(node), context: fn ?? enclosing(this.varRanges, at) ?? '' });
    }
    const seen = new Set<string>();
    for (const r of pending) {
      if (locals.get(r.context)?.has(r.name)) continue;
      const key = r.name + '\0' + r.line + '\0' + r.context;
      if (seen.has(key)) continue;
      seen.add(key);
      this.facts.refs.push(r);
    }
  }

  /** Body facts of the bodies left to the lexical tier, with the heads' parameters from the tree. */
  lexical(bodies: BodySpan[], prepared: string, scope: FlowScope): void {
    for (const [open, close] of bodies) {
      const fn = enclosing(this.fnRanges, open);
      if (!fn) throw new LexicalMismatch(`no function head owns the body at line ${this.input.lines.line(open)}`);
      const params = scope.params.get(fn) ?? [];
      lexBodyFacts(prepared, this.input.lines, open, close, { fn, params, paramTypes: scope.env.get(fn) ?? new Map() }, scope.globals, this.facts);
    }
    this.facts.lexicalBodies = bodies.length;
  }

  flow(matches: Match[]): FlowScope {
    return extractFlow(
      {
        facts: this.facts,
        original: this.input.original,
        enclosingFn: (at) => enclosing(this.fnRanges, at),
        enclosingVar: (at) => enclosing(this.varRanges, at),
        declaratorName,
        functionDeclarator,
      },
      matches,
    );
  }

  errors(matches: Match[]): void {
    for (const m of matches) {
      if (m.captures[0]?.name !== 'error') continue;
      if (this.facts.syntaxErrors++ === 0) this.facts.firstErrorLine = this.line(m.captures[0].node);
    }
  }
}

/** Name of the range containing `at` (ranges sorted by start, possibly nested: innermost wins). */
function enclosing(ranges: [number, number, string][], at: number): string | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid][0] <= at) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  for (let i = found; i >= 0 && i > found - 4; i--) if (at < ranges[i][1]) return ranges[i][2];
  return undefined;
}

/** Start of the declaration a type specifier belongs to (so the doc comment above it is found). */
function outerDeclarationStart(node: SyntaxNode): number {
  let n = node;
  while (n.parent && (n.parent.type === 'declaration' || n.parent.type === 'type_definition' || n.parent.type === 'field_declaration')) n = n.parent;
  return n.startIndex;
}

/**
 * The comment block ending right above `offset`, without comment markers. Only blank space may sit
 * between them, with at most `blankLines` empty lines (kernel-doc is sometimes set apart by one).
 */
export function commentAbove(text: string, offset: number, blankLines = 0): string {
  let i = offset - 1;
  let newlines = 0;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r' || text[i] === '\n')) {
    if (text[i] === '\n' && ++newlines > blankLines + 1) return '';
    i--;
  }
  if (newlines === 0 && i >= 0 && text[i] !== '/') return '';
  if (i < 1) return '';
  if (text[i] === '/' && text[i - 1] === '*') {
    const start = text.lastIndexOf('/*', i - 1);
    if (start < 0) return '';
    return cleanComment(text.slice(start, i + 1));
  }
  // a run of // lines
  const lineStart = text.lastIndexOf('\n', i) + 1;
  const line = text.slice(lineStart, i + 1).trim();
  if (line.startsWith('//')) {
    const prev = commentAbove(text, lineStart);
    return (prev && text.slice(text.lastIndexOf('\n', lineStart - 2) + 1, lineStart).trim().startsWith('//') ? prev + ' ' : '') + line.slice(2).trim();
  }
  return '';
}

function trailingComment(text: string, offset: number): string {
  const eol = text.indexOf('\n', offset);
  const rest = text.slice(offset, eol < 0 ? text.length : eol);
  const m = /^[^/]*?(\/\*.*?\*\/|\/\/.*)/.exec(rest);
  return m ? cleanComment(m[1]) : '';
}

function cleanComment(c: string): string {
  return c
    .replace(/^\/\*+|\*+\/$/g, '')
    .replace(/^\/\//, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\*\s?/, '').trimEnd())
    .join('\n')
    .trim();
}

/** Kernel-doc `@member: text` entries of a struct's doc comment. */
function kernelDocMembers(doc: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!doc.includes('@')) return out;
  const re = /^@([\w.]+):\s*(.*(?:\n(?!@|\s*$).*)*)/gm;
  for (let m = re.exec(doc); m; m = re.exec(doc)) out.set(m[1].split('.').pop()!, collapse(m[2]));
  return out;
}

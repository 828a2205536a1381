// Facts for the indirect-call resolution: calls through struct members, stores into struct
// members, INDIRECT_CALL hints, functions passed as arguments, parameters a function calls, typedefs.
// Types are resolved only as far as one file allows (declared types of locals, parameters and
// globals); the rest (field types, return types) is left to the graph, as a Chain.
import type { SyntaxNode, QueryMatch } from './treeSitter.ts';
import { nameRecord, type FileFacts, type Chain } from './facts.ts';

export interface FlowContext {
  facts: FileFacts;
  original: string;
  /** Name of the function containing `offset`, if any. */
  enclosingFn(offset: number): string | undefined;
  enclosingVar(offset: number): string | undefined;
  declaratorName(node: SyntaxNode | null): SyntaxNode | null;
  functionDeclarator(node: SyntaxNode | null): SyntaxNode | null;
}

/** Macros that only wrap an access: see through them to their first argument. */
const WRAPPERS = /^(READ_ONCE|WRITE_ONCE|ACCESS_ONCE|rcu_dereference\w*|rcu_access_pointer|srcu_dereference\w*|smp_load_acquire|INDIRECT_CALL_\w+|unlikely|likely)$/;
const HINT = /^INDIRECT_CALL_(?:([1-4])|INET|INET_1)$/;
/** The INDIRECT_CALL_* forms whose hints are read at extraction (others are derived by the graph). */
export const isHintMacro = (name: string): boolean => HINT.test(name);
/** Macros that store their second argument into their first: `rcu_assign_pointer(dev->rx_handler, h)`. */
const STORES = /^(WRITE_ONCE|rcu_assign_pointer|RCU_INIT_POINTER|smp_store_release)$/;

/** `struct sock` → `T:sock`; a typedef name → `D:name`; anything else → undefined. */
export function typeBase(type: SyntaxNode | null): string | undefined {
  if (!type) return undefined;
  if (type.type === 'struct_specifier' || type.type === 'union_specifier') {
    const n = type.childForFieldName('name');
    return n ? 'T:' + n.text : undefined;
  }
  if (type.type === 'type_identifier') return 'D:' + type.text;
  return undefined;
}

/** What the file's flow extraction learned about names, for the lexical tier's bodies. */
export interface FlowScope {
  /** Function → its parameter names. */
  params: Map<string, string[]>;
  /** Function → typed locals and parameters (name → `T:tag` / `D:name`). */
  env: Map<string, Map<string, string>>;
  /** File-scope variables → type base. */
  globals: Map<string, string>;
}

export function extractFlow(ctx: FlowContext, matches: QueryMatch[]): FlowScope {
  const f = ctx.facts;
  const params = new Map<string, string[]>();
  const env = new Map<string, Map<string, string>>();
  const globals = new Map<string, string>();
  const pending: (() => void)[] = [];
  /** Per function: local variable → the member expressions assigned to it (`fp = READ_ONCE(x->f)`). */
  const loaded = new Map<string, Map<string, SyntaxNode[]>>();
  const load = (fn: string, local: string, value: SyntaxNode) => {
    let m = loaded.get(fn);
    if (!m) loaded.set(fn, (m = new Map()));
    const l = m.get(local);
    if (l) l.push(value);
    else m.set(local, [value]);
  };

  for (const m of matches) {
    const c0 = m.captures[0];
    switch (c0.name) {
      case 'function': {
        const fdecl = ctx.functionDeclarator(c0.node.childForFieldName('declarator'));
        const name = ctx.declaratorName(fdecl)?.text;
        const list = fdecl?.childForFieldName('parameters')?.namedChildren ?? [];
        if (name) params.set(name, list.filter((p) => p?.type === 'parameter_declaration').map((p) => ctx.declaratorName(p!.childForFieldName('declarator'))?.text ?? ''));
        break;
      }
      case 'declaration': {
        const base = typeBase(c0.node.childForFieldName('type'));
        if (!base) break;
        for (const d of c0.node.childrenForFieldName('declarator')) {
          const n = ctx.declaratorName(d);
          if (n && !ctx.functionDeclarator(d)) globals.set(n.text, base);
        }
        break;
      }
      case 'local': {
        const fn = ctx.enclosingFn(c0.node.startIndex);
        const n = ctx.declaratorName(c0.node);
        let decl: SyntaxNode | null = c0.node.parent;
        while (decl && decl.type !== 'parameter_declaration' && decl.type !== 'declaration') decl = decl.parent;
        const base = typeBase(decl?.childForFieldName('type') ?? null);
        const init = c0.node.type === 'init_declarator' ? c0.node.childForFieldName('value') : null;
        if (fn && n && init) load(fn, n.text, init);
        if (fn && n && base) {
          let e = env.get(fn);
          if (!e) env.set(fn, (e = new Map()));
          e.set(n.text, base);
        }
        break;
      }
      case 'call.callee': {
        const callee = c0.node.text;
        const argsNode = m.captures[1]?.node;
        const caller = ctx.enclosingFn(c0.node.startIndex);
        if (!caller || !argsNode) break;
        const line = c0.node.startPosition.row + 1;
        pending.push(() => {
          const ps = params.get(caller);
          const pi = ps ? ps.indexOf(callee) : -1;
          if (pi >= 0) f.paramCalls.push({ fn: caller, index: pi, line });
          const args = argsNode.namedChildren.filter((a): a is SyntaxNode => a !== null && a.type !== 'comment');
          if (STORES.test(callee)) {
            if (args[0]?.type === 'field_expression' && args[1]) store(args[0], args[1], caller);
            return;
          }
          if (pi < 0) {
            for (const v of loaded.get(caller)?.get(callee) ?? []) {
              const chain = chainOf(v, caller);
              if (chain) f.pointerCalls.push({ caller, line, local: callee, chain });
            }
          }
          const hint = HINT.exec(callee);
          if (hint) {
            const n = hint[1] ? Number(hint[1]) : callee === 'INDIRECT_CALL_INET' ? 2 : 1;
            f.hints.push({ caller, line, macro: callee, candidates: args.slice(1, 1 + n).map((a) => a.text) });
            const chain = args[0] ? chainOf(args[0], caller) : undefined;
            if (chain) f.memberCalls.push({ caller, line, chain });
            // `INDIRECT_CALL_1(getfrag, ip_generic_getfrag, …)` on a parameter or a local loaded from a member
            else if (args[0]?.type === 'identifier') {
              const p = ps ? ps.indexOf(args[0].text) : -1;
              if (p >= 0) f.paramCalls.push({ fn: caller, index: p, line });
              else for (const v of loaded.get(caller)?.get(args[0].text) ?? []) {
                const c = chainOf(v, caller);
                if (c) f.pointerCalls.push({ caller, line, local: args[0].text, chain: c });
              }
            }
            return;
          }
          args.forEach((a, index) => {
            if (a.type === 'call_expression') {
              const fn = a.childForFieldName('function');
              if (fn?.type === 'identifier' && !WRAPPERS.test(fn.text) && !/^[A-Z0-9_]+$/.test(fn.text)) f.callArgs.push({ caller, callee, line, index, fn: fn.text });
              return;
            }
            const id = a.type === 'pointer_expression' ? a.childForFieldName('argument') : a.type === 'cast_expression' ? a.childForFieldName('value') : a;
            if (id?.type !== 'identifier' || /^[A-Z0-9_]+$/.test(id.text)) return;
            // struct-typed locals are never functions; a typedef'd parameter may forward a callback (`nf_hookfn *fn`)
            const t = env.get(caller)?.get(id.text);
            if (t && !(t.startsWith('D:') && params.get(caller)?.includes(id.text))) return;
            // a local holding a function (`getfrag = is_udplite ? udplite_getfrag : ip_generic_getfrag`): pass on what it holds
            const held = loaded.get(caller)?.get(id.text)?.flatMap(namesIn);
            if (held?.length) for (const name of held) f.args.push({ caller, callee, line, index, name });
            else f.args.push({ caller, callee, line, index, name: id.text });
          });
        });
        break;
      }
      case 'mcall.fn': {
        const caller = ctx.enclosingFn(c0.node.startIndex);
        if (!caller) break;
        const node = c0.node;
        pending.push(() => {
          const chain = chainOf(node, caller);
          if (chain) f.memberCalls.push({ caller, line: node.startPosition.row + 1, chain });
        });
        break;
      }
      case 'assign.lhs': {
        const lhs = c0.node;
        const rhs = m.captures[1]?.node;
        if (!rhs) break;
        const context = ctx.enclosingFn(lhs.startIndex) ?? '';
        pending.push(() => store(lhs, rhs, context));
        break;
      }
      case 'assignvar.lhs': {
        const rhs = m.captures[1]?.node;
        const fn = ctx.enclosingFn(c0.node.startIndex);
        if (fn && rhs) load(fn, c0.node.text, rhs);
        break;
      }
      case 'return.value': {
        const fn = ctx.enclosingFn(c0.node.startIndex);
        const name = c0.node.text;
        if (!fn || /^[A-Z0-9_]+$/.test(name)) break;
        const line = c0.node.startPosition.row + 1;
        pending.push(() => {
          if (!params.get(fn)?.includes(name) && !env.get(fn)?.has(name) && !loaded.get(fn)?.has(name)) f.returns.push({ fn, line, value: name });
        });
        break;
      }
      case 'literal.type': {
        const typeNode = c0.node.childForFieldName('type');
        const base = typeBase(typeNode);
        const list = m.captures[1]?.node;
        if (!base?.startsWith('T:') || !list) break;
        const context = ctx.enclosingFn(c0.node.startIndex) ?? ctx.enclosingVar(c0.node.startIndex) ?? '';
        const members = nameRecord<string>();
        const memberLines = nameRecord<number>();
        for (const el of list.namedChildren) {
          if (el?.type !== 'initializer_pair') continue;
          const des = el.childrenForFieldName('designator')[0];
          const value = el.childForFieldName('value');
          if (des?.type !== 'field_designator' || !value) continue;
          const key = des.namedChildren[0]?.text;
          if (!key) continue;
          members[key] = value.text.replace(/^&\s*/, '');
          memberLines[key] = value.startPosition.row + 1;
        }
        if (Object.keys(members).length) {
          const line = c0.node.startPosition.row + 1;
          f.opsInstances.push({ struct: base.slice(2), name: `(struct ${base.slice(2)}){…} in ${context || 'file scope'}:${line}`, line, endLine: list.endPosition.row + 1, members, memberLines, isStatic: true });
        }
        break;
      }
      case 'typedef.type': {
        const nameNode = ctx.declaratorName(m.captures[1]?.node ?? null);
        if (!nameNode || nameNode.type !== 'type_identifier') break;
        const base = typeBase(c0.node);
        f.typedefs.push({ name: nameNode.text, target: base ?? c0.node.text.replace(/\s+/g, ' ').slice(0, 200), line: nameNode.startPosition.row + 1 });
        break;
      }
    }
  }
  for (const p of pending) p();
  return { params, env, globals };

  /** Plain names a value can be: `a`, `&a`, `(T)a`, `c ? a : b`. */
  function namesIn(v: SyntaxNode | null): string[] {
    if (!v) return [];
    switch (v.type) {
      case 'identifier':
        return /^[A-Z0-9_]+$/.test(v.text) ? [] : [v.text];
      case 'parenthesized_expression':
        return namesIn(v.namedChildren[0] ?? null);
      case 'pointer_expression':
        return namesIn(v.childForFieldName('argument'));
      case 'cast_expression':
        return namesIn(v.childForFieldName('value'));
      case 'conditional_expression':
        return [...namesIn(v.childForFieldName('consequence')), ...namesIn(v.childForFieldName('alternative'))];
      default:
        return [];
    }
  }

  /** `lhs = rhs` into a member: a function (each arm of a `?:`), a parameter, or another member (a copy). */
  function store(lhs: SyntaxNode, rhs: SyntaxNode, context: string): void {
    let v: SyntaxNode | null = rhs;
    while (v && (v.type === 'pointer_expression' || v.type === 'cast_expression' || v.type === 'parenthesized_expression'))
      v = v.type === 'pointer_expression' ? v.childForFieldName('argument') : v.type === 'cast_expression' ? v.childForFieldName('value') : v.namedChildren[0] ?? null;
    if (!v || v.type === 'compound_literal_expression') return; // its members are bound as a literal instance
    if (v.type === 'conditional_expression') {
      for (const arm of [v.childForFieldName('consequence'), v.childForFieldName('alternative')]) if (arm) store(lhs, arm, context);
      return;
    }
    if (v.type === 'field_expression' || v.type === 'call_expression' || v.type === 'subscript_expression') {
      const from = chainOf(v, context);
      const chain = from && chainOf(lhs, context);
      if (from && chain) f.copies.push({ context, line: lhs.startPosition.row + 1, chain, from });
      return;
    }
    if (v.type !== 'identifier' || /^[A-Z0-9_]+$/.test(v.text)) return;
    const ps = params.get(context) ?? [];
    const param = ps.indexOf(v.text);
    if (param < 0 && (env.get(context)?.has(v.text) || loaded.get(context)?.has(v.text))) return; // a local, not a function
    const chain = chainOf(lhs, context);
    if (chain) f.stores.push({ context, line: lhs.startPosition.row + 1, chain, value: v.text, param });
  }

  /** The chain of a member expression, seeing through wrappers, casts and parentheses. */
  function chainOf(node: SyntaxNode, fn: string): Chain | undefined {
    const fields: string[] = [];
    let n: SyntaxNode | null = node;
    for (let guard = 0; n && guard < 32; guard++) {
      switch (n.type) {
        case 'parenthesized_expression':
          n = n.namedChildren[0] ?? null;
          continue;
        case 'pointer_expression':
          n = n.childForFieldName('argument');
          continue;
        case 'field_expression':
          fields.unshift(n.childForFieldName('field')?.text ?? '');
          n = n.childForFieldName('argument');
          continue;
        case 'subscript_expression':
          n = n.childForFieldName('argument');
          continue;
        case 'call_expression': {
          const callee = n.childForFieldName('function');
          const args: SyntaxNode[] = n.childForFieldName('arguments')?.namedChildren.filter((a): a is SyntaxNode => a !== null && a.type !== 'comment') ?? [];
          if (callee?.type === 'identifier' && WRAPPERS.test(callee.text) && args[0]) {
            n = args[0];
            continue;
          }
          if (callee?.type === 'identifier' && callee.text === 'container_of' && args[1]) {
            const m = /^(?:struct|union)[\s_]+(\w+)$/.exec(args[1].text.trim()); // `struct_sock`: see joinTypeArguments
            return finish(m ? 'T:' + m[1] : '?');
          }
          return finish(callee?.type === 'identifier' ? 'C:' + callee.text : '?');
        }
        case 'cast_expression': {
          const t = n.childForFieldName('type')?.childForFieldName('type') ?? null;
          return finish(typeBase(t) ?? '?');
        }
        case 'identifier':
          return finish(env.get(fn)?.get(n.text) ?? globals.get(n.text) ?? '?');
        default:
          return finish('?');
      }
    }
    return undefined;
    function finish(base: string): Chain | undefined {
      if (fields.length === 0 || fields.some((x) => !x)) return undefined;
      return [base, ...fields].join('|');
    }
  }
}

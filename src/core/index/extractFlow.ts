// Facts for the indirect-call resolution: calls through struct members, stores into struct
// members, INDIRECT_CALL hints, functions passed as arguments, parameters a function calls, typedefs.
// Types are resolved only as far as one file allows (declared types of locals, parameters and
// globals); the rest (field types, return types) is left to the graph, as a Chain.
import type { SyntaxNode, QueryMatch } from './treeSitter.ts';
import type { FileFacts, Chain } from './facts.ts';

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
          const hint = HINT.exec(callee);
          if (hint) {
            const n = hint[1] ? Number(hint[1]) : callee === 'INDIRECT_CALL_INET' ? 2 : 1;
            f.hints.push({ caller, line, macro: callee, candidates: args.slice(1, 1 + n).map((a) => a.text) });
            const chain = args[0] ? chainOf(args[0], caller) : undefined;
            if (chain) f.memberCalls.push({ caller, line, chain });
            return;
          }
          args.forEach((a, index) => {
            const id = a.type === 'pointer_expression' ? a.childForFieldName('argument') : a.type === 'cast_expression' ? a.childForFieldName('value') : a;
            if (id?.type !== 'identifier' || /^[A-Z0-9_]+$/.test(id.text)) return;
            if (env.get(caller)?.has(id.text)) return; // parameters stay: they forward callbacks
            f.args.push({ caller, callee, line, index, name: id.text });
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
        pending.push(() => {
          let v: SyntaxNode | null = rhs;
          while (v && (v.type === 'pointer_expression' || v.type === 'cast_expression' || v.type === 'parenthesized_expression'))
            v = v.type === 'pointer_expression' ? v.childForFieldName('argument') : v.type === 'cast_expression' ? v.childForFieldName('value') : v.namedChildren[0] ?? null;
          if (v?.type === 'compound_literal_expression') return; // its members are bound as a literal instance
          if (v?.type !== 'identifier' || /^[A-Z0-9_]+$/.test(v.text)) return;
          const ps = params.get(context) ?? [];
          const param = ps.indexOf(v.text);
          if (param < 0 && env.get(context)?.has(v.text)) return; // a local, not a function
          const chain = chainOf(lhs, context);
          if (chain) f.stores.push({ context, line: lhs.startPosition.row + 1, chain, value: v.text, param });
        });
        break;
      }
      case 'literal.type': {
        const typeNode = c0.node.childForFieldName('type');
        const base = typeBase(typeNode);
        const list = m.captures[1]?.node;
        if (!base?.startsWith('T:') || !list) break;
        const context = ctx.enclosingFn(c0.node.startIndex) ?? ctx.enclosingVar(c0.node.startIndex) ?? '';
        const members: Record<string, string> = {};
        const memberLines: Record<string, number> = {};
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

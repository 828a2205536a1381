// The facts extracted from one source file. A file's facts are replaced as a whole on re-index,
// so every fact carries its file implicitly (the FileFacts it belongs to).

export interface FunctionDef {
  name: string;
  /** 1-based line of the function's name (what ctags and editors point at). */
  line: number;
  /** 1-based first line of the definition (return type) and last line (closing brace). */
  startLine: number;
  endLine: number;
  /** Declarator text up to the body, whitespace collapsed: `int tcp_sendmsg(struct sock *sk, ...)`. */
  signature: string;
  isStatic: boolean;
  isInline: boolean;
  /** For functions defined through a macro (`SYSCALL_DEFINE3(socket, …)`): the macro's name. */
  definedBy?: string;
}

export interface Prototype {
  name: string;
  line: number;
  signature: string;
}

export interface FieldDef {
  name: string;
  /** Type text with the declarator's pointer/array/function shape: `struct sock *`, `int (*)(struct sock *)`. */
  type: string;
  line: number;
  /** The comment right above the field (or trailing on its line), kernel-doc `@name:` text when present. */
  doc: string;
}

export interface StructDef {
  name: string;
  kind: 'struct' | 'union';
  line: number;
  endLine: number;
  fields: FieldDef[];
  /** Kernel-doc / comment block right above the definition. */
  doc: string;
}

export interface EnumDef {
  /** Empty for an anonymous enum. */
  name: string;
  line: number;
  endLine: number;
  members: { name: string; line: number; value?: string }[];
}

export interface MacroDef {
  name: string;
  line: number;
  endLine: number;
  /** Present for function-like macros (may be empty: `FOO()`). */
  params?: string[];
  /** Replacement text, continuation lines joined. */
  body: string;
}

/** A record keyed by names from the tree. Member names are C identifiers, and `__proto__` or
 *  `constructor` are valid ones: without a prototype each is an own key like any other (on a plain
 *  `{}`, `.__proto__ = fn` would be lost and `.constructor` read as Object). */
export function nameRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A global variable of struct type with a designated initializer: an "ops instance". */
export interface OpsInstance {
  /** Struct tag: `proto` for `struct proto tcp_prot = {…}`. */
  struct: string;
  /** `tcp_prot`, or `inetsw_array[0]` for array elements. */
  name: string;
  line: number;
  endLine: number;
  /** Member path → initializer text, leading `&` removed; nested members as `a.b`. */
  members: Record<string, string>;
  /** Member path → 1-based line of its initializer. */
  memberLines: Record<string, number>;
  isStatic: boolean;
}

export interface CallSite {
  caller: string;
  callee: string;
  line: number;
}

/** A function-like name used as a value (initializer, argument, assignment, `&f`). */
export interface ValueRef {
  name: string;
  line: number;
  /** Enclosing function, or the global variable being initialized, or '' at file scope. */
  context: string;
}

/**
 * A member expression as the resolver needs it, encoded as one string:
 * `<base>|<field>|…|<member>` where base is `T:tag` (struct tag), `D:name` (typedef),
 * `C:fn` (return type of a call to fn) or `?` (unknown). `sk->sk_prot->sendmsg` in a function with
 * `struct sock *sk` is `T:sock|sk_prot|sendmsg`.
 */
export type Chain = string;

/** A call through a struct member. `wrapper` names a see-through macro (`READ_ONCE`) when present. */
export interface MemberCall {
  caller: string;
  line: number;
  chain: Chain;
}

/** `x->field = value;` — a binding made at run time (value an identifier), or a stored parameter. */
export interface MemberStore {
  context: string;
  line: number;
  chain: Chain;
  value: string;
  /** Index of the enclosing function's parameter stored, or -1. */
  param: number;
}

/** `INDIRECT_CALL_2(f, f2, f1, …)`: the kernel naming the likely targets of an indirect call. */
export interface HintCall {
  caller: string;
  line: number;
  macro: string;
  candidates: string[];
}

/** A name passed as argument `index` of a call (candidates for callbacks). */
export interface ArgRef {
  caller: string;
  callee: string;
  line: number;
  index: number;
  name: string;
}

/** Function `fn` calls its own parameter number `index` (`okfn(net, sk, skb)`). */
export interface ParamCall {
  fn: string;
  index: number;
  line: number;
}

/** `x->field = y->other;` — a function pointer copied from one member into another (both as chains). */
export interface MemberCopy {
  context: string;
  line: number;
  chain: Chain;
  from: Chain;
}

/** `fp = READ_ONCE(x->field); … fp(…)`: a call through a local variable loaded from a member. */
export interface PointerCall {
  caller: string;
  line: number;
  /** The local variable called. */
  local: string;
  chain: Chain;
}

/** `return name;` in function `fn` (a function handing out a function: `br_get_rx_handler`). */
export interface ReturnRef {
  fn: string;
  line: number;
  value: string;
}

/** Argument `index` of a call to `callee` is the value of a call to `fn` (`reg(dev, get_handler(dev))`). */
export interface CallArg {
  caller: string;
  callee: string;
  line: number;
  index: number;
  fn: string;
}

export interface TypedefDef {
  name: string;
  /** `T:tag` for a struct/union, else the type text. */
  target: string;
  line: number;
}

export interface FileFacts {
  /** Path relative to the tree root, forward slashes. */
  file: string;
  functions: FunctionDef[];
  prototypes: Prototype[];
  structs: StructDef[];
  enums: EnumDef[];
  macros: MacroDef[];
  opsInstances: OpsInstance[];
  calls: CallSite[];
  refs: ValueRef[];
  memberCalls: MemberCall[];
  stores: MemberStore[];
  hints: HintCall[];
  args: ArgRef[];
  paramCalls: ParamCall[];
  typedefs: TypedefDef[];
  copies: MemberCopy[];
  pointerCalls: PointerCall[];
  returns: ReturnRef[];
  callArgs: CallArg[];
  /** Struct variables with a designated initializer inside a function (`struct netlink_kernel_cfg cfg = {…}`):
   *  bindings for the call graph, kept apart from the file-scope ops tables. */
  localInstances: OpsInstance[];
  /** Syntax error regions tree-sitter could not parse (count and the first line), for diagnostics. */
  syntaxErrors: number;
  firstErrorLine?: number;
  /**
   * Function bodies whose facts came from the lexical tier (src/core/index/lexicalBodies.ts), not
   * from tree-sitter; absent or 0 when the whole file was parsed. Such a file is parsed whole on
   * demand (IndexSession.ensurePrecise) before a precise answer about it.
   */
  lexicalBodies?: number;
}

export function emptyFacts(file: string): FileFacts {
  return {
    file,
    functions: [],
    prototypes: [],
    structs: [],
    enums: [],
    macros: [],
    opsInstances: [],
    calls: [],
    refs: [],
    memberCalls: [],
    stores: [],
    hints: [],
    args: [],
    paramCalls: [],
    typedefs: [],
    copies: [],
    pointerCalls: [],
    returns: [],
    callArgs: [],
    localInstances: [],
    syntaxErrors: 0,
  };
}

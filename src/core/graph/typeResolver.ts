// Resolves a Chain (`T:sock|sk_prot|sendmsg`) to the struct type and member being called, using
// the whole index: struct field types, typedefs, function return types.
import type { KernelIndex } from '../index/model.ts';

export interface ResolvedMember {
  struct: string;
  member: string;
}

/** The struct tag a type text names: `const struct proto *` → `proto`. */
export function structTagOf(typeText: string): string | undefined {
  return /\b(?:struct|union)\s+(\w+)/.exec(typeText)?.[1];
}

export class TypeResolver {
  private readonly typedefs = new Map<string, string>();
  private readonly returns = new Map<string, string | null>();
  private readonly fields = new Map<string, Map<string, string>>();

  constructor(private readonly index: KernelIndex) {
    for (const f of index.allFacts()) for (const t of f.typedefs) if (t.target.startsWith('T:') && !this.typedefs.has(t.name)) this.typedefs.set(t.name, t.target.slice(2));
  }

  /** `D:foo_t` → the struct tag behind the typedef; `T:x` → `x`. */
  private baseTag(base: string): string | undefined {
    if (base.startsWith('T:')) return base.slice(2);
    if (base.startsWith('D:')) return this.typedefs.get(base.slice(2));
    if (base.startsWith('C:')) return this.returnTag(base.slice(2));
    return undefined;
  }

  /** Whether a resolution so far asked what `fn` returns. */
  askedReturn(fn: string): boolean {
    return this.returns.has(fn);
  }

  /** Struct tag returned by function `fn` (`static inline struct inet_sock *inet_sk(…)`), or a macro that casts. */
  returnTag(fn: string): string | undefined {
    let r = this.returns.get(fn);
    if (r === undefined) {
      r = null;
      const defs = this.index.functions(fn);
      for (const d of defs) {
        const head = d.def.signature.slice(0, d.def.signature.indexOf(fn + '('));
        const tag = structTagOf(head);
        if (tag) {
          r = tag;
          break;
        }
        const td = /(\w+)\s*\*\s*$/.exec(head)?.[1];
        if (td && this.typedefs.has(td)) {
          r = this.typedefs.get(td)!;
          break;
        }
      }
      // `#define udp_sk(ptr) container_of_const(ptr, struct udp_sock, inet.sk)`, `#define x(p) ((struct y *)(p))`
      if (!r && !defs.length) {
        for (const { def } of this.index.macros(fn)) {
          const m = /^\(*\s*container_of\w*\s*\([^,]+,\s*(?:struct|union)\s+(\w+)/.exec(def.body) ?? /^\(*\s*\(\s*(?:const\s+)?(?:struct|union)\s+(\w+)\s*\*\s*\)/.exec(def.body);
          if (def.params && m) {
            r = m[1];
            break;
          }
        }
      }
      this.returns.set(fn, r);
    }
    return r ?? undefined;
  }

  /** Type tag of `struct tag`'s field `name`. */
  fieldTag(tag: string, name: string): string | undefined {
    let m = this.fields.get(tag);
    if (!m) {
      m = new Map();
      const s = this.index.struct(tag);
      if (s) {
        for (const f of s.def.fields) {
          const t = structTagOf(f.type) ?? this.typedefs.get(/^(?:const\s+)?(\w+)/.exec(f.type)?.[1] ?? '');
          if (t) m.set(f.name, t);
        }
      }
      this.fields.set(tag, m);
    }
    const direct = m.get(name);
    if (direct) return direct;
    // `#define sk_prot __sk_common.skc_prot`: the kernel's field aliases into embedded structs
    const alias = this.index.macros(name).find((x) => !x.def.params && /^[\w]+(?:\.[\w]+)+$/.test(x.def.body));
    if (!alias) return undefined;
    let t: string | undefined = tag;
    for (const part of alias.def.body.split('.')) t = t && part !== name ? this.fieldTag(t, part) : undefined;
    return t;
  }

  /** The struct whose member is called, when the types can be followed; else only the member. */
  resolve(chain: string): { typed?: ResolvedMember; member: string } {
    const parts = chain.split('|');
    const member = parts[parts.length - 1];
    let tag = this.baseTag(parts[0]);
    for (let i = 1; tag && i < parts.length - 1; i++) tag = this.fieldTag(tag, parts[i]);
    return tag ? { typed: { struct: tag, member }, member } : { member };
  }
}

// What function-like macros call, read off their bodies in the index: the functions a call to a
// macro reaches (`skb_checksum_simple_validate` → `__skb_checksum_validate_complete`), and the macros
// that wrap the kernel's INDIRECT_CALL_* hints under other names (`indirect_call_gro_receive`).
import type { KernelIndex } from '../index/model.ts';

/** How deep nested macros are followed. */
const MAX_DEPTH = 4;
/** Words followed by `(` in a body that are not calls of anything in the index. */
const NOT_CALLS = /^(?:if|for|while|switch|return|sizeof|typeof|__typeof__|__typeof|_Generic|_Static_assert|__builtin_\w+|__attribute__|asm|__asm__|volatile|__same_type|defined|do)$/;
/** The kernel's own hint macros, the seed: `INDIRECT_CALL_2(f, f2, f1, …)` names its candidates in arguments 2..3. */
const BASE_HINT = /^INDIRECT_CALL_([1-4])$/;

export interface HintMacro {
  /** Argument positions that are candidates. */
  positions: number[];
  /** Candidates written in the macro's own body (`SNAT_CALL(f, …)` → tcp_snat_handler). */
  literals: string[];
}

export class MacroCalls {
  private readonly reach = new Map<string, Set<string>>();
  private hintMacros: Map<string, HintMacro> | undefined;
  /** Names whose being a function or not some expansion so far depended on. */
  readonly consulted = new Set<string>();

  constructor(private readonly index: KernelIndex, private readonly isFunction: (name: string) => boolean) {}

  /** A name that is only a macro (no function of that name anywhere). */
  isMacroOnly(name: string): boolean {
    return this.index.functions(name).length === 0 && this.index.macros(name).length > 0;
  }

  /** Functions a use of macro `name` calls, through nested macros; parameters (callbacks) excluded. */
  callees(name: string): ReadonlySet<string> {
    return this.expand(name, 0, new Set());
  }

  private expand(name: string, depth: number, onPath: Set<string>): Set<string> {
    const memoKey = `${name}@${depth}`;
    const have = this.reach.get(memoKey);
    if (have) return have;
    const out = new Set<string>();
    if (depth > MAX_DEPTH || onPath.has(name)) return out;
    onPath.add(name);
    const defs = this.index.macros(name);
    // a variant that calls nothing (`likely` without branch profiling) stands for the usual configuration
    const variants = defs.map(({ def }) => this.callsIn(def.body, def.params, name));
    if (variants.length > 1 && variants.some((v) => v.length === 0)) {
      onPath.delete(name);
      this.reach.set(memoKey, out);
      return out;
    }
    for (const words of variants) {
      for (const w of words) {
        this.consulted.add(w);
        if (this.isMacroOnly(w)) for (const x of this.expand(w, depth + 1, onPath)) out.add(x);
        else if (this.isFunction(w)) out.add(w);
      }
    }
    onPath.delete(name);
    this.reach.set(memoKey, out);
    return out;
  }

  /** Names a body calls (`name(`), or the alias an object-like macro stands for; parameters and keywords left out. */
  private callsIn(body: string, params: string[] | undefined, self: string): string[] {
    const words = params ? [...body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)].map((m) => m[1]) : /^[A-Za-z_]\w*$/.test(body) ? [body] : [];
    return words.filter((w) => !params?.includes(w) && !NOT_CALLS.test(w) && w !== self);
  }

  /** Macros whose definition expands to an INDIRECT_CALL_* (at any depth), with their candidate positions. */
  hints(): ReadonlyMap<string, HintMacro> {
    if (this.hintMacros) return this.hintMacros;
    const found = new Map<string, HintMacro>();
    const users: { name: string; params: string[]; body: string }[] = [];
    for (const name of this.index.names('macro')) {
      const base = BASE_HINT.exec(name);
      if (base) {
        found.set(name, { positions: Array.from({ length: Number(base[1]) }, (_, i) => i + 1), literals: [] });
        continue;
      }
      for (const { def } of this.index.macros(name)) if (def.params && /\bINDIRECT_CALL_\w+\s*\(/.test(def.body)) users.push({ name, params: def.params, body: def.body });
    }
    // grow from the seed until nothing changes: INDIRECT_CALL_INET → INDIRECT_CALL_2, INDIRECT_CALL_L4 → …
    for (let changed = true, round = 0; changed && round < 6; round++) {
      changed = false;
      for (const u of users) {
        for (const call of invocations(u.body)) {
          const inner = found.get(call.name);
          if (!inner || call.name === u.name) continue;
          const h = found.get(u.name) ?? { positions: [], literals: [] };
          const before = h.positions.length + h.literals.length;
          for (const p of inner.positions) {
            const arg = call.args[p]?.replace(/[()&\s]/g, '');
            if (!arg) continue;
            const i = u.params.indexOf(arg);
            if (i >= 0) {
              if (!h.positions.includes(i)) h.positions.push(i);
            } else if (/^[a-z_]\w*$/.test(arg) && !h.literals.includes(arg)) h.literals.push(arg);
          }
          for (const l of inner.literals) if (!h.literals.includes(l)) h.literals.push(l);
          if (h.positions.length + h.literals.length !== before) {
            found.set(u.name, h);
            changed = true;
          }
        }
      }
    }
    this.hintMacros = found;
    return found;
  }
}

/** Every `NAME(args…)` in a macro body whose name is an INDIRECT_CALL wrapper candidate, with its top-level arguments. */
function invocations(body: string): { name: string; args: string[] }[] {
  const out: { name: string; args: string[] }[] = [];
  const re = /\b([A-Za-z_]\w*)\s*\(/g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    const args: string[] = [];
    let cur = start;
    for (; i < body.length && depth > 0; i++) {
      const ch = body[i];
      if (ch === '(') depth++;
      else if (ch === ')') depth--;
      else if (ch === ',' && depth === 1) {
        args.push(body.slice(cur, i).trim());
        cur = i + 1;
      }
    }
    if (depth === 0) {
      args.push(body.slice(cur, i - 1).trim());
      out.push({ name: m[1], args });
    }
  }
  return out;
}

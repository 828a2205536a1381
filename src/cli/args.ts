/** A small argv parser: positionals, repeatable `--flag value`, boolean `--flag`. */
export interface ParsedArgs {
  positional: string[];
  /** Every value given to a flag, in order (`--include a --include b`). */
  values: Map<string, string[]>;
  booleans: Set<string>;
}

export class UsageError extends Error {}

/** `valueFlags` take a value; every other `--x` is boolean. Unknown flags are rejected by the caller. */
export function parseArgs(argv: readonly string[], valueFlags: ReadonlySet<string>): ParsedArgs {
  const out: ParsedArgs = { positional: [], values: new Map(), booleans: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (valueFlags.has(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      const list = out.values.get(name) ?? [];
      list.push(v);
      out.values.set(name, list);
    } else {
      if (eq > 0) throw new UsageError(`--${name} takes no value`);
      out.booleans.add(name);
    }
  }
  return out;
}

export function lastValue(args: ParsedArgs, name: string): string | undefined {
  const v = args.values.get(name);
  return v ? v[v.length - 1] : undefined;
}

export function numberFlag(args: ParsedArgs, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const raw = lastValue(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in [${min}, ${max}], got '${raw}'`);
  return n;
}

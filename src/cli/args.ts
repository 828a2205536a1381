/** A small argv parser (positionals, repeatable `--flag value`, boolean `--flag`) and the one flag
 *  validator: each command declares what its value flags hold and how many positionals it takes,
 *  and every flag is checked before any work starts, one line per problem. */
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

// ── declarations ────────────────────────────────────────────────────────────
/** What a value flag holds. Flags a command lists in `valueFlags` without a spec are free text. */
export type FlagSpec =
  | { type: 'int'; min: number; max: number }
  | { type: 'number'; min: number; max: number }
  /** 1–65535, or 0 for "any free port". */
  | { type: 'port' }
  | { type: 'choice'; values: readonly string[]; noun?: string }
  | { type: 'text'; nonEmpty?: boolean };

export const int = (min: number, max: number): FlagSpec => ({ type: 'int', min, max });
export const num = (min: number, max: number): FlagSpec => ({ type: 'number', min, max });
export const PORT: FlagSpec = { type: 'port' };
export const choice = (values: readonly string[], noun?: string): FlagSpec => ({ type: 'choice', values, noun });
export const TEXT: FlagSpec = { type: 'text', nonEmpty: true };

/** Positional arguments: their names for messages (`<tree>`, `<function>`), how many are required. */
export interface PositionalSpec {
  names: readonly string[];
  /** Default: all of them. */
  required?: number;
}

export interface ArgsSpec {
  flags?: Readonly<Record<string, FlagSpec>>;
  positionals?: PositionalSpec;
}

const DECIMAL_INT = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The value of one flag checked against its spec; the number for numeric specs. */
export function checkFlag(name: string, raw: string, spec: FlagSpec): string | number {
  const bad = (what: string) => new UsageError(`--${name} must be ${what}, got '${raw}'`);
  switch (spec.type) {
    case 'port': {
      if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) throw bad('a port number 1-65535 (0: any free port)');
      return Number(raw);
    }
    case 'int': {
      const n = Number(raw);
      if (!DECIMAL_INT.test(raw) || !Number.isSafeInteger(n) || n < spec.min || n > spec.max) throw bad(`a whole number in [${spec.min}, ${spec.max}]`);
      return n;
    }
    case 'number': {
      const n = Number(raw);
      if (!DECIMAL.test(raw) || !Number.isFinite(n) || n < spec.min || n > spec.max) throw bad(`a number in [${spec.min}, ${spec.max}]`);
      return n;
    }
    case 'choice':
      if (!spec.values.includes(raw)) throw new UsageError(`unknown ${spec.noun ?? '--' + name} '${raw}' (known: ${spec.values.join(', ')})`);
      return raw;
    case 'text':
      if (spec.nonEmpty && raw.trim() === '') throw new UsageError(`--${name} needs a non-empty value`);
      return raw;
  }
}

/** Every declared flag and the positional count, before the command does anything. */
export function validateArgs(args: ParsedArgs, spec: ArgsSpec): void {
  const flags = new Map(Object.entries(spec.flags ?? {}));
  for (const [name, values] of args.values) {
    const f = flags.get(name);
    if (f) for (const v of values) checkFlag(name, v, f);
  }
  const p = spec.positionals;
  if (!p) return;
  const required = p.required ?? p.names.length;
  if (args.positional.length < required) throw new UsageError(`missing ${p.names.slice(args.positional.length, required).join(' ')}`);
  if (args.positional.length > p.names.length) {
    const extra = args.positional.slice(p.names.length);
    throw new UsageError(`unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((e) => `'${e}'`).join(' ')}${p.names.length ? ` (takes ${p.names.join(' ')})` : ' (takes none)'}`);
  }
}

// ── reading (after validation) ──────────────────────────────────────────────
export function lastValue(args: ParsedArgs, name: string): string | undefined {
  const v = args.values.get(name);
  return v ? v[v.length - 1] : undefined;
}

/** A numeric flag, parsed strictly as decimal (no `0x50`, no empty string). */
export function numberFlag(args: ParsedArgs, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const raw = lastValue(args, name);
  return raw === undefined ? fallback : (checkFlag(name, raw, num(min, max)) as number);
}

/** A whole-number flag (`--count 2.5` is an error, not 2 or 2.5). */
export function intFlag(args: ParsedArgs, name: string, fallback: number, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  const raw = lastValue(args, name);
  return raw === undefined ? fallback : (checkFlag(name, raw, int(min, max)) as number);
}

export function portFlag(args: ParsedArgs, name: string, fallback: number): number {
  const raw = lastValue(args, name);
  return raw === undefined ? fallback : (checkFlag(name, raw, PORT) as number);
}

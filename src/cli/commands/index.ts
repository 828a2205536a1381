// Index and lookup subcommands: index, defs, ops, struct, callees, callers.
import type { CliCommand, CliIo } from '../command.ts';
import { printJson } from '../command.ts';
import { TEXT, choice, lastValue, type ArgsSpec, type ParsedArgs } from '../args.ts';
import { withIndex, TREE_BOOLEAN_FLAGS, TREE_FLAG_SPECS, TREE_VALUE_FLAGS } from '../openTree.ts';
import { nearMisses, type DefKind, type KernelIndex } from '../../core/index/model.ts';
import type { IndexSession } from '../../core/index/indexer.ts';
import { derivedOfArgs } from '../derivedTree.ts';
import { completeDerived, saveDerived } from '../../core/map/derivedSession.ts';

/** A command over a tree: the tree flags plus its own; `<tree>` first, then `names`. */
export const treeCommand = (c: Omit<CliCommand, 'valueFlags' | 'booleanFlags' | 'positionals'> & { valueFlags?: string[]; names?: string[]; required?: number; booleanFlags?: string[] }): CliCommand => ({
  ...c,
  valueFlags: [...TREE_VALUE_FLAGS, ...(c.valueFlags ?? [])],
  booleanFlags: [...TREE_BOOLEAN_FLAGS, ...(c.booleanFlags ?? [])],
  flags: { ...TREE_FLAG_SPECS, ...c.flags },
  positionals: treePositionals(c.names ?? [], c.required),
});

export function treePositionals(names: string[], required = names.length): ArgsSpec['positionals'] {
  return { names: ['<tree>', ...names], required: 1 + required };
}

export const withTree = withIndex;

/** A one-line error naming near misses, for a function name the index does not know. */
export function unknownName(index: KernelIndex, name: string, kind: DefKind = 'function'): Error {
  const near = nearMisses(name, index.names(kind));
  return new Error(`unknown ${kind} '${name}'${near.length ? `; did you mean ${near.join(', ')}?` : ''}`);
}

const index = treeCommand({
  name: 'index',
  booleanFlags: ['no-derived'],
  usage: 'index <tree> [--all] [--include G]… [--exclude G]… [--cache-dir D] [--no-cache] [--no-derived] [--workers N] [--precise] [--json]   (function bodies outside net/ and include/ are read by the lexical tier; --precise: tree-sitter for every body; --no-derived: facts only; queries build the call graph, layers and counters on first use)',
  async run(args, io) {
    return withTree(args, io, (s) => {
      const derived = args.booleans.has('no-derived') ? { rebuilt: [], seconds: 0, saved: false, skipped: true } : deriveAll(args, io, s);
      const c = s.index.counts();
      const st = s.stats;
      const out = {
        kernelVersion: st.kernelVersion,
        files: st.files,
        parsedFiles: st.parsedFiles,
        cachedFiles: st.cachedFiles,
        lexicalFiles: st.lexicalFiles,
        functions: c.functions,
        structs: c.structs,
        opsInstances: c.opsInstances,
        callEdges: c.callEdges,
        macros: c.macros,
        enums: c.enums,
        seconds: Math.round(st.seconds * 1000) / 1000,
        phases: st.phases,
        syntaxErrors: st.syntaxErrors,
        skippedBytes: st.skippedBytes,
        cache: st.cache,
        derived,
        errors: st.errors,
        warnings: st.warnings,
      };
      if (args.booleans.has('json')) printJson(io, out);
      else {
        io.out(
          `Linux ${st.kernelVersion ?? '(version unknown)'} at ${s.tree.root}\n` +
            `  ${st.files} files (${st.parsedFiles} parsed, ${st.cachedFiles} from cache) in ${out.seconds} s\n` +
            `  ${c.functions} functions, ${c.structs} structs/unions, ${c.enums} enums, ${c.macros} macros\n` +
            `  ${c.opsInstances} ops instances, ${c.callEdges} direct call sites\n` +
            `  cache: ${st.cache.path ?? 'off'} (${st.cache.state})\n` +
            `  derived: ${'skipped' in derived ? 'not built (--no-derived)' : derived.rebuilt.length ? `${derived.rebuilt.join(', ')} built in ${derived.seconds} s` : 'call graph, layers, counters and map current'}${derived.saved ? '' : ' (not saved)'}\n` +
            (st.errors.length ? `  ${st.errors.length} files not indexed:\n` + st.errors.slice(0, 20).map((e) => `    ${e.file}: ${e.message}\n`).join('') : '') +
            (st.warnings.length ? `  ${st.warnings.length} warnings (see --json)\n` : ''),
        );
      }
      return 0;
    });
  },
});

/** Builds and saves the derived state (call graph, layers, counter map, map model) beside the facts. */
function deriveAll(args: ParsedArgs, io: CliIo, s: IndexSession): { rebuilt: string[]; seconds: number; saved: boolean; skipped?: true } {
  const t0 = performance.now();
  const log = (line: string) => {
    if (!args.booleans.has('quiet')) io.err(`netstack-atlas: ${line}\n`);
  };
  const store = derivedOfArgs(args, s, log);
  try {
    completeDerived(store, s, log);
    const saved = s.access ? saveDerived(store, s) || !store.rebuilt.length : false;
    return { rebuilt: [...store.rebuilt], seconds: Math.round(performance.now() - t0) / 1000, saved };
  } finally {
    store.close();
  }
}

const KINDS = ['function', 'struct', 'macro', 'enum'];
const defs = treeCommand({
  name: 'defs',
  usage: 'defs <tree> [--kind function|struct|macro|enum] [--name N] [--json]',
  valueFlags: ['kind', 'name'],
  flags: { kind: choice(KINDS, 'kind'), name: TEXT },
  async run(args, io) {
    const kind = lastValue(args, 'kind');
    const name = lastValue(args, 'name');
    return withTree(args, io, (s) => {
      let rows = s.index.defs(kind as DefKind | undefined);
      if (name) rows = rows.filter((r) => r.name === name);
      rows.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
      if (args.booleans.has('json')) printJson(io, rows);
      else io.out(rows.map((r) => `${r.kind.padEnd(8)} ${r.name}  ${r.file}:${r.line}`).join('\n') + (rows.length ? '\n' : ''));
      return 0;
    });
  },
});

const ops = treeCommand({
  name: 'ops',
  usage: 'ops <tree> [--struct proto] [--json]',
  valueFlags: ['struct'],
  flags: { struct: TEXT },
  async run(args, io) {
    const struct = lastValue(args, 'struct');
    return withTree(args, io, (s) => {
      const rows = s.index.opsInstances(struct).map(({ file, def }) => ({ struct: def.struct, name: def.name, file, line: def.line, members: def.members }));
      rows.sort((a, b) => a.struct.localeCompare(b.struct) || a.file.localeCompare(b.file) || a.line - b.line);
      if (args.booleans.has('json')) printJson(io, rows);
      else for (const r of rows) io.out(`struct ${r.struct} ${r.name}  ${r.file}:${r.line}\n` + Object.entries(r.members).map(([k, v]) => `  .${k} = ${v}\n`).join(''));
      return 0;
    });
  },
});

const struct = treeCommand({
  name: 'struct',
  usage: 'struct <tree> <name> [--json]',
  names: ['<name>'],
  async run(args, io) {
    const name = args.positional[1];
    return withTree(args, io, (s) => {
      const hit = s.index.struct(name);
      if (!hit) throw unknownName(s.index, name, 'struct');
      const out = { name, kind: hit.def.kind, file: hit.file, line: hit.def.line, endLine: hit.def.endLine, doc: hit.def.doc, fields: hit.def.fields };
      if (args.booleans.has('json')) printJson(io, out);
      else io.out(`${hit.def.kind} ${name}  ${hit.file}:${hit.def.line}\n` + hit.def.fields.map((f) => `  ${f.type} ${f.name};  // line ${f.line}${f.doc ? ' — ' + f.doc.split('\n')[0] : ''}\n`).join(''));
      return 0;
    });
  },
});

export const indexCommands: CliCommand[] = [index, defs, ops, struct];

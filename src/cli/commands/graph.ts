// Call-graph subcommands: callees, callers (every edge kind), path, layers.
import type { CliCommand } from '../command.ts';
import { printJson } from '../command.ts';
import { UsageError, choice, int, intFlag, lastValue } from '../args.ts';
import { treeCommand } from './index.ts';
import { PRESETS, presetNamed, waypointPath } from '../../core/graph/presets.ts';
import type { CallEdge } from '../../core/graph/types.ts';
import { nearMisses } from '../../core/index/model.ts';
import type { DerivedStore } from '../../core/map/derivedStore.ts';
import { withDerived } from '../derivedTree.ts';

const graphCommand = treeCommand;

const fmtEdge = (e: CallEdge) =>
  `${e.from} → ${e.to}  ${e.file}:${e.line}  (${e.kind}${e.kind === 'direct' ? '' : `/${e.confidence}${e.via ? ' ' + e.via : ''}; evidence ${e.evidence.file}:${e.evidence.line}`})`;

/** A one-line error naming near misses, for a name the tree does not know. */
export function unknownFunction(store: DerivedStore, name: string): Error {
  const near = nearMisses(name, store.functionNames());
  return new Error(`unknown function '${name}'${near.length ? `; did you mean ${near.join(', ')}?` : ''}`);
}

const edgeRow = (e: CallEdge) => ({ from: e.from, to: e.to, kind: e.kind, confidence: e.confidence, file: e.file, line: e.line, evidence: e.evidence, ...(e.via ? { via: e.via } : {}) });

function callCommand(name: 'callees' | 'callers'): CliCommand {
  return graphCommand({
    name,
    usage: `${name} <tree> <function> [--json]   (every kind: direct, ops, pointer, hint, callback, param, macro${name === 'callees' ? '; unresolved indirect calls listed with kind "unresolved"' : ''})`,
    names: ['<function>'],
    async run(args, io) {
      const fn = args.positional[1];
      return withDerived(args, io, ({ store }) => {
        if (!store.knows(fn)) throw unknownFunction(store, fn);
        const g = store.graph();
        const rows: object[] = (name === 'callees' ? g.callees(fn) : g.callers(fn)).map(edgeRow);
        const unresolved = name === 'callees' ? g.unresolvedIn(fn) : [];
        if (args.booleans.has('json')) {
          printJson(io, [...rows, ...unresolved.map((u) => ({ from: u.caller, to: null, kind: 'unresolved', file: u.file, line: u.line, chain: u.chain }))]);
        } else {
          const edges = name === 'callees' ? g.callees(fn) : g.callers(fn);
          io.out(edges.map(fmtEdge).join('\n') + (edges.length ? '\n' : ''));
          for (const u of unresolved) io.out(`${u.caller} → ?  ${u.file}:${u.line}  (unresolved call through ${u.chain.split('|').slice(1).join('->')})\n`);
        }
        return 0;
      });
    },
  });
}

const path = graphCommand({
  name: 'path',
  usage: `path <tree> <from> <to> | --preset ${Object.keys(PRESETS).join('|')} [--max-depth N] [--min-confidence typed|field-name] [--k 3] [--json]`,
  valueFlags: ['preset', 'max-depth', 'min-confidence', 'k'],
  flags: { preset: choice(Object.keys(PRESETS), 'preset'), 'max-depth': int(1, 200), 'min-confidence': choice(['typed', 'field-name']), k: int(1, 20) },
  names: ['<from>', '<to>'],
  required: 0,
  async run(args, io) {
    const preset = lastValue(args, 'preset');
    const named = preset === undefined ? undefined : presetNamed(PRESETS, preset);
    if (preset !== undefined && !named) throw new UsageError(`unknown preset '${preset}' (known: ${Object.keys(PRESETS).join(', ')})`);
    const [, from, to] = args.positional;
    if (named && args.positional.length > 1) throw new UsageError('give <from> <to> or --preset NAME, not both');
    if (!named && (!from || !to)) throw new UsageError('give <from> <to> or --preset NAME');
    const minConfidence = lastValue(args, 'min-confidence');
    const opts = { maxDepth: intFlag(args, 'max-depth', 40, 1, 200), k: intFlag(args, 'k', 3, 1, 20), minConfidence: minConfidence as 'typed' | 'field-name' | undefined };
    return withDerived(args, io, ({ store }) => {
      const waypoints = named ? named.waypoints : [from, to];
      for (const w of waypoints) if (!store.knows(w)) throw unknownFunction(store, w);
      const g = store.graph();
      const r = named ? waypointPath(g, waypoints, opts) : g.path(from, to, opts);
      const out = { ...r, edges: r.edges.map(edgeRow), ...(r.alternatives ? { alternatives: r.alternatives.map((a) => ({ functions: a.functions, edges: a.edges.map(edgeRow) })) } : {}) };
      if (args.booleans.has('json')) printJson(io, out);
      else if (!r.found) io.out(`no path from ${waypoints.join(' → ')} within depth ${opts.maxDepth} (explored to depth ${r.depth})\n`);
      else {
        io.out(r.edges.map(fmtEdge).join('\n') + '\n');
        for (const [i, a] of (r.alternatives ?? []).entries()) io.out(`\nalternative ${i + 1}: ${a.functions.join(' → ')}\n`);
      }
      return r.found ? 0 : 3;
    });
  },
});

const layers = graphCommand({
  name: 'layers',
  usage: 'layers <tree> [--json]',
  async run(args, io) {
    return withDerived(args, io, ({ store }) => {
      const model = store.layers();
      if (args.booleans.has('json')) printJson(io, model);
      else {
        for (const l of model.layers) io.out(`${l.title}: ${l.functions.length} functions\n`);
        io.out(`${model.registrations.length} registrations\n`);
      }
      return 0;
    });
  },
});

export const graphCommands: CliCommand[] = [callCommand('callees'), callCommand('callers'), path, layers];

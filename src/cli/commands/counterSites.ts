// Counter ↔ source subcommands: counter-sites, function-counters, counter-versions.
import { execFileSync } from 'node:child_process';
import type { CliCommand } from '../command.ts';
import { printJson } from '../command.ts';
import { UsageError } from '../args.ts';
import { treeCommand } from './index.ts';
import { withDerived } from '../derivedTree.ts';
import { unknownFunction } from './graph.ts';
import { nearMisses } from '../../core/index/model.ts';
import { readProcfs } from '../../core/metrics/index.ts';

const treeCmd = treeCommand;

const counterSites = treeCmd({
  name: 'counter-sites',
  usage: 'counter-sites <tree> <Group:Name> [--json]   (e.g. Tcp:RetransSegs, TcpExt:ListenOverflows, Ip6:InDiscards)',
  names: ['<Group:Name>'],
  async run(args, io) {
    const counter = args.positional[1];
    if (!/^\w+:\w+$/.test(counter)) throw new UsageError('give the counter as Group:Name, e.g. Tcp:RetransSegs');
    return withDerived(args, io, ({ store }) => {
      const cm = store.counters();
      const info = cm.counters.get(counter);
      if (!info) {
        const near = nearMisses(counter, cm.names());
        throw new Error(`the tree defines no counter '${counter}'${near.length ? `; did you mean ${near.join(', ')}?` : ''}`);
      }
      const sites = cm.counterSites(counter).map((x) => ({ function: x.function, file: x.file, line: x.line, macro: x.macro }));
      const out = { counter, enum: info.enum, mib: info.mib, table: info.table, sites, ...(info.doc ? { doc: info.doc } : {}) };
      if (args.booleans.has('json')) printJson(io, out);
      else {
        io.out(`${counter} = ${info.enum} (net->mib.${info.mib}; ${info.table.name} at ${info.table.file}:${info.table.line})\n`);
        for (const x of sites) io.out(`  ${x.function}  ${x.file}:${x.line}  ${x.macro}\n`);
        if (info.doc) io.out('\n' + info.doc.split('\n').slice(0, 8).join('\n') + '\n');
      }
      return 0;
    });
  },
});

const functionCounters = treeCmd({
  name: 'function-counters',
  usage: 'function-counters <tree> <function> [--json]',
  names: ['<function>'],
  async run(args, io) {
    const fn = args.positional[1];
    return withDerived(args, io, ({ store }) => {
      if (!store.knows(fn)) throw unknownFunction(store, fn);
      const cm = store.counters();
      const rows = cm.functionCounters(fn).map((x) => ({ counter: x.counter, enum: x.enum, line: x.line, macro: x.macro, file: x.file }));
      if (args.booleans.has('json')) printJson(io, rows);
      else io.out(rows.map((r) => `${r.counter}  (${r.enum})  ${r.file}:${r.line}  ${r.macro}`).join('\n') + (rows.length ? '\n' : ''));
      return 0;
    });
  },
});

/** Counter groups that come from SNMP_MIB_ITEM tables (the others are synthesized by proc code). */
const TABLE_GROUPS = new Set(['Ip', 'IpExt', 'Tcp', 'TcpExt', 'Udp', 'UdpLite', 'Ip6', 'Icmp6', 'Udp6', 'UdpLite6', 'MPTcpExt']);

const counterVersions = treeCmd({
  name: 'counter-versions',
  usage: 'counter-versions <tree> [--json]   (counters this host reports that the tree does not define, and the reverse)',
  async run(args, io) {
    return withDerived(args, io, async ({ store, tree: info }) => {
      const cm = store.counters();
      const snap = await readProcfs({ sockets: false });
      const host = new Set<string>();
      for (const [g, values] of Object.entries(snap.groups)) if (TABLE_GROUPS.has(g)) for (const n of Object.keys(values)) host.add(`${g}:${n}`);
      const tree = new Set(cm.names().filter((c) => TABLE_GROUPS.has(c.split(':')[0])));
      let running = '';
      try {
        running = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
      } catch {
        running = 'unknown';
      }
      const out = {
        treeVersion: info.kernelVersion,
        runningKernel: running,
        hostOnly: [...host].filter((c) => !tree.has(c)).sort(),
        treeOnly: [...tree].filter((c) => !host.has(c)).sort(),
        common: [...host].filter((c) => tree.has(c)).length,
        unavailable: snap.unavailable,
      };
      if (args.booleans.has('json')) printJson(io, out);
      else {
        io.out(`tree ${out.treeVersion ?? '?'} vs running ${out.runningKernel}: ${out.common} counters in common\n`);
        io.out(`host only (${out.hostOnly.length}): ${out.hostOnly.join(' ') || '-'}\ntree only (${out.treeOnly.length}): ${out.treeOnly.join(' ') || '-'}\n`);
      }
      return 0;
    });
  },
});

export const counterSiteCommands: CliCommand[] = [counterSites, functionCounters, counterVersions];

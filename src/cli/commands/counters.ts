// `netstack-atlas counters`: one snapshot of the host's network counters (or a remote host's).
import { existsSync } from 'node:fs';
import { TEXT, int, intFlag, lastValue, num, numberFlag, UsageError, type FlagSpec, type ParsedArgs } from '../args.ts';
import { printJson, type CliCommand, type CliIo } from '../command.ts';
import { computeAlerts } from '../../core/metrics/alerts.ts';
import { formatSnapshot } from '../../core/metrics/format.ts';
import { computeRates, type Rates } from '../../core/metrics/rates.ts';
import type { Alert, HostSnapshot } from '../../core/metrics/snapshot.ts';
import { parseSource, takeSnapshot, type SnapshotOptions, type SourceSpec } from '../../core/metrics/source.ts';

/** What --source / --netns / --timeout hold, shared with `watch`. */
export const SOURCE_FLAG_SPECS: Record<string, FlagSpec> = { source: TEXT, netns: int(1, 2 ** 22), timeout: num(0.1, 600) };

/** --source / --netns / --timeout / --no-sockets / --tcp-info, shared with `watch`. */
export function sourceFromArgs(args: ParsedArgs): { spec: SourceSpec; opts: SnapshotOptions } {
  const netnsRaw = lastValue(args, 'netns');
  let netnsPid: number | undefined;
  if (netnsRaw !== undefined) {
    netnsPid = intFlag(args, 'netns', 0, 1, 2 ** 22);
    if (!existsSync(`/proc/${netnsPid}/net`)) throw new UsageError(`--netns ${netnsPid}: no such process (/proc/${netnsPid}/net)`);
  }
  let spec: SourceSpec;
  try {
    spec = parseSource(lastValue(args, 'source'), netnsPid);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const opts: SnapshotOptions = {
    timeoutMs: numberFlag(args, 'timeout', 5, 0.1, 600) * 1000,
    sockets: !args.booleans.has('no-sockets'),
    tcpInfo: args.booleans.has('tcp-info'),
  };
  return { spec, opts };
}

/** The JSON contract of `counters --json`. */
export function snapshotJson(s: HostSnapshot, alerts: Alert[], rates: Rates | null): Record<string, unknown> {
  return {
    source: s.source,
    time: s.time,
    groups: s.groups,
    devices: s.devices,
    softnet: s.softnet,
    sockstat: s.sockstat,
    conntrack: s.conntrack,
    sockets: s.sockets,
    alerts,
    rates: rates ? { dt: rates.dt, perSec: rates.perSec, resets: rates.resets } : null,
    unavailable: s.unavailable,
    notes: s.notes,
  };
}

export const countersCommand: CliCommand = {
  name: 'counters',
  usage:
    'counters [--source procfs|<node_exporter URL>|prometheus:<URL>#<selector>] [--netns PID] [--window S] [--timeout S] [--no-sockets] [--tcp-info] [--json]   live network counters of this host or another',
  valueFlags: ['source', 'netns', 'window', 'timeout'],
  booleanFlags: ['no-sockets', 'tcp-info'],
  flags: { ...SOURCE_FLAG_SPECS, window: num(0, 3600) },
  positionals: { names: [] },
  async run(args: ParsedArgs, io: CliIo): Promise<number> {
    const { spec, opts } = sourceFromArgs(args);
    const window = numberFlag(args, 'window', 0, 0, 3600);
    let rates: Rates | null = null;
    let snap: HostSnapshot;
    if (window > 0) {
      const first = await takeSnapshot(spec, { ...opts, sockets: false });
      await new Promise((r) => setTimeout(r, window * 1000));
      snap = await takeSnapshot(spec, opts);
      rates = computeRates(first, snap);
    } else {
      snap = await takeSnapshot(spec, opts);
    }
    const alerts = computeAlerts(snap, rates);
    if (args.booleans.has('json')) printJson(io, snapshotJson(snap, alerts, rates));
    else io.out(formatSnapshot(snap, alerts, rates));
    return 0;
  },
};

export const countersCommands: CliCommand[] = [countersCommand];

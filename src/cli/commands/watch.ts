// `netstack-atlas watch`: a live view of the main counters with rates. Redraws in place on a TTY,
// prints one line per tick otherwise (or one JSON object per line with --json). Stops on Ctrl-C,
// or after --count N ticks (failed ticks count too). A failing source is retried with a growing pause;
// a --netns process that exits ends the watch with one line.
import { int, intFlag, lastValue, num, numberFlag, type ParsedArgs } from '../args.ts';
import type { CliCommand, CliIo } from '../command.ts';
import { formatAlerts, formatSockets, fmtNum, sparkline, WATCH_KEYS } from '../../core/metrics/format.ts';
import { flattenGauges } from '../../core/metrics/rates.ts';
import { Sampler, type Sample } from '../../core/metrics/sampler.ts';
import { takeSnapshot } from '../../core/metrics/source.ts';
import { SOURCE_FLAG_SPECS, sourceFromArgs } from './counters.ts';
import { NetnsGone } from '../../core/metrics/procfsSource.ts';

export function renderScreen(s: Sample, sampler: Sampler): string {
  const snap = s.snapshot;
  const lines: string[] = [];
  lines.push(`Netstack Atlas — ${snap.source} — ${new Date(snap.time).toISOString()} — every ${sampler.intervalMs / 1000}s (Ctrl-C to stop)`);
  lines.push('');
  for (const [key, label] of WATCH_KEYS) {
    const rate = s.rates?.perSec[key];
    const hist = sampler.history.get(key).values;
    lines.push(`${label.padEnd(20)} ${(rate === undefined ? '-' : fmtNum(rate) + '/s').padStart(10)}  ${sparkline(hist, 40)}`);
  }
  for (const [name, d] of Object.entries(snap.devices)) {
    const rx = s.rates?.perSec[`dev:${name}:rx_bytes`];
    const tx = s.rates?.perSec[`dev:${name}:tx_bytes`];
    lines.push(`${('dev ' + name).padEnd(20)} rx ${fmtNum(rx)} B/s  tx ${fmtNum(tx)} B/s  drops ${fmtNum(d.rx_drop)}/${fmtNum(d.tx_drop)}`);
  }
  const g = flattenGauges(snap);
  lines.push('');
  lines.push(`TCP established ${fmtNum(g['Tcp:CurrEstab'])}   sockets in use ${fmtNum(g['sockstat:sockets:used'])}   TIME-WAIT ${fmtNum(g['sockstat:TCP:tw'])}   orphans ${fmtNum(g['sockstat:TCP:orphan'])}   conntrack ${snap.conntrack ? `${snap.conntrack.count}/${snap.conntrack.max ?? '?'}` : 'n/a'}`);
  lines.push(...formatSockets(s.sockets).map((l) => (s.socketsAgeMs ? l.replace(/^Sockets  /, `Sockets (${Math.round(s.socketsAgeMs / 1000)}s ago)`) : l)));
  if (s.alerts.length) lines.push('', 'Alerts', ...formatAlerts(s.alerts));
  if (snap.unavailable.length) lines.push('', 'Unavailable: ' + snap.unavailable.map((u) => u.part).join(', '));
  return lines.join('\n') + '\n';
}

export function renderLine(s: Sample): string {
  const t = new Date(s.snapshot.time).toISOString();
  if (!s.rates) return `${t} first sample (rates from the next one on)\n`;
  const parts = WATCH_KEYS.filter(([k]) => s.rates!.perSec[k] !== undefined).map(([k]) => `${k}=${fmtNum(s.rates!.perSec[k])}/s`);
  const estab = s.snapshot.groups.Tcp?.CurrEstab;
  return `${t} ${parts.join(' ')} Tcp:CurrEstab=${fmtNum(estab)} alerts=${s.alerts.length}\n`;
}

const fmtSeconds = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`);

export const watchCommand: CliCommand = {
  name: 'watch',
  usage:
    'watch [--interval S] [--count N] [--full-every N] [--source …] [--netns PID] [--json]   live view of the main counters with rates (Ctrl-C stops)',
  valueFlags: ['interval', 'count', 'full-every', 'source', 'netns', 'timeout'],
  booleanFlags: ['no-sockets', 'tcp-info'],
  flags: { ...SOURCE_FLAG_SPECS, interval: num(0.05, 3600), count: int(0, 1e9), 'full-every': int(0, 1e6) },
  positionals: { names: [] },
  async run(args: ParsedArgs, io: CliIo): Promise<number> {
    const { spec, opts } = sourceFromArgs(args);
    const interval = numberFlag(args, 'interval', 1, 0.05, 3600);
    const count = intFlag(args, 'count', 0, 0, 1e9);
    // Without --full-every the socket table is dumped as often as a 1 % CPU budget allows.
    const fullEvery = lastValue(args, 'full-every') === undefined ? undefined : intFlag(args, 'full-every', 10, 0, 1e6);
    const json = args.booleans.has('json');
    const sockets = opts.sockets !== false;
    const sampler = new Sampler({
      intervalMs: interval * 1000,
      fullEvery,
      take: (full) => takeSnapshot(spec, { ...opts, sockets: sockets && full }),
    });
    const tty = io.isTTY && !json;
    let ticks = 0;
    let samples = 0;
    let errors = 0;
    let lastError = '';
    return await new Promise<number>((resolve) => {
      const finish = (code: number) => {
        sampler.stop();
        process.removeListener('SIGINT', onSigint);
        process.removeListener('SIGTERM', onSigint);
        if (tty) (io.control ?? io.out)('\x1b[?25h');
        resolve(code);
      };
      const onSigint = () => finish(errors > 0 && samples === 0 ? 1 : 0);
      process.once('SIGINT', onSigint);
      process.once('SIGTERM', onSigint);
      sampler.on('sample', (s) => {
        ticks++;
        samples++;
        lastError = '';
        if (json) {
          io.out(JSON.stringify({ seq: s.seq, time: s.snapshot.time, rates: s.rates?.perSec ?? null, alerts: s.alerts, sockets: s.full ? s.sockets : undefined, unavailable: s.snapshot.unavailable }) + '\n');
        } else if (tty) {
          (io.control ?? io.out)('\x1b[?25l\x1b[H\x1b[2J');
          io.out(renderScreen(s, sampler));
        } else {
          io.out(renderLine(s));
        }
        if (count > 0 && ticks >= count) finish(0);
      });
      sampler.on('error', (e) => {
        ticks++;
        errors++;
        // A source that fails on the first tick will not get better, and a namespace whose process
        // exited is gone (its pid may come back as another process): stop with an error.
        if (samples === 0 || e instanceof NetnsGone) {
          io.err(`netstack-atlas watch: ${e.message}${samples ? '; stopping' : ''}\n`);
          return finish(1);
        }
        // The same failure again: one line when it starts, then only when the pause doubles past a power of two.
        const again = e.message === lastError;
        if (!again || (sampler.failures & (sampler.failures - 1)) === 0) {
          io.err(`netstack-atlas watch: ${e.message}${again ? ` (${sampler.failures} failed ticks in a row)` : ''}; retrying in ${fmtSeconds(sampler.retryInMs)}\n`);
        }
        lastError = e.message;
        if (count > 0 && ticks >= count) finish(1);
      });
      sampler.start();
    });
  },
};

export const watchCommands: CliCommand[] = [watchCommand];

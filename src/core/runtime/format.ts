// Readable text of the profile and drops reports (what `perf report` / `nstat` users expect): top
// functions per layer with file:line, the run-time path, the static graph's verdict, drops per reason
// with the dropping lines.
import { LAYER_ORDER, LAYER_TITLES } from '../graph/types.ts';
import type { DropsReport, ProfileReport } from './join.ts';

const n = (x: number) => x.toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)} %`;

/** `1.2k/s` style rates for hovers and lenses. */
export function rateText(count: number, seconds: number): string {
  const r = seconds > 0 ? count / seconds : count;
  return r >= 1e6 ? `${(r / 1e6).toFixed(1)}M/s` : r >= 1e3 ? `${(r / 1e3).toFixed(1)}k/s` : `${r >= 10 ? Math.round(r) : r.toFixed(1)}/s`;
}

function header(r: { kernelRelease: string; treeVersion: string | null; seconds: number }): string {
  return `Linux ${r.kernelRelease} (running) · tree ${r.treeVersion ?? '?'} · ${r.seconds} s`;
}

export function formatProfile(r: ProfileReport, top = 10): string {
  const out: string[] = [];
  const base = r.treeSamples || 1;
  out.push(`${header(r)} · ${n(r.samples)} samples, ${n(r.kernelSamples)} in the kernel, ${n(r.treeSamples)} in the network stack (${pct(r.treeSamples / Math.max(1, r.samples)).trim()})`);
  for (const layer of LAYER_ORDER) {
    const fns = r.functions.filter((f) => f.layer === layer).slice(0, top);
    if (!fns.length) continue;
    out.push('', LAYER_TITLES[layer]);
    const w = Math.max(...fns.map((f) => f.name.length));
    for (const f of fns) out.push(`  ${pct(f.samples / base)}  ${f.name.padEnd(w)}  ${f.file}:${f.line}${f.self ? `  (self ${pct(f.self / base).trim()})` : ''}`);
  }
  if (r.hotPath.length) out.push('', `Run-time path: ${r.hotPath.join(' → ')}`);
  const e = r.explained;
  if (e.pairs) {
    out.push('', `Static graph: ${pct(e.share).trim()} of ${n(e.pairs)} observed in-tree calls explained (${pct(e.sampleShare).trim()} of their samples; ${n(e.direct)} by an edge, ${n(e.paths)} by a path of ≤ 4)`);
    if (e.unexplained.length) {
      out.push(`Seen at run time, not in the source graph (${n(e.unexplained.length)}):`);
      for (const u of e.unexplained.slice(0, top * 2)) out.push(`  ${u.from} → ${u.to}  ${n(u.samples)} samples`);
      if (e.unexplained.length > top * 2) out.push(`  … ${n(e.unexplained.length - top * 2)} more (--json lists all)`);
    }
  }
  if (r.notInTree.length) out.push('', `Not in the tree: ${n(r.notInTree.length)} functions (${r.notInTree.slice(0, 8).map((f) => `${f.name} ${n(f.samples)}`).join(', ')}${r.notInTree.length > 8 ? ', …' : ''})`);
  for (const note of r.notes) out.push(`note: ${note}`);
  return out.join('\n') + '\n';
}

export function formatDrops(r: DropsReport): string {
  const out: string[] = [];
  out.push(`${header(r)} · ${n(r.total)} drops${r.keepEvery > 1 ? ` (call chains of every ${r.keepEvery}th kept: ${n(r.sampled)})` : ''} · reason names from the ${r.reasonNames === 'none' ? 'numbers' : r.reasonNames}`);
  for (const reason of r.reasons) {
    out.push('', `${reason.reason}  ${n(reason.count)}  (${rateText(reason.count, r.seconds)})${reason.doc ? `  ${reason.doc}` : ''}`);
    for (const l of reason.locations) {
      const where = l.file ? `${l.file}:${l.line}${l.lines.length > 1 ? ` (also ${l.lines.slice(1).join(', ')})` : ''}${l.layer ? `  [${l.layer}]` : ''}` : 'not in the tree';
      out.push(`  ${`${l.function}${l.offset ? '+' + l.offset : ''}`.padEnd(34)} ${n(l.count).padStart(9)}  ${where}`);
    }
  }
  if (!r.reasons.length) out.push('', 'no drops recorded');
  for (const note of r.notes) out.push(`note: ${note}`);
  return out.join('\n') + '\n';
}

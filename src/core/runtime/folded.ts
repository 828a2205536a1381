// FlameGraph's folded format (`root;…;leaf count` per line): the export of a recording's stacks, and
// an input too (`--from out.folded`), so stacks from any collector can be joined with the tree.
import { emptyRecording, type PerfRecording } from './perfScript.ts';

/** Folded text, hottest stack first (ties by name, so output is stable). */
export function toFolded(stacks: Map<string, number>): string {
  return [...stacks].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([s, n]) => `${s} ${n}`).join('\n') + (stacks.size ? '\n' : '');
}

/** Whether text looks folded (first non-empty line is `frames count`) rather than `perf script` output. */
export function looksFolded(head: string): boolean {
  const first = head.split('\n').find((l) => l.trim());
  return !!first && /^[^\s;][^\n]*\s\d+$/.test(first.trimEnd()) && !/^\S+\s+\d+(\/\d+)?\s+(\[\d+\]\s+)?\d+\.\d+:/.test(first);
}

/** Folded text → a recording of stack samples (lines that do not parse are counted as malformed). */
export function parseFolded(text: string): PerfRecording {
  const rec = emptyRecording();
  for (const line of text.split('\n')) {
    rec.lines++;
    const l = line.trimEnd();
    if (!l) continue;
    const sp = l.lastIndexOf(' ');
    const n = Number(l.slice(sp + 1));
    if (sp <= 0 || !Number.isSafeInteger(n) || n <= 0) {
      rec.malformed++;
      continue;
    }
    const stack = l.slice(0, sp).trim();
    rec.samples += n;
    rec.kernelSamples += n;
    rec.frames += n * (stack.split(';').length);
    rec.stacks.set(stack, (rec.stacks.get(stack) ?? 0) + n);
  }
  rec.bytes = text.length;
  return rec;
}

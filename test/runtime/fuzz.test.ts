// 10,000+ garbage, truncated and mutated `perf script` inputs: no exception escapes, the counts stay
// consistent, and the joined reports are still produced. Seeded, so a failure reproduces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerfScriptReader } from '../../src/core/runtime/perfScript.ts';
import { parseFolded } from '../../src/core/runtime/folded.ts';
import { parseFormatReasons } from '../../src/core/runtime/dropReasons.ts';
import { samplePerf } from './helpers.ts';
import { seededRandom } from '../helpers.ts';

const rng = seededRandom;

const PIECES = ['\n', '\n\n', '\t', ' ', ':', 'skb:kfree_skb:', 'cpu-clock:', ' location=', ' reason: ', '0x', 'ffffffff81000000', ' ([kernel.kallsyms])', ' ([unknown])', '[unknown]', '+0x1f', '(', ')', '/', '123.456:', '[000]', '\u0000', '\r', 'é', '\uFFFD', ';', ' 4242 '];

function mutate(r: () => number, base: string): string {
  const kind = Math.floor(r() * 6);
  const cut = (s: string) => s.slice(0, Math.floor(r() * s.length));
  switch (kind) {
    case 0: // truncated at a random point
      return cut(base);
    case 1: { // random pieces
      let s = '';
      const n = Math.floor(r() * 200);
      for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)];
      return s;
    }
    case 2: { // lines shuffled
      const lines = base.split('\n');
      for (let i = lines.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [lines[i], lines[j]] = [lines[j], lines[i]];
      }
      return lines.join('\n');
    }
    case 3: { // bytes flipped
      const a = [...base];
      const n = 1 + Math.floor(r() * 40);
      for (let i = 0; i < n; i++) a[Math.floor(r() * a.length)] = String.fromCharCode(Math.floor(r() * 0x3000));
      return a.join('');
    }
    case 4: // a line repeated, cut midway
      return cut(base).split('\n').map((l) => (r() < 0.2 ? l + l : l)).join('\n');
    default: // random bytes as latin1
      return Buffer.from(Array.from({ length: Math.floor(r() * 500) }, () => Math.floor(r() * 256))).toString('latin1');
  }
}

test('10,000 garbage/truncated perf script inputs: no exception, consistent counts', () => {
  const r = rng(0x5eed);
  let records = 0;
  for (let i = 0; i < 10_000; i++) {
    const text = mutate(r, samplePerf);
    const reader = new PerfScriptReader({ maxStacks: 50 });
    const bytes = Buffer.from(text);
    // random chunking, as bytes (split UTF-8) half the time
    let at = 0;
    try {
      while (at < bytes.length) {
        const n = 1 + Math.floor(r() * 300);
        if (i % 2) reader.push(bytes.subarray(at, at + n));
        else reader.push(text.slice(at, at + n));
        at += n;
      }
      const rec = reader.end();
      let folded = 0;
      for (const v of rec.stacks.values()) folded += v;
      assert.ok(rec.kernelSamples <= rec.samples, `input ${i}`);
      assert.ok(folded + rec.overflow >= rec.kernelSamples && folded <= rec.kernelSamples, `input ${i}`);
      assert.ok(rec.dropSampled <= rec.dropRecords && rec.dropRecords <= rec.dropTotal, `input ${i}`);
      assert.ok(rec.unknownFrames <= rec.frames);
      records += rec.samples + rec.dropRecords;
      parseFolded(text);
      parseFormatReasons(text);
    } catch (e) {
      assert.fail(`input ${i} (${JSON.stringify(text.slice(0, 120))}…): ${(e as Error).stack}`);
    }
  }
  assert.ok(records > 10_000, `the mutations still hold records (${records})`);
});

// `serve` keeps the last run-time recording for the pages that come later: a second page gets the
// overlay after its model, a page whose event stream reconnects gets it again, and a page that has
// not asked for its model yet does not get it ahead of map/init (which would clear it). One real
// 1 s recording (perf as root; skipped otherwise, saying which).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFixtureTree } from '../helpers.ts';
import { startServe, events, post, type Serve } from '../serveClient.ts';

const hasPerf = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v perf'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip = process.getuid?.() !== 0 ? 'needs root (perf records system-wide)' : !hasPerf ? 'needs perf (apt install linux-perf)' : false;

let s: Serve | undefined;
before(async () => {
  if (!skip) s = await startServe(copyFixtureTree());
});
after(() => s?.stop());

/** A message within a bound (a missing one fails the test instead of hanging it). */
async function within<T>(what: string, p: Promise<T>, ms = 20_000): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`no ${what} within ${ms / 1000} s`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

type Overlay = { type: 'runtime/overlay'; samples: number; seconds: number; kernelRelease: string };

test('the last overlay: to a second page after its model, again on a reconnect, never ahead of map/init', { skip, timeout: 120_000 }, async () => {
  const a = await events(s!, 'runtimepageA');
  assert.equal((await post(s!, 'runtimepageA', { type: 'map/ready' })).status, 204);
  assert.equal((await a.next()).type, 'map/init');
  assert.equal((await a.next('live/sample')).type, 'live/sample');
  // nothing to resend before a recording
  const early = await events(s!, 'runtimepageE');
  assert.equal((await post(s!, 'runtimepageE', { type: 'map/ready' })).status, 204);
  assert.deepEqual([(await early.next()).type, (await early.next()).type], ['map/init', 'live/sample']);
  early.close();

  assert.equal((await post(s!, 'runtimepageA', { type: 'runtime/record', id: 1, seconds: 1, mode: 'stacks' })).status, 204);
  const first = (await within('overlay from the recording', a.next('runtime/overlay'), 60_000)) as unknown as Overlay;
  assert.ok(first.samples > 0, 'samples recorded');

  // a second page: its model first, then the same overlay (the map's init would clear one sent before)
  const b = await events(s!, 'runtimepageB');
  assert.equal((await post(s!, 'runtimepageB', { type: 'map/ready' })).status, 204);
  const seen: string[] = [];
  let again: Overlay | undefined;
  while (!again) {
    const m = await within('overlay for the second page', b.next());
    seen.push(m.type);
    if (m.type === 'runtime/overlay') again = m as unknown as Overlay;
  }
  assert.equal(seen[0], 'map/init', seen.join(' '));
  assert.deepEqual([again.samples, again.seconds, again.kernelRelease], [first.samples, first.seconds, first.kernelRelease]);

  // page A's stream drops and reconnects with the same id: the overlay comes back without asking
  a.close();
  await new Promise((r) => setTimeout(r, 100));
  const a2 = await events(s!, 'runtimepageA');
  const back = (await within('overlay on the reconnected stream', a2.next())) as unknown as Overlay;
  assert.equal(back.type, 'runtime/overlay');
  assert.equal(back.samples, first.samples);

  // a page that opened its stream but has not sent map/ready gets nothing ahead of its model
  const c = await events(s!, 'runtimepageC');
  assert.equal((await post(s!, 'runtimepageC', { type: 'map/ready' })).status, 204);
  assert.equal((await c.next()).type, 'map/init');
  for (const x of [a2, b, c]) x.close();
});

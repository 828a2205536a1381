// The hosts' controller (serve and the VS Code panel share it): perf only on record(), status while
// recording, the overlay after, one recording at a time, dispose() kills perf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeController } from '../../src/core/map/runtimeController.ts';
import type { ToWebview } from '../../src/core/map/protocol.ts';
import type { JoinContext } from '../../src/core/runtime/join.ts';
import { fakeDeps, fakeRunner, samplePerf } from './helpers.ts';

const ctx: JoinContext = {
  index: { functions: (n) => (['__udp4_lib_rcv', 'udp_sendmsg', 'ip_output', 'sys_sendto'].includes(n) ? [{ file: 'net/ipv4/udp.c', def: { line: 10, startLine: 9, endLine: 20 } }] : []), kernelVersion: '6.1.0' },
  layers: { layers: [{ id: 'protocol', title: 'Network protocols', functions: ['__udp4_lib_rcv', 'udp_sendmsg'].map((name) => ({ name, file: 'net/ipv4/udp.c', line: 10, rule: 'in net/ipv4/udp.c' })) }], registrations: [] },
  graph: undefined,
  readFile: () => undefined,
  reasons: { names: new Map(), docs: new Map(), source: 'none' },
  kernelRelease: '6.1.0',
};

test('record: status recording → analysing → overlay → done; nothing before the user asks', async () => {
  const posted: ToWebview[] = [];
  let started = 0;
  const runner = fakeRunner({ chunks: [samplePerf.slice(0, 900), samplePerf.slice(900)], seen: () => started++ });
  const c = new RuntimeController({ deps: fakeDeps(runner), context: () => ctx, post: (m) => posted.push(m), statusEveryMs: 0 });
  assert.equal(started, 0);
  const r = await c.record(5, 'both');
  assert.equal(started, 1);
  const kinds = posted.map((m) => (m.type === 'runtime/status' ? m.state : m.type));
  assert.equal(kinds[0], 'recording');
  assert.ok(kinds.includes('analysing'));
  assert.deepEqual(kinds.slice(-2), ['runtime/overlay', 'done']);
  const o = posted.find((m) => m.type === 'runtime/overlay');
  assert.ok(o && o.type === 'runtime/overlay' && o.drops['fn:__udp4_lib_rcv']);
  assert.equal(r?.drops?.total, 4);
  const done = posted.at(-1)!;
  assert.ok(done.type === 'runtime/status' && /6 samples.*4 drops/.test(done.message ?? ''));
});

test('a failure is one status line; a second record while busy is refused; dispose kills perf', async () => {
  const posted: ToWebview[] = [];
  const missing = new RuntimeController({ deps: fakeDeps(fakeRunner({ record: { code: null, signal: null, error: 'ENOENT' } })), context: () => ctx, post: (m) => posted.push(m) });
  await missing.record(5, 'stacks');
  const last = posted.at(-1)!;
  assert.ok(last.type === 'runtime/status' && last.state === 'error' && /apt install linux-perf/.test(last.message!));

  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let kills = 0;
  const slow = {
    start: () => ({
      output: (async function* () {
        await gate;
        yield samplePerf;
      })(),
      done: gate.then(() => ({ record: { code: null, signal: 'SIGKILL' }, script: { code: 0, signal: null }, recordStderr: '', scriptStderr: '' })),
      stop() {},
      kill() {
        kills++;
        release();
      },
    }),
  };
  const busyPosts: ToWebview[] = [];
  const c = new RuntimeController({ deps: fakeDeps(slow), context: () => ctx, post: (m) => busyPosts.push(m) });
  const first = c.record(10, 'both');
  await new Promise((r) => setImmediate(r));
  assert.equal(c.busy, true);
  assert.equal(await c.record(10, 'both'), undefined);
  assert.ok(busyPosts.some((m) => m.type === 'runtime/status' && /already running/.test(m.message ?? '')));
  c.dispose();
  assert.equal(kills, 1);
  assert.equal(await first, undefined, 'a disposed host posts no result');
});

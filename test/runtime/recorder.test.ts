// The recorder with perf played by a scripted runner: every privilege and bad-input condition of the
// issue gives one line naming the fix, keeps what was recorded, removes its temp dir, never hangs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Recorder, perfArgs } from '../../src/core/runtime/recorder.ts';
import { joinProfile } from '../../src/core/runtime/join.ts';
import { versionNote } from '../../src/core/runtime/diagnose.ts';
import { fakeDeps, fakeRunner, samplePerf } from './helpers.ts';

const rec = (deps: ReturnType<typeof fakeDeps>, mode: 'stacks' | 'drops' | 'both' = 'both') => new Recorder(deps).record({ mode, seconds: 2 });

test('perf arguments: no shell, pinned fields, -- sleep N, filters', () => {
  const a = perfArgs({ mode: 'both', seconds: 10, frequency: 1000 });
  assert.deepEqual(a.record.slice(0, 2), ['record', '-o']);
  assert.ok(a.record.includes('cpu-clock/period=1000000/') && a.record.includes('skb:kfree_skb') && a.record.includes('-a') && a.record.includes('-g'));
  assert.deepEqual(a.record.slice(-3), ['--', 'sleep', '10']);
  assert.deepEqual(a.script.slice(0, 5), ['script', '-i', '-', '-F', 'comm,pid,tid,cpu,time,period,event,trace,ip,sym,symoff,dso']);
  const p = perfArgs({ mode: 'drops', seconds: 3, pids: [12, 34], cgroup: 'net/app' });
  assert.ok(!p.record.includes('-a') && p.record.join(' ').includes('--pid 12,34') && p.record.join(' ').includes('-G net/app'));
  assert.ok(!p.record.some((x) => x.startsWith('cpu-clock')));
});

test('a normal recording: counts, temp dir used as cwd and removed', async () => {
  let cwd: string | undefined;
  const deps = fakeDeps(fakeRunner({ chunks: [samplePerf.slice(0, 500), samplePerf.slice(500)], seen: (_r, _s, c) => (cwd = c) }));
  const r = await rec(deps);
  assert.equal(r.problem, undefined);
  assert.equal(r.recording.samples, 6);
  assert.equal(r.recording.dropTotal, 4);
  assert.ok(cwd?.startsWith('/tmp/netstack-atlas-perf-'));
  assert.deepEqual(deps.removed, [cwd]);
});

test('perf not installed: names the package', async () => {
  const deps = fakeDeps(fakeRunner({ record: { code: null, signal: null, error: 'ENOENT' } }));
  const r = await rec(deps);
  assert.equal(r.problem?.code, 'perf-missing');
  assert.match(r.problem!.message, /apt install linux-perf/);
  assert.equal(r.problem!.message.split('\n').length, 1);
  assert.equal(deps.removed.length, 1, 'temp dir removed on failure too');
});

test('not permitted: names perf_event_paranoid, CAP_PERFMON and root', async () => {
  const deps = fakeDeps(fakeRunner({ record: { code: 255, signal: null }, recordStderr: 'Error:\nAccess to performance monitoring and observability operations is limited.\nConsider adjusting /proc/sys/kernel/perf_event_paranoid setting\n' }), { isRoot: false, files: { '/proc/sys/kernel/perf_event_paranoid': '3\n' } });
  const r = await rec(deps);
  assert.equal(r.problem?.code, 'not-permitted');
  assert.match(r.problem!.message, /perf_event_paranoid=3.*CAP_PERFMON|CAP_PERFMON.*perf_event_paranoid/);
  assert.match(r.problem!.message, /root/);
});

test('kernel symbols hidden: kptr_restrict named before the run and when frames come back [unknown]', async () => {
  const hidden = samplePerf.replace(/ffffffff([0-9a-f]{8}) [\w.]+\+0x[0-9a-f]+ \(\[kernel\.kallsyms\]\)/g, 'ffffffff$1 [unknown] ([unknown])');
  const deps = fakeDeps(fakeRunner({ chunks: [hidden] }), { files: { '/proc/sys/kernel/kptr_restrict': '2\n' } });
  const r = await rec(deps);
  assert.match(r.notes[0], /kptr_restrict=2.*sysctl -w kernel.kptr_restrict=0/);
  assert.equal(r.problem?.code, 'kptr-restrict');
  assert.ok(r.recording.samples > 0, 'the counts are kept');
});

test('a few [unknown] frames are a note, not a failure', async () => {
  const r = await rec(fakeDeps(fakeRunner({ chunks: [samplePerf] })));
  assert.equal(r.problem, undefined);
  assert.ok(r.notes.some((n) => /\[unknown\].*counted, not placed/.test(n)), r.notes.join('\n'));
});

test('tracepoint missing: drops alone fail with the fix; both falls back to stacks and says so', async () => {
  const stderr = "event syntax error: 'skb:kfree_skb'\n                    \\___ unknown tracepoint\n";
  const d = await rec(fakeDeps(fakeRunner({ record: { code: 129, signal: null }, recordStderr: stderr })), 'drops');
  assert.equal(d.problem?.code, 'tracepoint-missing');
  assert.match(d.problem!.message, /tracefs/);
  let calls = 0;
  const runner = fakeRunner({ chunks: [samplePerf.split('\n\npython3 11203/11203 [001]   428.418000')[0]], record: { code: 0, signal: null } });
  const both = await new Recorder(fakeDeps({
    start(r, s, o) {
      calls++;
      return calls === 1 ? fakeRunner({ record: { code: 129, signal: null }, recordStderr: stderr }).start(r, s, o) : runner.start(r, s, o);
    },
  })).record({ mode: 'both', seconds: 2 });
  assert.equal(calls, 2);
  assert.equal(both.problem, undefined);
  assert.match(both.notes[0], /skb:kfree_skb tracepoint is missing/);
  assert.ok(both.recording.samples > 0);
});

test('perf killed mid-run: partial, said so, what was read is kept', async () => {
  const r = await rec(fakeDeps(fakeRunner({ chunks: [samplePerf.slice(0, 1500)], record: { code: null, signal: 'SIGKILL' } })));
  assert.equal(r.partial, true);
  assert.ok(r.notes.some((n) => /perf was killed \(SIGKILL\)/.test(n)));
  assert.ok(r.recording.samples >= 1);
});

test('zero samples: one line, and it names the filter when one was given', async () => {
  const r = await new Recorder(fakeDeps(fakeRunner({ chunks: [] }))).record({ mode: 'stacks', seconds: 1, pids: [4242] });
  assert.equal(r.problem?.code, 'zero-samples');
  assert.match(r.problem!.message, /--pid/);
  const d = await new Recorder(fakeDeps(fakeRunner({ chunks: [] }))).record({ mode: 'drops', seconds: 1 });
  assert.equal(d.problem, undefined, 'no drops is an answer, not a failure');
  assert.ok(d.notes.some((n) => /no packet was dropped/.test(n)));
});

test('--netns with no process in it: the fix; with processes: recorded as --pid and the limit said', async () => {
  let args: string[] = [];
  const none = await new Recorder(fakeDeps(fakeRunner({}), { pidsInNetns: () => [] })).record({ mode: 'stacks', seconds: 1, netnsPid: 99 });
  assert.equal(none.problem?.code, 'bad-input');
  assert.match(none.problem!.message, /ip netns pids/);
  const some = await new Recorder(fakeDeps(fakeRunner({ chunks: [samplePerf], seen: (r) => (args = r) }), { pidsInNetns: () => [5, 6] })).record({ mode: 'stacks', seconds: 1, netnsPid: 5 });
  assert.ok(args.join(' ').includes('--pid 5,6'));
  assert.ok(some.notes.some((n) => /softirq/.test(n)));
});

test('temp dir unwritable or full: perf still runs without one, and the note names the fix', async () => {
  for (const code of ['EACCES', 'ENOSPC']) {
    let cwd: string | undefined = 'unset';
    const deps = fakeDeps(fakeRunner({ chunks: [samplePerf], seen: (_r, _s, c) => (cwd = c) }), {
      mkdtemp: () => {
        throw Object.assign(new Error(`${code}: mkdtemp`), { code });
      },
    });
    const r = await rec(deps);
    assert.equal(r.problem, undefined);
    assert.equal(cwd, undefined);
    const note = r.notes.find((n) => n.includes('no private temp dir'));
    assert.ok(note, r.notes.join('\n'));
    assert.match(note!, code === 'ENOSPC' ? /disk is full.*TMPDIR/ : /not writable.*TMPDIR/);
    assert.equal(r.recording.samples, 6);
  }
});

test('drop storm: 200,000 drops in 3 s counted exactly, chains sampled every Nth, memory bounded, said so', async () => {
  const N = 200_000;
  function* storm(): Generator<string> {
    let batch = '';
    for (let i = 0; i < N; i++) {
      const t = (100 + (3 * i) / N).toFixed(6);
      batch += `sh 77/77 [001] ${t}: 1 skb:kfree_skb: skbaddr=0xffff888100000000 rx_sk=(nil) protocol=2048 location=__udp4_lib_rcv+0x4bc reason: NO_SOCKET\n\tffffffff81e94fb0 sk_skb_reason_drop+0x90 ([kernel.kallsyms])\n\tffffffff820a7f2c __udp4_lib_rcv+0x4bc ([kernel.kallsyms])\n\tffffffff820a7f00 udp_rcv+0x${(i % 7).toString(16)} ([kernel.kallsyms])\n\n`;
      if (batch.length > 65536) {
        yield batch;
        batch = '';
      }
    }
    yield batch;
  }
  const runner = {
    start: () => ({ output: (async function* () { yield* storm(); })(), done: Promise.resolve({ record: { code: 0, signal: null }, script: { code: 0, signal: null }, recordStderr: '', scriptStderr: '' }), stop() {}, kill() {} }),
  };
  const before = process.memoryUsage().heapUsed;
  const r = await new Recorder(fakeDeps(runner)).record({ mode: 'drops', seconds: 3 });
  const grown = process.memoryUsage().heapUsed - before;
  assert.equal(r.recording.dropTotal, N);
  assert.equal(r.recording.dropRecords, N);
  assert.ok(r.recording.dropKeepEvery >= 16, `every ${r.recording.dropKeepEvery}th chain kept`);
  assert.ok(r.recording.dropSampled < N / 10, `${r.recording.dropSampled} chains kept`);
  assert.equal(r.recording.drops.size, 1);
  assert.ok(r.recording.dropStacks.size <= 1, 'one distinct chain');
  assert.ok(r.notes.some((n) => /drop storm: 200,000 drops; every drop is counted, but only every \d+th drop's call chain was kept/.test(n)), r.notes.join('\n'));
  assert.ok(grown < 64 * 1024 * 1024, `heap grew ${(grown / 1048576).toFixed(1)} MiB for ~45 MB of text`);
});

test('stop() asks perf to stop (SIGINT), kill() kills it; a stopped recording is not called killed', async () => {
  const runner = fakeRunner({ chunks: [samplePerf], record: { code: null, signal: 'SIGINT' } });
  const r = new Recorder(fakeDeps(runner));
  const p = r.record({ mode: 'both', seconds: 10 });
  r.stop();
  const res = await p;
  assert.equal(runner.stops, 1);
  assert.equal(res.partial, false);
  assert.ok(!res.notes.some((n) => /killed/.test(n)));
  const r2 = new Recorder(fakeDeps(runner));
  const p2 = r2.record({ mode: 'both', seconds: 10 });
  r2.kill();
  await p2;
  assert.equal(runner.kills, 1);
});

test('running kernel much newer or older than the tree: said with every result', () => {
  assert.match(versionNote('6.18.44', '6.1.192')!, /newer than the tree \(6\.1\.192\) by several releases/);
  assert.match(versionNote('4.19.0', '6.1.0')!, /older than the tree/);
  assert.equal(versionNote('6.1.55', '6.1.0'), undefined);
  assert.match(versionNote('weird', null)!, /matched by name only/);
  const empty = { samples: 0, kernelSamples: 0, stacks: new Map(), frames: 0, unknownFrames: 0, drops: new Map(), dropTotal: 0, dropRecords: 0, dropSampled: 0, dropStacks: new Map(), dropKeepEvery: 1, firstTime: null, lastTime: null, events: new Set<string>(), lines: 0, bytes: 0, malformed: 0, overflow: 0 };
  const p = joinProfile(empty, 1, { index: { functions: () => [], kernelVersion: '6.1.0' }, layers: undefined, graph: undefined, readFile: () => undefined, reasons: { names: new Map(), docs: new Map(), source: 'none' }, kernelRelease: '7.4.0' });
  assert.ok(p.notes.some((n) => /7\.4\.0 is newer than the tree/.test(n)));
});

// `profile` and `drops` on the command line: the JSON keys of the contract, readable text by
// default, --folded export, and the one-line messages (perf missing for real: a PATH without perf).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.ts';
import { scratch, repoRoot } from '../helpers.ts';
import { fixtures, runtimeTree } from './helpers.ts';

const sample = join(fixtures, 'sample.perf.txt');

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), isTTY: false });
  return { code, out, err };
}

const keys = (o: object) => Object.keys(o).sort();

test('profile --from --json: the contract keys', async () => {
  const dir = scratch();
  const folded = join(dir, 'out.folded');
  const r = await cli(['profile', runtimeTree, '--from', sample, '--json', '--no-cache', '--quiet', '--folded', folded]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  for (const k of ['kernelRelease', 'treeVersion', 'seconds', 'samples', 'functions', 'edges', 'notInTree']) assert.ok(k in j, `missing ${k}`);
  assert.equal(j.treeVersion, '6.1.0');
  assert.equal(j.samples, 6);
  for (const f of j.functions) assert.deepEqual(keys(f), ['file', 'layer', 'line', 'name', 'samples', 'self']);
  for (const e of j.edges) {
    assert.ok(['from', 'to', 'samples'].every((k) => k in e));
    if ('static' in e && e.static !== null) assert.ok(typeof e.static.kind === 'string' && Number.isInteger(e.static.hops));
  }
  assert.ok(j.edges.some((e: { static?: unknown }) => !('static' in e)), 'static absent when an end is not in the index');
  assert.ok(j.edges.some((e: { static?: unknown }) => e.static === null), 'null when unexplained');
  assert.ok(readFileSync(folded, 'utf8').includes('sys_sendto;__sys_sendto;inet_sendmsg;udp_sendmsg;ip_output;__dev_queue_xmit;veth_xmit 1'));
});

test('drops --from --json: the contract keys; reason without the prefix', async () => {
  const r = await cli(['drops', runtimeTree, '--from', sample, '--json', '--no-cache', '--quiet']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  for (const k of ['kernelRelease', 'treeVersion', 'seconds', 'total', 'sampled', 'reasons']) assert.ok(k in j, `missing ${k}`);
  assert.equal(j.total, 4);
  for (const reason of j.reasons) {
    assert.ok(['reason', 'count', 'locations'].every((k) => k in reason));
    assert.ok(!reason.reason.startsWith('SKB_DROP_REASON_'));
    for (const l of reason.locations) for (const k of ['function', 'offset', 'count', 'file', 'line', 'layer']) assert.ok(k in l, `location misses ${k}`);
  }
});

test('readable text by default: top functions per layer, drops per reason with file:line', async () => {
  const p = await cli(['profile', runtimeTree, '--from', sample, '--no-cache', '--quiet']);
  assert.equal(p.code, 0, p.err);
  for (const s of ['System call interface', 'Network protocols', 'Device drivers', 'Run-time path: sys_sendto →', 'Seen at run time, not in the source graph', 'ip_output → nf_hook_slow']) assert.ok(p.out.includes(s), `missing '${s}' in\n${p.out}`);
  const d = await cli(['drops', runtimeTree, '--from', sample, '--no-cache', '--quiet']);
  assert.match(d.out, /NO_SOCKET {2}3 .*\n {2}__udp4_lib_rcv\+0x4bc +2 {2}net\/ipv4\/udp\.c:\d+ {2}\[protocol\]/);
});

test('bad input: missing file, garbage file, bad flag values — one line each', async () => {
  const missing = await cli(['drops', runtimeTree, '--from', '/nonexistent/perf.txt', '--no-cache', '--quiet']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /^netstack-atlas drops: cannot read \/nonexistent\/perf.txt: ENOENT\n$/);
  const dir = scratch();
  writeFileSync(join(dir, 'garbage.txt'), 'hello\nworld\n\x00\x01');
  const g = await cli(['profile', runtimeTree, '--from', join(dir, 'garbage.txt'), '--no-cache', '--quiet', '--json']);
  assert.equal(g.code, 0, g.err);
  assert.ok(JSON.parse(g.out).notes.some((n: string) => /holds no samples or drops \(3 lines did not parse\)/.test(n)));
  const bad = await cli(['profile', runtimeTree, '--seconds', '0']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--seconds must be a number in \[1, 600\]/);
  const pid = await cli(['drops', runtimeTree, '--pid', '1;rm']);
  assert.equal(pid.code, 2);
});

test('perf not installed (a PATH without perf): one line naming the package, exit 1', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'drops', runtimeTree, '--seconds', '1', '--no-cache', '--quiet'], { cwd: repoRoot, env: { ...process.env, PATH: '/nonexistent' }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /perf is not installed: apt install linux-perf/);
});

// The perf script reader on captured-shape text: kernel frames only, clone suffixes stripped, syscall
// wrappers folded, drops by reason and location (also from an address), any chunking gives the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerfScriptReader, readPerfScript } from '../../src/core/runtime/perfScript.ts';
import { toFolded, parseFolded, looksFolded } from '../../src/core/runtime/folded.ts';
import { stripCloneSuffix, treeName } from '../../src/core/runtime/symbols.ts';
import { samplePerf } from './helpers.ts';

test('clone suffixes and syscall wrappers map to tree names', () => {
  assert.equal(stripCloneSuffix('tcp_v4_rcv.isra.0'), 'tcp_v4_rcv');
  assert.equal(stripCloneSuffix('foo.constprop.0.isra.0'), 'foo');
  assert.equal(stripCloneSuffix('bar.part.12'), 'bar');
  assert.equal(stripCloneSuffix('baz.cold'), 'baz');
  assert.equal(stripCloneSuffix('qux.llvm.1234567'), 'qux');
  assert.equal(stripCloneSuffix('plain_name'), 'plain_name');
  assert.equal(treeName('__x64_sys_sendto'), 'sys_sendto');
  assert.equal(treeName('__se_sys_recvmsg'), 'sys_recvmsg');
  assert.equal(treeName('__x64_compat_sys_sendmsg'), 'compat_sys_sendmsg');
  assert.equal(treeName('__sys_sendto.isra.0'), '__sys_sendto');
});

test('samples: kernel frames only, root first, suffixes stripped; user-only samples counted, not folded', async () => {
  const r = await readPerfScript([samplePerf]);
  assert.equal(r.samples, 6);
  assert.equal(r.kernelSamples, 5, 'the node sample has no kernel frame');
  assert.equal(r.stacks.get('entry_SYSCALL_64_after_hwframe;do_syscall_64;sys_sendto;__sys_sendto;inet_sendmsg;udp_sendmsg;ip_output;__dev_queue_xmit;veth_xmit'), 1);
  assert.equal(r.stacks.get('entry_SYSCALL_64_after_hwframe;do_syscall_64;sys_sendto;__sys_sendto;inet_sendmsg;udp_sendmsg;ip_output'), 1, 'isra/constprop clones joined with their function');
  assert.equal(r.stacks.get('entry_SYSCALL_64_after_hwframe;[unknown]'), 1, 'an unnamed kernel frame stays, counted');
  assert.equal(r.unknownFrames, 1);
  assert.ok(r.events.has('cpu-clock') && r.events.has('skb:kfree_skb'));
  assert.equal(r.malformed, 0);
  assert.equal(r.firstTime, 428.412);
  assert.equal(r.lastTime, 428.421);
});

test('drops: by reason and location; an address location resolved from the chain; numeric reasons kept raw', async () => {
  const r = await readPerfScript([samplePerf]);
  assert.equal(r.dropTotal, 4);
  const d = [...r.drops.values()].map((x) => `${x.reason} ${x.function}+${x.offset} ${x.count}`).sort();
  assert.deepEqual(d, ['3 __udp4_lib_rcv+0x10 1', 'NETFILTER_DROP nf_hook_slow+0x8a 1', 'NO_SOCKET __udp4_lib_rcv+0x4bc 2']);
  assert.ok([...r.dropStacks.keys()].some((k) => k.startsWith('NO_SOCKET;ip_output;__dev_queue_xmit;do_softirq;__napi_poll;')));
});

test('any chunking, bytes or text, gives the same recording (split inside lines and UTF-8 sequences)', async () => {
  const text = samplePerf.replace('tmux: server', 'tmüx: sérver');
  const whole = await readPerfScript([text]);
  const bytes = Buffer.from(text);
  for (const size of [1, 2, 3, 7, 64, 1000]) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
    const r = await readPerfScript(chunks);
    assert.deepEqual([...r.stacks], [...whole.stacks], `chunk size ${size}`);
    assert.deepEqual([...r.drops], [...whole.drops]);
    assert.equal(r.bytes, bytes.length);
  }
  const crlf = await readPerfScript([samplePerf.replace(/\n/g, '\r\n')]);
  assert.equal(crlf.samples, whole.samples);
});

test('folded export round-trips; folded input is recognized', async () => {
  const r = await readPerfScript([samplePerf]);
  const folded = toFolded(r.stacks);
  assert.ok(looksFolded(folded));
  assert.ok(!looksFolded(samplePerf));
  const back = parseFolded(folded);
  assert.deepEqual([...back.stacks].sort(), [...r.stacks].sort());
  assert.equal(back.samples, r.kernelSamples);
  const bad = parseFolded('a;b 3\nnot a line\nc;d x\n\n');
  assert.equal(bad.samples, 3);
  assert.equal(bad.malformed, 2);
});

test('the distinct-stack cap bounds memory: the rest is counted as overflow', () => {
  const r = new PerfScriptReader({ maxStacks: 10 });
  for (let i = 0; i < 100; i++) r.push(`x 1/1 [000] 1.${i}: 1 cpu-clock: \n\tffffffff81000000 fn_${i}+0x1 ([kernel.kallsyms])\n\n`);
  const rec = r.end();
  assert.equal(rec.samples, 100);
  assert.equal(rec.stacks.size, 10);
  assert.equal(rec.overflow, 90);
});

// Another network namespace through --netns PID. Needs root (creates a namespace with `ip netns`);
// skipped otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { countersJson, pollUntil, run, startChild, stopChild, PY_NO_ACCEPT } from './helpers.ts';
import { readProcfs } from '../../src/core/metrics/procfsSource.ts';

const isRoot = process.getuid?.() === 0;

test('counters --netns PID reads that namespace: its listener, its own Udp:NoPorts; softnet stays global', { skip: !isRoot && 'needs root to create a network namespace' }, async (t) => {
  const ns = `atlas-test-${process.pid}`;
  await run('ip', ['netns', 'add', ns]);
  let child: Awaited<ReturnType<typeof startChild>>['child'] | undefined;
  t.after(async () => {
    await stopChild(child);
    await run('ip', ['netns', 'del', ns]).catch(() => {});
  });
  await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const started = await startChild('ip', ['netns', 'exec', ns, 'python3', '-c', PY_NO_ACCEPT, '127.0.0.1', '3']);
  child = started.child;
  const port = Number(started.line);
  const pid = child.pid!;
  assert.notEqual(readlinkSync(`/proc/${pid}/ns/net`), readlinkSync('/proc/self/ns/net'), 'the child lives in another namespace');

  const inside = await countersJson(['--netns', String(pid)]);
  assert.equal(inside.source, `procfs:/proc/${pid}`);
  assert.deepEqual(inside.sockets.listen, [{ local: '127.0.0.1', port, queue: 0, max: 3 }], 'only the namespace’s listener');
  assert.ok(inside.softnet.length >= 1, 'softnet_stat is global and still read');
  assert.equal(inside.groups.Udp.NoPorts, 0, 'a fresh namespace has its own counters');
  assert.ok(inside.conntrack === null || typeof inside.conntrack.count === 'number');

  const host = await countersJson();
  assert.ok(!host.sockets.listen.some((l: { local: string; port: number }) => l.local === '127.0.0.1' && l.port === port), 'the host does not see it');

  const n = 20;
  const send = `import socket\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor i in range(${n}): s.sendto(b'x', ('127.0.0.1', 9))`;
  await run('ip', ['netns', 'exec', ns, 'python3', '-c', send]);
  const r = await pollUntil(() => countersJson(['--netns', String(pid), '--no-sockets']), (j) => j.groups.Udp.NoPorts >= n);
  assert.equal(r.value.groups.Udp.NoPorts, n, 'exactly the datagrams sent inside the namespace');

  // The /proc/<pid>/net/tcp fallback sees the same listener, without the backlog maximum.
  const viaProc = await readProcfs({ netnsPid: pid, socketReader: 'proc' });
  assert.deepEqual(viaProc.sockets?.listen, [{ local: '127.0.0.1', port, queue: 0, max: null }]);
  assert.equal(viaProc.sockets?.via, 'proc');
});

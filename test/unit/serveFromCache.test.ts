// `serve` on a current cache prints its URL and answers the page from the derived state alone; the
// index, which expand, trace and map/open need, opens after the URL is out. The facts file is damaged
// here on purpose: the first paint must not need it, and the first expand must rebuild it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, copyFixtureTree, scratch } from '../helpers.ts';
import { startServe, events, post } from '../serveClient.ts';

test('serve from a current cache: the map before the index is open, expand once it is', async () => {
  const tree = copyFixtureTree();
  const cache = scratch('nsa-serve-cache-');
  execFileSync(process.execPath, [cliPath, 'index', tree, '--cache-dir', cache, '--workers', '0', '--quiet']);
  writeFileSync(join(cache, 'index.bin'), 'not an index any more');
  const s = await startServe(tree, [], cache);
  const facts = () => readFileSync(join(cache, 'index.bin')).subarray(0, 7).toString();
  try {
    assert.equal(facts(), 'not an ', 'the URL came before the index was opened');
    const ev = await events(s, 'page-one-1');
    await post(s, 'page-one-1', { type: 'map/ready' });
    const init = (await ev.next('map/init')) as { model?: { nodes: { label: string }[] } };
    assert.ok(init.model && init.model.nodes.some((n) => n.label === 'tcp_sendmsg'), 'the model from the derived state');
    const node = init.model.nodes.find((n) => n.label === 'tcp_sendmsg') as unknown as { id: string };
    await post(s, 'page-one-1', { type: 'map/expand', id: 7, nodeId: node.id, fn: 'tcp_sendmsg', direction: 'callers' });
    const expanded = (await ev.next('map/expanded')) as unknown as { id: number; nodes: { label: string }[] };
    assert.equal(expanded.id, 7);
    assert.ok(expanded.nodes.some((n) => n.label === 'inet_sendmsg'), `callers of tcp_sendmsg: ${JSON.stringify(expanded).slice(0, 400)} ${s.err()}`);
    assert.ok(facts() === 'NSATLAS', 'the damaged facts file was rebuilt when the index was needed');
    ev.close();
  } finally {
    await s.stop();
  }
});

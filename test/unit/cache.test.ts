import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, truncateSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { copyFixtureTree, grammar, scratch } from '../helpers.ts';
import { openIndex } from '../../src/core/index/indexer.ts';
import { cacheFilePath, readCache, writeCache, CACHE_SCHEMA } from '../../src/core/index/cache.ts';
import { CorruptCache } from '../../src/core/index/factsCodec.ts';

const open = (tree: string, cacheDir: string, log?: (l: string) => void) => openIndex(tree, { grammar, workers: 0, cacheDir, log });

test('cache round-trip: a warm reopen parses nothing and yields the same facts', async () => {
  const tree = copyFixtureTree();
  const cacheDir = scratch();
  const cold = await open(tree, cacheDir);
  assert.equal(cold.stats.cachedFiles, 0);
  assert.equal(cold.stats.parsedFiles, cold.stats.files);
  const warm = await open(tree, cacheDir);
  assert.equal(warm.stats.parsedFiles, 0);
  assert.equal(warm.stats.cachedFiles, cold.stats.files);
  for (const f of cold.index.allFacts()) assert.deepEqual(JSON.parse(JSON.stringify(warm.index.fileFacts(f.file))), JSON.parse(JSON.stringify(f)), f.file);
  assert.deepEqual(warm.index.counts(), cold.index.counts());
});

test('a touched but unchanged file is recognized by its hash; a changed one is re-parsed', async () => {
  const tree = copyFixtureTree();
  const cacheDir = scratch();
  await open(tree, cacheDir);
  const f = join(tree, 'net/socket.c');
  const later = new Date(Date.now() + 60_000);
  utimesSync(f, later, later);
  const touched = await open(tree, cacheDir);
  assert.equal(touched.stats.parsedFiles, 0);
  writeFileSync(f, readFileSync(f, 'utf8').replace('__sys_socket(family', '__sys_socket2(family'));
  const changed = await open(tree, cacheDir);
  assert.equal(changed.stats.parsedFiles, 1);
  assert.deepEqual(changed.index.callees('sys_socket').map((c) => c.to), ['__sys_socket2']);
});

test('corrupt, truncated and foreign caches are reported in one line and rebuilt', async () => {
  const tree = copyFixtureTree();
  const cacheDir = scratch();
  const first = await open(tree, cacheDir);
  const path = cacheFilePath(cacheDir);
  const good = readFileSync(path);
  const cases: [string, () => void, RegExp][] = [
    ['flipped byte', () => { const b = Buffer.from(good); b[b.length >> 1] ^= 0xff; writeFileSync(path, b); }, /checksum/],
    ['truncated', () => truncateSync(path, good.length >> 1), /checksum|truncated/],
    ['garbage', () => writeFileSync(path, 'hello'), /not a Netstack Atlas cache/],
    ['other schema', () => writeCache(path, { root: first.tree.root, kernelVersion: null, configKey: 'x', writtenAt: '' }, []), /another version|schema/],
  ];
  for (const [name, damage, expect] of cases) {
    writeFileSync(path, good);
    damage();
    const lines: string[] = [];
    const s = await open(tree, cacheDir, (l) => lines.push(l));
    assert.equal(lines.length, 1, name);
    assert.match(lines[0], expect, name);
    assert.ok(!lines[0].includes('\n'));
    assert.equal(s.stats.parsedFiles, s.stats.files, name);
    assert.deepEqual(s.index.counts(), first.index.counts(), name);
    // and the rebuilt cache is good again
    assert.equal(readCache(path, first.tree.root)!.files.length, s.stats.files);
  }
  assert.throws(() => readCache(path, '/elsewhere'), CorruptCache);
  assert.equal(CACHE_SCHEMA > 0, true);
});

test('re-indexing one file replaces its facts in place', async () => {
  const tree = copyFixtureTree();
  const s = await open(tree, scratch());
  const before = s.index.counts();
  const file = 'drivers/net/loopback.c';
  writeFileSync(join(tree, file), readFileSync(join(tree, file), 'utf8') + '\nstatic void lo_extra(void)\n{\n\tskb_len(0);\n}\n');
  const r = await s.reindexFile(file);
  assert.ok(r.facts);
  assert.equal(s.index.counts().functions, before.functions + 1);
  assert.equal(s.index.functions('lo_extra')[0].def.line, 12);
  assert.ok(s.index.callers('skb_len').some((c) => c.from === 'lo_extra'));
  assert.ok(statSync(join(tree, file)).size === s.stamps.get(file)!.size);
  s.dispose();
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedParser, repoRoot, fixtureTree, markers } from '../helpers.ts';
import { FACT_QUERIES } from '../../src/core/index/extract.ts';
import { parseSource, hashContent } from '../../src/core/index/parseFile.ts';
import { AttributeBlanker, seedAttributeMacros } from '../../src/core/index/attributeMacros.ts';

const queriesDir = join(repoRoot, 'syntaxes/queries');

test('every .scm query compiles, alone and as the combined fact query', async () => {
  const p = await sharedParser();
  const files = readdirSync(queriesDir).filter((f) => f.endsWith('.scm'));
  assert.ok(files.length >= 4);
  for (const f of files) assert.doesNotThrow(() => p.compile(readFileSync(join(queriesDir, f), 'utf8')).delete(), f);
  assert.ok(p.query(...FACT_QUERIES).captureNames.includes('call.callee'));
});

test('the fixture markers are all found by the queries, at their lines', async () => {
  const p = await sharedParser();
  const blanker = new AttributeBlanker(seedAttributeMacros());
  const files = ['include/linux/skb.h', 'net/socket.c', 'net/ipv4/af_inet.c', 'drivers/net/loopback.c'];
  let checked = 0;
  for (const file of files) {
    const bytes = readFileSync(join(fixtureTree, file));
    const r = parseSource(p, blanker, file, bytes, { size: bytes.length, mtimeMs: 0, hash: hashContent(bytes) });
    const f = r.facts!;
    for (const m of markers(bytes.toString('utf8'))) {
      const pool: { name: string; line: number }[] =
        m.kind === 'function' ? f.functions : m.kind === 'prototype' ? f.prototypes : m.kind === 'struct' ? f.structs
          : m.kind === 'enum' ? f.enums : m.kind === 'macro' ? f.macros : m.kind === 'ops' ? f.opsInstances : [];
      // a macro's marker sits on its last line
      const hit = pool.find((d) => d.name === m.name && (d.line === m.line || (m.kind === 'macro' && (d as { endLine?: number }).endLine === m.line)));
      assert.ok(hit, `${file}:${m.line}: expected ${m.kind} ${m.name}, found ${pool.map((d) => d.name + '@' + d.line).join(', ')}`);
      checked++;
    }
  }
  assert.equal(checked, 13);
});

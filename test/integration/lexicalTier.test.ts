// The lexical tier against tree-sitter on real drivers (linux-source-6.1 drivers/net, every 16th
// .c file): per fact kind, the share of tree-sitter's facts the tier reproduces exactly, and what it
// adds. The known differences are listed in docs/cold-index.md; these floors keep them from growing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedParser } from '../helpers.ts';
import { AttributeBlanker } from '../../src/core/index/attributeMacros.ts';
import { treeAttributeMacros } from '../../src/core/index/indexer.ts';
import { listSourceFiles } from '../../src/core/index/kernelTree.ts';
import { parseSource } from '../../src/core/index/parseFile.ts';
import { compareFacts, type FactKind } from '../../src/core/index/tierEquivalence.ts';

const tree = process.env.NETSTACK_ATLAS_KERNEL ?? '';

/** Share of tree-sitter's facts the tier reproduces (same), and the most it may add (extra), per kind. */
const FLOORS: Partial<Record<FactKind, { same: number; extra: number }>> = {
  calls: { same: 0.995, extra: 0.005 },
  memberCalls: { same: 0.995, extra: 0.005 },
  stores: { same: 0.985, extra: 0.005 },
  hints: { same: 0.99, extra: 0.01 },
  paramCalls: { same: 0.99, extra: 0.01 },
  opsInstances: { same: 0.995, extra: 0.005 },
  copies: { same: 0.98, extra: 0.02 }, // tree-sitter reads `(u16) (a ? b : c)` as a call of `(u16)`; loop macros
  pointerCalls: { same: 0.99, extra: 0.01 },
  callArgs: { same: 0.99, extra: 0.01 },
  returns: { same: 0.99, extra: 0.01 },
  refs: { same: 0.93, extra: 0.01 },
  args: { same: 0.94, extra: 0.01 },
  functions: { same: 0.995, extra: 0.001 }, // tree-sitter loses a function whose body splits a call across #if branches
  prototypes: { same: 0.99, extra: 0 }, // tree-sitter reads `else REG_WRITE(…);` in a body as a prototype
  structs: { same: 1, extra: 0 },
  enums: { same: 1, extra: 0 },
  macros: { same: 1, extra: 0 },
  typedefs: { same: 1, extra: 0 },
};

test('on real drivers the lexical tier reproduces tree-sitter facts (floors per kind)', {
  skip: !tree && 'NETSTACK_ATLAS_KERNEL not set',
}, async (t) => {
  const files = listSourceFiles(tree, { include: ['drivers/net/**'] }).files.filter((f, i) => f.endsWith('.c') && i % 16 === 0);
  assert.ok(files.length > 100);
  const parser = await sharedParser();
  const blanker = new AttributeBlanker(treeAttributeMacros(tree).set);
  const totals = new Map<FactKind, { precise: number; same: number; extra: number }>();
  let lexed = 0;
  for (const file of files) {
    const bytes = readFileSync(join(tree, file));
    const stamp = { size: bytes.length, mtimeMs: 0, hash: '' };
    const precise = parseSource(parser, blanker, file, bytes, stamp, false).facts;
    const lexical = parseSource(parser, blanker, file, bytes, stamp, true).facts;
    if (!precise || !lexical) continue;
    if (lexical.lexicalBodies) lexed++;
    for (const d of compareFacts(precise, lexical, Object.keys(FLOORS) as FactKind[], 0)) {
      const x = totals.get(d.kind) ?? { precise: 0, same: 0, extra: 0 };
      x.precise += d.precise;
      x.same += d.same;
      x.extra += d.extraCount;
      totals.set(d.kind, x);
    }
  }
  assert.ok(lexed > files.length / 2, `${lexed} of ${files.length} files had lexical bodies`);
  for (const [kind, x] of totals) {
    const same = x.precise ? x.same / x.precise : 1;
    const extra = x.precise ? x.extra / x.precise : x.extra;
    t.diagnostic(`${kind}: ${x.same}/${x.precise} same (${(same * 100).toFixed(2)} %), ${x.extra} extra`);
    const floor = FLOORS[kind]!;
    assert.ok(same >= floor.same, `${kind}: ${(same * 100).toFixed(2)} % same, floor ${floor.same * 100} %`);
    assert.ok(extra <= floor.extra, `${kind}: ${(extra * 100).toFixed(2)} % extra, at most ${floor.extra * 100} %`);
  }
});

// Per fact kind, how many of tree-sitter's facts the lexical tier reproduces on a sample of a tree:
// `node --import tsx scripts/tierAgreement.ts <tree> <glob> [every-nth]`. Also counts function
// bodies: found, ≥ 64 bytes, and left to the tier (deferrable).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttributeBlanker } from '../src/core/index/attributeMacros.ts';
import { treeAttributeMacros } from '../src/core/index/indexer.ts';
import { listSourceFiles } from '../src/core/index/kernelTree.ts';
import { parseSource, decodeSource } from '../src/core/index/parseFile.ts';
import { prepareText } from '../src/core/index/prepare.ts';
import { functionBodies } from '../src/core/index/cLexer.ts';
import { deferrable } from '../src/core/index/lexicalBodies.ts';
import { compareFacts, BODY_FACT_KINDS, type FactKind } from '../src/core/index/tierEquivalence.ts';
import { CParser, sourceGrammarLocation } from '../src/core/index/treeSitter.ts';

const [tree, glob, nth = '1'] = process.argv.slice(2);
const every = Number(nth);
const extraKinds = (process.env.KINDS ?? '').split(',').filter(Boolean) as FactKind[];
const kinds = [...BODY_FACT_KINDS, ...extraKinds];

async function main() {
  const files = listSourceFiles(tree, { include: [glob] }).files.filter((f, i) => f.endsWith('.c') && i % every === 0);
  const parser = await CParser.create(sourceGrammarLocation(join(__dirname, '..')));
  const blanker = new AttributeBlanker(treeAttributeMacros(tree).set);
  const totals = new Map<string, { precise: number; same: number; extra: number; missing: string[]; extras: string[]; bogus: number }>();
  const bodies = { all: 0, big: 0, deferred: 0, bytesAll: 0, bytesDeferred: 0 };
  for (const file of files) {
    const bytes = readFileSync(join(tree, file));
    const prepared = prepareText(decodeSource(bytes).text, blanker);
    for (const [o, c] of functionBodies(prepared.text) ?? []) {
      bodies.all++;
      bodies.bytesAll += c - o;
      if (c - o < 64) continue;
      bodies.big++;
      if (deferrable(prepared.text, o, c)) {
        bodies.deferred++;
        bodies.bytesDeferred += c - o;
      }
    }
    const stamp = { size: bytes.length, mtimeMs: 0, hash: '' };
    const precise = parseSource(parser, blanker, file, bytes, stamp, false).facts;
    const lexical = parseSource(parser, blanker, file, bytes, stamp, true).facts;
    if (!precise || !lexical) continue;
    // functions tree-sitter's error recovery makes of a loop macro's block (`for_each_cpu(i) {`): docs/cold-index.md, difference 1
    const real = new Set(lexical.functions.map((f) => f.name));
    const bogus = new Set(precise.functions.map((f) => f.name).filter((n) => !real.has(n)));
    for (const d of compareFacts(precise, lexical, kinds, Number(process.env.KEEP ?? 3))) {
      const x = totals.get(d.kind) ?? { precise: 0, same: 0, extra: 0, missing: [], extras: [], bogus: 0 };
      for (const f of precise[d.kind] as { caller?: string; context?: string; fn?: string }[]) if (bogus.has(f.caller ?? f.context ?? f.fn ?? '')) x.bogus++;
      x.precise += d.precise;
      x.same += d.same;
      x.extra += d.extraCount;
      if (x.missing.length < Number(process.env.KEEP ?? 6)) x.missing.push(...d.missing.map((m) => `${file}: ${m}`));
      if (x.extras.length < Number(process.env.KEEP ?? 6)) x.extras.push(...d.extra.map((m) => `${file}: ${m}`));
      totals.set(d.kind, x);
    }
  }
  console.log(`${files.length} files; bodies ${bodies.all}, ≥ 64 bytes ${bodies.big}, to the tier ${bodies.deferred} (${((bodies.bytesDeferred / bodies.bytesAll) * 100).toFixed(1)} % of body bytes)`);
  console.log('| kind | tree-sitter | same | extra | same, without the facts of bogus functions |\n|---|---:|---:|---:|---:|');
  const pct = (a: number, b: number) => (b ? ((a / b) * 100).toFixed(2) + ' %' : '–');
  for (const [kind, x] of totals) console.log(`| ${kind} | ${x.precise} | ${pct(x.same, x.precise)} | ${x.extra} | ${pct(x.same, x.precise - x.bogus)} |`);
  if (process.env.SHOW) for (const [kind, x] of totals) {
    if (x.missing.length) console.log(`${kind} missing:\n  ${x.missing.join('\n  ')}`);
    if (x.extras.length) console.log(`${kind} extra:\n  ${x.extras.join('\n  ')}`);
  }
}
void main();

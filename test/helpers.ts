// Shared by the tests: repository paths, the grammar from sources, a fresh copy of the fixture tree.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sourceGrammarLocation, CParser } from '../src/core/index/treeSitter.ts';

export const repoRoot = join(__dirname, '..');
export const fixtureTree = join(__dirname, 'fixtures/tree');
export const grammar = sourceGrammarLocation(repoRoot);
export const distDir = join(repoRoot, 'dist');
export const cliPath = join(repoRoot, 'dist/cli.js');

let parserPromise: Promise<CParser> | undefined;
export function sharedParser(): Promise<CParser> {
  parserPromise ??= CParser.create(grammar);
  return parserPromise;
}

/** One index cache for every integration file, so the kernel tree is parsed once per test run. */
export const integrationCache = process.env.NETSTACK_ATLAS_IT_CACHE ?? join(tmpdir(), 'netstack-atlas-integration-cache');

/** A scratch folder removed at process exit. */
export function scratch(prefix = 'nsa-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A writable copy of the fixture tree. */
export function copyFixtureTree(): string {
  const dir = join(scratch(), 'tree');
  cpSync(fixtureTree, dir, { recursive: true });
  return dir;
}

/** `/*! kind name *\/` markers of a fixture: what extraction must find on that line. */
export function markers(text: string): { kind: string; name: string; line: number }[] {
  const out: { kind: string; name: string; line: number }[] = [];
  text.split('\n').forEach((l, i) => {
    const m = /\/\*! (\w+) (\S+) \*\//.exec(l);
    if (m) out.push({ kind: m[1], name: m[2], line: i + 1 });
  });
  return out;
}

/** The fixture tree plus `files` generated C files (a cache of a few MB: writes take a while). */
export function grownTree(files = 240): string {
  const tree = copyFixtureTree();
  mkdirSync(join(tree, 'net/gen'), { recursive: true });
  for (let i = 0; i < files; i++) {
    let text = '#include <linux/skb.h>\n';
    for (let j = 0; j < 40; j++) {
      text += `static int gen_${i}_${j}(struct sk_buff *skb, int n)\n{\n\tif (n > ${j}) return gen_${i}_${(j + 1) % 40}(skb, n - 1);\n\treturn skb_len(skb) + ${j};\n}\n`;
    }
    writeFileSync(join(tree, `net/gen/gen_${i}.c`), text);
  }
  return tree;
}


/** mulberry32: a small seeded PRNG for reproducible fuzz inputs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

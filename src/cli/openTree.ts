// Shared by every subcommand that reads a tree: scope and cache flags → an open index.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedArgs } from './args.ts';
import { TEXT, UsageError, int, intFlag, lastValue, type FlagSpec } from './args.ts';
import type { CliIo } from './command.ts';
import { openIndex, type IndexSession } from '../core/index/indexer.ts';
import { distGrammarLocation } from '../core/index/treeSitter.ts';
import { CorruptCache } from '../core/index/factsCodec.ts';
import { PRECISE_ONLY } from '../core/index/tiers.ts';

export const TREE_VALUE_FLAGS = ['include', 'exclude', 'cache-dir', 'workers'];
export const TREE_BOOLEAN_FLAGS = ['all', 'no-cache', 'quiet', 'precise'];
/** What the tree flags hold (checked before any work). */
export const TREE_FLAG_SPECS: Record<string, FlagSpec> = { include: TEXT, exclude: TEXT, 'cache-dir': TEXT, workers: int(0, 64) };

/** The folder holding the wasm files and the worker: this bundle's own folder, or ./dist from sources. */
export function distDir(): string {
  for (const d of [__dirname, join(__dirname, '../../dist'), join(__dirname, '../dist'), join(process.cwd(), 'dist')]) {
    if (existsSync(join(d, 'tree-sitter-c.wasm'))) return d;
  }
  throw new Error('cannot find tree-sitter-c.wasm: run `npm run build` first');
}

export async function openTree(args: ParsedArgs, io: CliIo, rebuildCache = false): Promise<IndexSession> {
  const tree = args.positional[0];
  if (!tree) throw new UsageError('missing the kernel tree argument');
  const dist = distDir();
  const quiet = args.booleans.has('quiet');
  let lastShown = 0;
  return openIndex(tree, {
    grammar: distGrammarLocation(dist),
    distDir: dist,
    all: args.booleans.has('all'),
    include: args.values.get('include'),
    exclude: args.values.get('exclude'),
    cacheDir: lastValue(args, 'cache-dir'),
    noCache: args.booleans.has('no-cache'),
    rebuildCache,
    ...(args.booleans.has('precise') ? { tiers: PRECISE_ONLY } : {}),
    workers: args.values.has('workers') ? intFlag(args, 'workers', 0, 0, 64) : undefined,
    log: (line) => {
      if (!quiet) io.err(`netstack-atlas: ${line}\n`);
    },
    onProgress: (done, total) => {
      if (quiet || !io.isTTY) return;
      const now = Date.now();
      if (now - lastShown < 200 && done !== total) return;
      lastShown = now;
      io.err(`\rindexing ${done}/${total} files`);
      if (done === total) io.err('\n');
    },
  });
}

/**
 * Runs `f` on the opened index; when decoding the cache fails on the way (damaged data whose
 * checksum still matched), says so once, rebuilds the index from the sources and runs `f` again.
 */
export async function withIndex<T>(args: ParsedArgs, io: CliIo, f: (s: IndexSession) => T | Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const session = await openTree(args, io, attempt > 0);
    try {
      return await f(session);
    } catch (e) {
      if (!(e instanceof CorruptCache) || attempt > 0 || args.booleans.has('no-cache')) throw e;
      if (!args.booleans.has('quiet')) io.err(`netstack-atlas: cache damaged (${e.message}); rebuilding it\n`);
    } finally {
      session.dispose();
    }
  }
}

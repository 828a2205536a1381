// The one module that touches web-tree-sitter. Everything else sees `CParser`.
// Pinned: web-tree-sitter 0.25.10 + tree-sitter-c 0.24.1 (named exports API).
import { Parser, Language, Query } from 'web-tree-sitter';
import type { Node, Tree, Range, QueryCapture, QueryMatch } from 'web-tree-sitter';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type { Node as SyntaxNode, Range as SyntaxRange, QueryCapture, QueryMatch };

/** Where the wasm files and `.scm` queries live (the bundle's dist folder, or the sources in tests). */
export interface GrammarLocation {
  treeSitterWasm: string;
  cWasm: string;
  queriesDir: string;
}

/** Locations inside a build output folder (`dist/`). */
export function distGrammarLocation(distDir: string): GrammarLocation {
  return {
    treeSitterWasm: join(distDir, 'tree-sitter.wasm'),
    cWasm: join(distDir, 'tree-sitter-c.wasm'),
    queriesDir: join(distDir, 'queries'),
  };
}

/** Locations in the source checkout (tests run from sources through tsx). */
export function sourceGrammarLocation(repoRoot: string): GrammarLocation {
  return {
    treeSitterWasm: join(repoRoot, 'node_modules/web-tree-sitter/tree-sitter.wasm'),
    cWasm: join(repoRoot, 'node_modules/tree-sitter-c/tree-sitter-c.wasm'),
    queriesDir: join(repoRoot, 'syntaxes/queries'),
  };
}

export class ParseTimeout extends Error {}

/** A C parser with compiled, cached queries. One per thread: wasm parsers are not shareable. */
export class CParser {
  private readonly queries = new Map<string, Query>();
  private constructor(
    private readonly parser: Parser,
    private readonly language: Language,
    private readonly location: GrammarLocation,
  ) {}

  static async create(location: GrammarLocation): Promise<CParser> {
    await initOnce(location.treeSitterWasm);
    const language = await Language.load(readFileSync(location.cWasm));
    const parser = new Parser();
    parser.setLanguage(language);
    return new CParser(parser, language, location);
  }

  /**
   * Parse `text`, optionally only `ranges` of it (positions stay those of the whole text).
   * The caller must `delete()` the tree. Throws ParseTimeout past `timeoutMs`.
   */
  parse(text: string, ranges?: Range[], timeoutMs = 30_000): Tree {
    const deadline = performance.now() + timeoutMs;
    let timedOut = false;
    const tree = this.parser.parse(text, null, {
      includedRanges: ranges && ranges.length ? ranges : undefined,
      progressCallback: () => {
        if (performance.now() > deadline) timedOut = true;
        return timedOut;
      },
    } as never);
    if (!tree || timedOut) {
      tree?.delete();
      this.parser.reset();
      throw new ParseTimeout(`parse took longer than ${timeoutMs} ms`);
    }
    return tree;
  }

  /**
   * The query made of `<queriesDir>/<name>.scm` files, compiled once. Several files make one query:
   * one pass over the tree instead of one per file (a pass costs about as much as a third of the parse).
   */
  query(...names: string[]): Query {
    const key = names.join('+');
    let q = this.queries.get(key);
    if (!q) {
      q = this.compile(names.map((n) => readFileSync(join(this.location.queriesDir, n + '.scm'), 'utf8')).join('\n'));
      this.queries.set(key, q);
    }
    return q;
  }

  /** Compile query source text (tests use this to check every `.scm` compiles). */
  compile(source: string): Query {
    return new Query(this.language, source);
  }

  dispose(): void {
    for (const q of this.queries.values()) q.delete();
    this.queries.clear();
    this.parser.delete();
  }
}

let initPromise: Promise<void> | undefined;
function initOnce(wasmPath: string): Promise<void> {
  initPromise ??= Parser.init({ locateFile: () => wasmPath } as never);
  return initPromise;
}

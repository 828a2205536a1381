// The typed messages between the indexer and its worker threads.
// Each message is a plain JSON-able object with a namespaced `type`; requests carry an `id`
// that the reply repeats.
import type { AttributeMacroSet } from './attributeMacros.ts';
import type { FileParseResult } from './parseFile.ts';
import type { TierPolicy } from './tiers.ts';

// ── main thread → index worker ──────────────────────────────────────────────
export interface WorkerInit {
  type: 'index/init';
  distDir: string;
  attributeMacros: { words: string[]; calls: string[] };
  /** Which files leave their bodies to the lexical tier (tiers.ts). */
  tiers: TierPolicy;
}
export interface WorkerParse {
  type: 'index/parse';
  id: number;
  root: string;
  files: string[];
}
export type ToWorker = WorkerInit | WorkerParse;

// ── index worker → main thread ──────────────────────────────────────────────
export interface WorkerReady {
  type: 'index/ready';
}
export interface WorkerParsed {
  type: 'index/parsed';
  id: number;
  results: FileParseResult[];
}
export interface WorkerFailed {
  type: 'index/failed';
  id: number | null;
  message: string;
}
export type FromWorker = WorkerReady | WorkerParsed | WorkerFailed;

export function macroSetToMessage(set: AttributeMacroSet): WorkerInit['attributeMacros'] {
  return { words: [...set.words].sort(), calls: [...set.calls].sort() };
}
export function macroSetFromMessage(m: WorkerInit['attributeMacros']): AttributeMacroSet {
  return { words: new Set(m.words), calls: new Set(m.calls) };
}

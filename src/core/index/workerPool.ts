// A pool of index workers sized to the machine. Files are handed out in small batches, biggest
// first, so the slowest files start early and the workers finish together.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { FromWorker, ToWorker, WorkerInit } from './workerProtocol.ts';
import type { FileParseResult } from './parseFile.ts';

export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(availableParallelism(), 16));
}

export interface PoolJob {
  root: string;
  /** Files in the order they should be parsed (biggest first is best). */
  files: string[];
  onResult(r: FileParseResult): void;
  signal?: AbortSignal;
}

export async function parseWithWorkers(script: string, count: number, init: WorkerInit, job: PoolJob): Promise<void> {
  const queue = job.files.slice();
  const batchSize = (n: number) => Math.max(1, Math.min(32, Math.ceil(n / (count * 8))));
  const workers: Worker[] = [];
  let nextId = 1;
  try {
    await new Promise<void>((resolve, reject) => {
      let live = Math.min(count, Math.max(1, queue.length));
      let failed = false;
      const fail = (e: Error) => {
        if (!failed) {
          failed = true;
          reject(e);
        }
      };
      job.signal?.addEventListener('abort', () => fail(new Error('indexing cancelled')), { once: true });
      if (queue.length === 0) return resolve();
      for (let i = 0; i < live; i++) {
        const w = new Worker(script);
        workers.push(w);
        const send = () => {
          if (failed) return;
          const files = queue.splice(0, batchSize(queue.length));
          if (files.length === 0) {
            if (--live === 0) resolve();
            return;
          }
          w.postMessage({ type: 'index/parse', id: nextId++, root: job.root, files } satisfies ToWorker);
        };
        w.on('message', (m: FromWorker) => {
          if (m.type === 'index/ready') send();
          else if (m.type === 'index/parsed') {
            for (const r of m.results) job.onResult(r);
            send();
          } else if (m.type === 'index/failed') fail(new Error(`index worker failed: ${m.message}`));
        });
        w.on('error', (e) => fail(e));
        w.on('exit', (code) => {
          if (code !== 0) fail(new Error(`index worker exited with code ${code}`));
        });
        w.postMessage(init satisfies ToWorker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

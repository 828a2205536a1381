// Index worker thread: parses the files it is sent and posts their facts back. Thin by design:
// everything it does is core code (readAndParse).
import { parentPort } from 'node:worker_threads';
import { CParser, distGrammarLocation } from '../core/index/treeSitter.ts';
import { AttributeBlanker } from '../core/index/attributeMacros.ts';
import { readAndParse } from '../core/index/readSourceFile.ts';
import { lexicalFor, type TierPolicy } from '../core/index/tiers.ts';
import { macroSetFromMessage, type FromWorker, type ToWorker } from '../core/index/workerProtocol.ts';
import type { FileParseResult } from '../core/index/parseFile.ts';

const port = parentPort!;
let ready: Promise<{ parser: CParser; blanker: AttributeBlanker; tiers: TierPolicy }> | undefined;
const post = (m: FromWorker) => port.postMessage(m);

port.on('message', async (msg: ToWorker) => {
  try {
    if (msg.type === 'index/init') {
      ready = CParser.create(distGrammarLocation(msg.distDir)).then((parser) => ({ parser, blanker: new AttributeBlanker(macroSetFromMessage(msg.attributeMacros)), tiers: msg.tiers }));
      await ready;
      post({ type: 'index/ready' });
    } else if (msg.type === 'index/parse') {
      const { parser, blanker, tiers } = await ready!;
      const results: FileParseResult[] = [];
      for (const f of msg.files) {
        try {
          results.push(readAndParse(parser, blanker, msg.root, f, lexicalFor(tiers, f)));
        } catch (e) {
          results.push({ file: f, size: 0, mtimeMs: 0, hash: '', skippedBytes: 0, error: `parser failure: ${(e as Error).message}` });
        }
      }
      post({ type: 'index/parsed', id: msg.id, results });
    }
  } catch (e) {
    post({ type: 'index/failed', id: msg.type === 'index/parse' ? msg.id : null, message: (e as Error).message });
  }
});

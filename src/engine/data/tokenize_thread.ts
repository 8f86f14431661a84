import { parentPort, workerData } from 'node:worker_threads';
import { SpsError } from '../../shared/errors.js';
import { loadTokenizer } from '../models/tokenizer.js';
import { tokenizeExamples, type TokenizeRequest, type TokenizeReply } from './tokenize_batch.js';

/** A tokenizer thread: loads the model folder's tokenizer once, then tokenizes batches. */
const tok = loadTokenizer((workerData as { modelDir: string }).modelDir);
parentPort!.on('message', (req: TokenizeRequest) => {
  let reply: TokenizeReply;
  try {
    reply = { id: req.id, ...tokenizeExamples(tok, req.items) };
  } catch (err) {
    const e = err instanceof SpsError ? err : new SpsError('INTERNAL', (err as Error).message);
    reply = { id: req.id, error: e.toJSON() };
  }
  const transfer = 'ids' in reply && reply.ids ? [reply.ids.buffer as ArrayBuffer] : [];
  parentPort!.postMessage(reply, transfer);
});

import { serializeError, SpsError } from '../../shared/errors.js';
import type { SerializedError } from '../../shared/training_events.js';
import { parentPort } from '../port.js';
import { InferenceOpsImpl } from './ops.js';
import type { InferenceToParent, OpName, ParentToInference } from './protocol.js';

/**
 * The inference process (one per model folder, kept warm by the parent's pool): runs the
 * API's generation, scoring, predictions, nearest tokens, model inspection and dataset
 * validation, so that onnxruntime's blocking session runs never stall the process serving
 * the API. Calls that run sessions go one at a time; a cancel ends a generation early.
 */
const port = parentPort<ParentToInference, InferenceToParent>();
const impl = new InferenceOpsImpl();
const cancels = new Map<number, AbortController>();
let tail: Promise<unknown> = Promise.resolve();

/** As the API words it (serializeError); an unexpected error's stack also goes to the log. */
function serialize(err: unknown): SerializedError {
  if (!(err instanceof SpsError)) process.stderr.write(`inference worker: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return serializeError(err);
}

async function run(callId: number, op: OpName, req: unknown, abort: AbortController): Promise<void> {
  try {
    const fn = impl.ops[op] as (r: unknown, c: Parameters<InferenceOpsImpl['ops']['generate']>[1]) => Promise<unknown>;
    if (!fn) throw new SpsError('INTERNAL', `the inference worker has no operation "${op}"`);
    const value = await fn(req, { signal: abort.signal, onToken: (token, delta) => port.post({ type: 'token', callId, token, delta }), onProgress: (progress) => port.post({ type: 'progress', callId, progress }) });
    port.post({ type: 'result', callId, value });
  } catch (err) {
    port.post({ type: 'error', callId, error: serialize(err) });
  } finally {
    cancels.delete(callId);
    port.post({ type: 'memory', rss: process.memoryUsage().rss });
  }
}

port.onMessage((msg) => {
  if (msg.type === 'cancel') {
    cancels.get(msg.callId)?.abort();
    return;
  }
  const abort = new AbortController();
  cancels.set(msg.callId, abort);
  if (InferenceOpsImpl.immediate.has(msg.op)) {
    void run(msg.callId, msg.op, msg.req, abort);
    return;
  }
  const next = tail.then(() => run(msg.callId, msg.op, msg.req, abort));
  tail = next;
});

// The parent closing the channel (or asking) ends the worker; sessions are released first.
process.on('disconnect', () => void impl.release().finally(() => process.exit(0)));
process.on('SIGTERM', () => void impl.release().finally(() => process.exit(0)));

import { randomUUID } from 'node:crypto';
import type { ApiHandlers } from '../shared/api.js';
import { serializeError, SpsError } from '../shared/errors.js';
import { readRunJob } from '../engine/tuning/run.js';
import type { GenerateCall } from '../worker/inference/protocol.js';
import type { ServiceContext } from './context.js';

type InferenceHandlers = Pick<ApiHandlers, 'inference.generate' | 'inference.cancel' | 'inference.classify'>;

export interface InferenceService {
  handlers: InferenceHandlers;
  /** Cancels every stream (the workers themselves end with the pool). */
  shutdown(): Promise<void>;
}

/**
 * Text generation (streamed as 'inference.token' events) and classification with a run, in
 * the inference worker of the model (its KV-cache session stays warm between generations).
 * This side only checks the request, routes it and relays the stream.
 */
export function inferenceService(ctx: ServiceContext, resolveRun: (id: string) => string): InferenceService {
  const streams = new Map<string, AbortController>();

  const handlers: InferenceHandlers = {
    'inference.generate': async (req) => {
      if (!Number.isInteger(req.maxNewTokens) || req.maxNewTokens < 1 || req.maxNewTokens > 4096) {
        throw new SpsError('INVALID_ARGUMENT', `maxNewTokens must be an integer in [1, 4096], got ${req.maxNewTokens}`, { location: { field: 'maxNewTokens' } });
      }
      // Generations queue in the model's worker: a client cannot pile up unbounded work there.
      const maxGenerations = ctx.opts.maxGenerations ?? 8;
      if (streams.size >= maxGenerations) {
        throw new SpsError('TOO_MANY_REQUESTS', `${streams.size} generations are already running or waiting (the limit is ${maxGenerations})`, { hint: 'wait for one to finish, or cancel one' });
      }
      const runDir = req.id !== undefined ? resolveRun(req.id) : undefined;
      const job = runDir ? readRunJob(runDir).job : undefined;
      const modelPath = req.modelPath ?? job?.model.path;
      if (!modelPath) throw new SpsError('INVALID_ARGUMENT', 'give a run id or a model path', { location: { field: 'modelPath' } });
      if (req.usePrompt && !runDir) throw new SpsError('INVALID_ARGUMENT', 'a tuned prompt needs a run id', { location: { field: 'id' } });
      const call: GenerateCall = {
        modelPath: ctx.modelKey(modelPath),
        ...(runDir ? { runDir } : {}),
        usePrompt: req.usePrompt,
        text: req.text,
        maxNewTokens: req.maxNewTokens,
        sampling: {
          ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
          ...(req.topK !== undefined ? { topK: req.topK } : {}),
          ...(req.topP !== undefined ? { topP: req.topP } : {}),
          ...(req.seed !== undefined ? { seed: req.seed } : {}),
        },
      };
      // Model, prompt and sizes are checked before the stream exists: such errors answer the request.
      await ctx.inference.call(call.modelPath, 'checkGenerate', call);
      const streamId = randomUUID();
      const abort = new AbortController();
      streams.set(streamId, abort);
      ctx.inference
        .call(call.modelPath, 'generate', call, { signal: abort.signal, onToken: (token, delta) => ctx.emit('inference.token', { streamId, token, delta }) })
        .then(
          (done) => ctx.emit('inference.token', { streamId, done }),
          (err: unknown) => ctx.emit('inference.token', { streamId, error: serializeError(err) }),
        )
        .finally(() => streams.delete(streamId));
      return { streamId };
    },
    'inference.cancel': async ({ streamId }) => {
      const a = streams.get(streamId);
      if (!a) return { ok: false };
      a.abort();
      return { ok: true };
    },
    'inference.classify': async ({ id, text }) => {
      const runDir = resolveRun(id);
      return ctx.inference.call(ctx.modelKey(readRunJob(runDir).job.model.path), 'classify', { runDir, text });
    },
  };

  return {
    handlers,
    shutdown: async () => {
      for (const a of streams.values()) a.abort();
    },
  };
}

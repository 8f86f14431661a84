import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { ApiHandlers } from '../shared/api.js';
import { SpsError } from '../shared/errors.js';
import { CachedGenerator } from '../engine/inference/cached_generator.js';
import { classifyText, runCheckpointPrompt } from '../engine/inference/classify_text.js';
import { streamContinuation } from '../engine/inference/continuation.js';
import { prepareTaskData, type TaskData } from '../engine/tuning/prepare_data.js';
import { readRunJob } from '../engine/tuning/run.js';
import { runPaths } from '../engine/tuning/run_dir.js';
import type { ServiceContext } from './context.js';
import { serializeError } from './dispatch.js';

type InferenceHandlers = Pick<ApiHandlers, 'inference.generate' | 'inference.cancel' | 'inference.classify'>;

export interface InferenceService {
  handlers: InferenceHandlers;
  /** Cancels every stream and releases the cached generators. */
  shutdown(): Promise<void>;
}

interface CachedGen {
  gen: Promise<CachedGenerator>;
  /** Generations on one session run one at a time. */
  tail: Promise<unknown>;
}

/**
 * Text generation (streamed as 'inference.token' events) and classification with a run. One
 * CachedGenerator (an onnxruntime session with a KV cache) is kept per model folder.
 */
export function inferenceService(ctx: ServiceContext, resolveRun: (id: string) => string): InferenceService {
  const generators = new Map<string, CachedGen>();
  const streams = new Map<string, AbortController>();
  const classifyData = new Map<string, TaskData>();

  const generatorFor = (modelPath: string): CachedGen => {
    const key = resolve(modelPath);
    let g = generators.get(key);
    if (!g) {
      const gen = CachedGenerator.create(ctx.model(key), { dtype: 'float32' });
      g = { gen, tail: Promise.resolve() };
      generators.set(key, g);
      gen.catch(() => generators.delete(key));
    }
    return g;
  };

  const handlers: InferenceHandlers = {
    'inference.generate': async (req) => {
      if (!Number.isInteger(req.maxNewTokens) || req.maxNewTokens < 1 || req.maxNewTokens > 4096) {
        throw new SpsError('INVALID_ARGUMENT', `maxNewTokens must be an integer in [1, 4096], got ${req.maxNewTokens}`, { location: { field: 'maxNewTokens' } });
      }
      const runDir = req.id !== undefined ? resolveRun(req.id) : undefined;
      const job = runDir ? readRunJob(runDir).job : undefined;
      const modelPath = req.modelPath ?? job?.model.path;
      if (!modelPath) throw new SpsError('INVALID_ARGUMENT', 'give a run id or a model path', { location: { field: 'modelPath' } });
      if (req.usePrompt && !runDir) throw new SpsError('INVALID_ARGUMENT', 'a tuned prompt needs a run id', { location: { field: 'id' } });
      const model = ctx.model(modelPath);
      const prompt = req.usePrompt && runDir ? runCheckpointPrompt(runDir).prompt : undefined;
      if (prompt && prompt.dim !== model.spec.hiddenSize) {
        throw new SpsError('TENSOR_MISMATCH', `the run's prompt is ${prompt.dim} wide but this model's hidden size is ${model.spec.hiddenSize}`, { location: { field: 'modelPath' }, hint: "use the run's own model" });
      }
      const sampling = {
        ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
        ...(req.topK !== undefined ? { topK: req.topK } : {}),
        ...(req.topP !== undefined ? { topP: req.topP } : {}),
        ...(req.seed !== undefined ? { seed: req.seed } : {}),
      };
      const streamId = randomUUID();
      const abort = new AbortController();
      streams.set(streamId, abort);
      const g = generatorFor(modelPath);
      const run = g.tail.then(async () => {
        try {
          if (abort.signal.aborted) {
            ctx.emit('inference.token', { streamId, done: { stopped: false, text: '', ids: [] } });
            return;
          }
          const generator = await g.gen;
          const r = await streamContinuation(model, prompt, req.text, {
            maxNewTokens: req.maxNewTokens,
            dtype: 'float32',
            sampling,
            generator,
            signal: abort.signal,
            fields: { text: 'text', maxNewTokens: 'maxNewTokens' },
            onToken: (token, delta) => ctx.emit('inference.token', { streamId, token, delta }),
          });
          ctx.emit('inference.token', { streamId, done: r });
        } catch (err) {
          ctx.emit('inference.token', { streamId, error: serializeError(err) });
        } finally {
          streams.delete(streamId);
        }
      });
      g.tail = run;
      return { streamId };
    },
    'inference.cancel': async ({ streamId }) => {
      const a = streams.get(streamId);
      if (!a) return { ok: false };
      a.abort();
      return { ok: true };
    },
    'inference.classify': async ({ id, text }) => {
      const dir = resolveRun(id);
      const { job } = readRunJob(dir);
      const model = ctx.model(job.model.path);
      const { prompt } = runCheckpointPrompt(dir);
      const key = runPaths(dir).root;
      let data = classifyData.get(key);
      if (!data && job.task.kind === 'classification') {
        data = await prepareTaskData(job, model);
        classifyData.set(key, data);
      }
      const r = await classifyText(model, job, prompt, text, data);
      return { prediction: r.prediction, scores: r.scores };
    },
  };

  return {
    handlers,
    shutdown: async () => {
      for (const a of streams.values()) a.abort();
      const all = [...generators.values()];
      generators.clear();
      for (const g of all) {
        await g.tail.catch(() => undefined);
        const gen = await g.gen.catch(() => undefined);
        await gen?.release();
      }
    },
  };
}

import { resolve } from 'node:path';
import ort from 'onnxruntime-node';
import { SpsError } from '../../shared/errors.js';
import { previewJobTemplate, validateJobDataset } from '../../engine/data/job_dataset.js';
import { exportRun } from '../../engine/export/export_run.js';
import { CachedGenerator } from '../../engine/inference/cached_generator.js';
import { classifyText, runCheckpointPrompt } from '../../engine/inference/classify_text.js';
import { streamContinuation } from '../../engine/inference/continuation.js';
import { nearestTokens } from '../../engine/inference/nearest_tokens.js';
import { predictExamples } from '../../engine/inference/predictions.js';
import { modelForJob } from '../../engine/models/chat_template.js';
import { inspectModel } from '../../engine/models/inspect_model.js';
import { loadModel, type LoadedModel } from '../../engine/models/load_model.js';
import { probeProviders } from '../../engine/runtime/providers.js';
import { prepareTaskData, type TaskData } from '../../engine/tuning/prepare_data.js';
import { createRun, readRunJob } from '../../engine/tuning/run.js';
import type { SoftPrompt } from '../../engine/tuning/soft_prompt.js';
import type { DatasetValidationProgress } from '../../shared/api.js';
import type { GenerateCall, OpName, OpReq, OpRes } from './protocol.js';

export interface CallContext {
  /** Aborted by the parent's cancel message. */
  signal: AbortSignal;
  onToken(token: number, delta: string): void;
  onProgress(p: Omit<DatasetValidationProgress, 'validationId'>): void;
}

type Op<K extends OpName> = (req: OpReq<K>, call: CallContext) => Promise<OpRes<K>>;

/**
 * The operations of an inference worker over the engine. Opened models, the KV-cache
 * generator and a classification run's prepared data stay here between calls (the worker is
 * kept warm), so a second call on the same model costs no loading.
 */
export class InferenceOpsImpl {
  private readonly models = new Map<string, LoadedModel>();
  private readonly generators = new Map<string, Promise<CachedGenerator>>();
  private readonly classifyData = new Map<string, TaskData>();

  private model(path: string): LoadedModel {
    const key = resolve(path);
    let m = this.models.get(key);
    if (!m) {
      m = loadModel(key);
      this.models.set(key, m);
    }
    return m;
  }

  private generator(model: LoadedModel): Promise<CachedGenerator> {
    let g = this.generators.get(model.dir);
    if (!g) {
      g = CachedGenerator.create(model, { dtype: 'float32' });
      this.generators.set(model.dir, g);
      g.catch(() => this.generators.delete(model.dir));
    }
    return g;
  }

  private generationInputs(req: GenerateCall): { model: LoadedModel; prompt: SoftPrompt | undefined } {
    // A run's playground builds its input as the run did (the chat template, if the job used
    // one), with and without the prompt alike.
    const model = req.runDir ? modelForJob(this.model(req.modelPath), readRunJob(req.runDir).job) : this.model(req.modelPath);
    const prompt = req.usePrompt && req.runDir ? runCheckpointPrompt(req.runDir).prompt : undefined;
    if (prompt && prompt.dim !== model.spec.hiddenSize) {
      throw new SpsError('TENSOR_MISMATCH', `the run's prompt is ${prompt.dim} wide but this model's hidden size is ${model.spec.hiddenSize}`, { location: { field: 'modelPath' }, hint: "use the run's own model" });
    }
    return { model, prompt };
  }

  readonly ops: { [K in OpName]: Op<K> } = {
    checkGenerate: async (req) => {
      this.generationInputs(req);
      return { ok: true };
    },
    generate: async (req, call) => {
      const { model, prompt } = this.generationInputs(req);
      if (call.signal.aborted) return { stopped: false, text: '', ids: [] };
      const generator = await this.generator(model);
      return streamContinuation(model, prompt, req.text, {
        maxNewTokens: req.maxNewTokens,
        dtype: 'float32',
        sampling: req.sampling,
        generator,
        signal: call.signal,
        fields: { text: 'text', maxNewTokens: 'maxNewTokens' },
        onToken: call.onToken,
      });
    },
    classify: async ({ runDir, text }) => {
      const { job } = readRunJob(runDir);
      const model = this.model(job.model.path);
      const { prompt } = runCheckpointPrompt(runDir);
      let data = this.classifyData.get(runDir);
      if (!data && job.task.kind === 'classification') {
        data = await prepareTaskData(job, model);
        this.classifyData.set(runDir, data);
      }
      const r = await classifyText(model, job, prompt, text, data);
      return { prediction: r.prediction, scores: r.scores };
    },
    predictions: async ({ runDir, checkpoint }) => {
      const { job } = readRunJob(runDir);
      const chosen = runCheckpointPrompt(runDir, checkpoint);
      const { metrics, examples } = await predictExamples(this.model(job.model.path), job, chosen.prompt);
      return { checkpoint: chosen.which, metrics: { ...metrics }, examples };
    },
    nearestTokens: async ({ runDir, k }) => {
      const { job } = readRunJob(runDir);
      const { prompt } = runCheckpointPrompt(runDir);
      return nearestTokens(prompt, this.model(job.model.path), { k }).map((v) => ({ index: v.index, tokens: v.tokens.map((t) => ({ ...t })) }));
    },
    // A fresh look at the folder every time (it may have been fixed since), not the cached model.
    inspectModel: async ({ path, addedAt }) => inspectModel(path, addedAt),
    validateDataset: async ({ job }, call) => validateJobDataset(job, this.model(job.model.path), { signal: call.signal, onProgress: (p) => call.onProgress(p) }),
    templatePreview: async ({ job, limit }) => previewJobTemplate(job, this.model(job.model.path), limit),
    exportRun: async ({ runDir, opts }) => {
      const r = exportRun(runDir, opts);
      return { path: r.out, files: r.files };
    },
    createRun: async ({ runDir, job }) => {
      createRun(runDir, job);
      return {};
    },
    runtimeInfo: async () => ({
      onnxruntime: ort.env.versions.node ?? ort.env.versions.common,
      providers: (await probeProviders()).map((p) => ({ ...p })),
    }),
  };

  /** Ops that only read files and check: answered at once, even while a session op runs. */
  static readonly immediate: ReadonlySet<OpName> = new Set<OpName>(['checkGenerate', 'inspectModel', 'runtimeInfo']);

  async release(): Promise<void> {
    for (const g of this.generators.values()) await (await g.catch(() => undefined))?.release();
    this.generators.clear();
  }
}

import type { ApiEvents, DatasetValidationProgress, ModelEntry, ProviderInfo, Res, TemplatePreview, ValidationReportDTO } from '../../shared/api.js';
import type { JobConfig } from '../../shared/job.js';
import type { SerializedError } from '../../shared/training_events.js';
import type { ExportOptions } from '../../engine/export/export_run.js';

/**
 * The inference worker's message protocol. The process serving the API sends calls; the
 * worker (one per model folder, kept warm) runs them over the engine and answers. Every
 * onnxruntime session, tokenizer and weight read of the API happens on this side.
 */

export interface GenerateCall {
  /** The model folder (resolved). */
  modelPath: string;
  /** The run whose tuned prompt goes in front (usePrompt). */
  runDir?: string;
  usePrompt: boolean;
  text: string;
  maxNewTokens: number;
  sampling: { temperature?: number; topK?: number; topP?: number; seed?: number };
}

export type GenerationDone = NonNullable<ApiEvents['inference.token']['done']>;

/** Request → response of each operation. */
export interface InferenceOps {
  /** Everything generate checks before its first token (model, prompt, sizes): errors at request time. */
  checkGenerate: { req: GenerateCall; res: { ok: true } };
  /** Streams 'token' messages, then answers with the whole generation. */
  generate: { req: GenerateCall; res: GenerationDone };
  classify: { req: { runDir: string; text: string }; res: Res<'inference.classify'> };
  predictions: { req: { runDir: string; checkpoint?: 'best' | 'final' }; res: Res<'jobs.predictions'> };
  nearestTokens: { req: { runDir: string; k: number }; res: Res<'jobs.nearestTokens'> };
  inspectModel: { req: { path: string; addedAt?: string }; res: ModelEntry };
  validateDataset: { req: { job: JobConfig }; res: ValidationReportDTO };
  templatePreview: { req: { job: JobConfig; limit: number }; res: TemplatePreview };
  /** The card reads the model's embeddings (nearest tokens), hence here. */
  exportRun: { req: { runDir: string; opts: Omit<ExportOptions, 'now'> }; res: { path: string; files: string[] } };
  /** Checks that the model and data open and writes job.json with their fingerprints (hashing the data). */
  createRun: { req: { runDir: string; job: JobConfig }; res: Record<string, never> };
  runtimeInfo: { req: Record<string, never>; res: { onnxruntime: string; providers: ProviderInfo[] } };
}

export type OpName = keyof InferenceOps;
export type OpReq<K extends OpName> = InferenceOps[K]['req'];
export type OpRes<K extends OpName> = InferenceOps[K]['res'];

export type ParentToInference =
  | { type: 'call'; callId: number; op: OpName; req: unknown }
  /** Ends a generation after the token being computed (it answers with stopped: false). */
  | { type: 'cancel'; callId: number };

export type InferenceToParent =
  | { type: 'result'; callId: number; value: unknown }
  | { type: 'error'; callId: number; error: SerializedError }
  | { type: 'token'; callId: number; token: number; delta: string }
  /** Progress of a long call (dataset validation). */
  | { type: 'progress'; callId: number; progress: Omit<DatasetValidationProgress, 'validationId'> }
  /** The worker's resident memory after a call, for the pool's memory budget. */
  | { type: 'memory'; rss: number };

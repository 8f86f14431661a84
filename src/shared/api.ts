/**
 * The one API contract between the renderer and the app (Electron main over IPC, or the web
 * server over WebSocket). Channel → request → response, plus event streams. Payloads are plain
 * JSON. Both sides use the same request validators (api_validate.ts).
 */
import type { DeviceKind, JobConfig, TaskKind } from './job.js';
import type { SampleInfo } from './sample_job.js';
import type { SweepConfig } from './sweep.js';
import type { SweepDetail, SweepEvent, SweepPlan, SweepSummary } from './sweep_state.js';
import type { RunStatus, SerializedError, TrainingEvent } from './training_events.js';
import type { MemoryShape } from './memory_estimate.js';

export interface ModelEntry {
  id: string;
  path: string;
  name: string;
  modelType: string;
  /** False when the folder opens but cannot be used; `reason` says why. */
  supported: boolean;
  reason?: string;
  hiddenSize?: number;
  numLayers?: number;
  vocabSize?: number;
  contextLength?: number;
  parameters?: number;
  sizeBytes?: number;
  /** The shape the memory estimate needs (src/shared/memory_estimate.ts). */
  memoryShape?: MemoryShape;
  addedAt: string;
  /** Where the library found it: shipped with the app, a folder the user added, or a Hugging Face cache snapshot (downloads land there). */
  source?: ModelSource;
  /** config.json's architectures[0] (e.g. LlamaForCausalLM). */
  architecture?: string;
  /** The weights' dtype (the one holding most parameters): F32, F16, BF16 … */
  dtype?: string;
  /** Hugging Face cache snapshots: the repo and the commit. */
  repoId?: string;
  revision?: string;
  /** Branches pointing at this snapshot (refs/). */
  refs?: string[];
}

export type ModelSource = 'builtin' | 'added' | 'hf-cache';

/** A model known to work, offered for download from the Hugging Face Hub. */
export interface CatalogueEntry {
  repoId: string;
  /** Roughly, for the list: the Hub is asked for exact sizes when pulling. */
  parameters: number;
  approxBytes: number;
  instruct: boolean;
  /** Gated repos need the licence accepted on the model page and a token. */
  gated: boolean;
  license: string;
  note?: string;
  /** A snapshot of it is in the cache already. */
  downloaded: boolean;
}

/** How far a download from the Hub has come (the engine's progress report). */
export interface PullProgress {
  repoId: string;
  revision: string;
  /** The commit being downloaded, once resolved. */
  sha?: string;
  phase: 'resolving' | 'downloading' | 'done' | 'failed' | 'cancelled';
  /** The file being downloaded now. */
  file?: string;
  filesDone: number;
  filesTotal: number;
  /** Bytes of the needed files on disk (already present ones count as done). */
  bytesDone: number;
  bytesTotal: number;
  bytesPerSecond: number;
  etaSeconds?: number;
}

/** A download from the Hub, as the models.pull event and models.pulls report it. */
export interface PullStatus extends PullProgress {
  pullId: string;
  error?: SerializedError;
  /** When done: the downloaded model as the library lists it. */
  model?: ModelEntry;
}

/** Which Hugging Face token downloads use, and where they go (never the token itself). */
export interface HubTokenStatus {
  source: 'env' | 'stored' | 'none';
  /** A token can be stored encrypted (desktop: Electron safeStorage); web mode reads HF_TOKEN only. */
  canStore: boolean;
  endpoint: string;
  cacheDir: string;
}

export interface DatasetPreview {
  path: string;
  format: string;
  columns: string[];
  /** The first rows, values as strings (missing → absent). */
  rows: { line: number; fields: Record<string, string> }[];
  bytes: number;
}

export interface ProblemDTO {
  kind: string;
  severity: 'error' | 'warning';
  message: string;
  location: { file?: string; line?: number; field?: string };
  hint?: string;
}

/** The dataset validation report (engine/data/validate.ts), as plain data. */
export interface ValidationReportDTO {
  ok: boolean;
  errors: number;
  warnings: number;
  train: { file: string; format: string; rows: number; columns: string[]; examples: number; duplicateRows: number; labelDistribution?: { label: string; count: number }[]; lengths?: { count: number; min: number; max: number; mean: number; p50: number; p95: number; histogram: { from: number; to: number; count: number }[]; maxLength?: number; truncated?: number } };
  validation?: { file: string; rows: number; examples: number; overlapWithTrain: number };
  labels?: string[];
  /** Classification: label → verbalizer, the defaults following the model's tokenizer. */
  verbalizers?: Record<string, string>;
  problems: { kind: string; severity: 'error' | 'warning'; count: number; shown: ProblemDTO[] }[];
}

export interface TemplatePreview {
  /** The rendered input and output of the first rows, and their tokens. */
  examples: { line: number; input: string; output: string; tokens: { id: number; text: string; part: 'input' | 'output' }[] }[];
}

export interface RunSummary {
  id: string;
  dir: string;
  name?: string;
  status: RunStatus;
  step: number;
  totalSteps: number;
  task: TaskKind;
  modelPath: string;
  createdAt: string;
  /** `scope`: "on N of M examples" when the best was a generation metric scored on part of the validation set. */
  best: { metric: string; value: number; step: number; scope?: string } | null;
  error?: SerializedError;
  /** Queued behind another job on the same device. */
  queued?: boolean;
}

export type MetricRecord = { kind: 'baseline' | 'train' | 'evaluation' | 'skipped'; step: number } & Record<string, unknown>;

export interface RunDetail extends RunSummary {
  job: JobConfig;
  metrics: MetricRecord[];
  /** Recent worker log lines. */
  log: string[];
}

export interface NearestTokensDTO {
  index: number;
  tokens: { id: number; token: string; similarity: number }[];
}

/** One validation example with what the model predicted (jobs.predictions). */
export interface PredictionDTO {
  /** 1-based line (or row) in the data file. */
  line?: number;
  input: string;
  /** Classification: the true label and the predicted one. */
  label?: string;
  prediction?: string;
  /** Generation / language modelling: the expected output and the greedy one (first examples). */
  reference?: string;
  generated?: string;
  /** Classification: prediction = label; generation: the reference tokens came out exactly. */
  correct?: boolean;
}

export type ExportFormat = 'peft' | 'safetensors' | 'npy' | 'json' | 'card';

export interface ProviderInfo {
  name: DeviceKind;
  available: boolean;
  reason?: string;
  /** The WebGPU adapter: its name, driver and kind (a real GPU or a software renderer). */
  adapter?: { name?: string; driver?: string; kind: 'gpu' | 'software' | 'unknown'; shaderF16: boolean };
  /** Never offered or picked by itself, only when chosen by name (a software WebGPU adapter). */
  explicitOnly?: boolean;
  /** Runs half precision (what precision "auto" picks fp16 by). */
  fp16?: boolean;
  /** A GPU's memory when probed and where the numbers came from (nvidia-smi, SPS_DEVICE_MEMORY_GB, assumed). */
  memory?: { freeBytes: number; totalBytes: number; source: string };
}

export interface SystemInfo {
  appVersion: string;
  node: string;
  onnxruntime: string;
  platform: string;
  providers: ProviderInfo[];
  paths: { data: string; runs: string; models: string };
  /** 'desktop' (Electron) or 'web' (sps serve). */
  mode: 'desktop' | 'web';
  /** Memory of the machine that trains (the wizard warns when a job will not fit). */
  memory?: { totalBytes: number; freeBytes: number };
  /** The built-in model and sample dataset for "Try the sample"; absent if the install lacks them. */
  sample?: SampleInfo;
}

export interface Settings {
  runsDir: string;
  theme: 'light' | 'dark' | 'system';
}

/** Progress of a dataset validation started with a validationId ('datasets.validateProgress' events). */
export interface DatasetValidationProgress {
  validationId: string;
  /** Reading counts bytes of the file; tokenizing counts examples. */
  phase: 'reading' | 'tokenizing';
  which: 'train' | 'validation';
  done: number;
  total: number;
  /** Seconds left in this phase (-1 while unknown). */
  etaSeconds: number;
}

/** The shared token cache (tokenized datasets, reused by validation, runs and sweeps). */
export interface TokenCacheStatus {
  dir: string;
  /** 'env': set by SPS_TOKEN_CACHE; 'default': the platform's cache folder. */
  dirSource: 'env' | 'default';
  /** Least recently used entries are deleted beyond this (SPS_TOKEN_CACHE_MAX_GB, default 20 GB). */
  maxBytes: number;
  bytes: number;
  entries: number;
}

/** Request → response of every call. */
export interface ApiMethods {
  'system.info': { req: Record<string, never>; res: SystemInfo };
  'system.getSettings': { req: Record<string, never>; res: Settings };
  'system.setSettings': { req: Partial<Settings>; res: Settings };
  'system.tokenCache': { req: Record<string, never>; res: TokenCacheStatus };
  /** Deletes every entry no run is tokenizing into right now (`kept` of them are in use). */
  'system.clearTokenCache': { req: Record<string, never>; res: TokenCacheStatus & { removed: number; freedBytes: number; kept: number } };
  'models.list': { req: Record<string, never>; res: ModelEntry[] };
  'models.add': { req: { path: string }; res: ModelEntry };
  'models.inspect': { req: { path: string }; res: ModelEntry };
  /** deleteFiles: a Hugging Face cache snapshot is deleted from disk (blobs no other snapshot uses go too). */
  'models.remove': { req: { id: string; deleteFiles?: boolean }; res: { removed: boolean } };
  'models.catalogue': { req: Record<string, never>; res: CatalogueEntry[] };
  /** Starts a download from the Hub (progress as models.pull events); a pull of the same repo already running is returned. */
  'models.pull': { req: { repoId: string; revision?: string }; res: { pullId: string } };
  'models.cancelPull': { req: { pullId: string }; res: { ok: boolean } };
  'models.pulls': { req: Record<string, never>; res: PullStatus[] };
  'models.hubToken': { req: Record<string, never>; res: HubTokenStatus };
  'models.setHubToken': { req: { token: string }; res: HubTokenStatus };
  'models.clearHubToken': { req: Record<string, never>; res: HubTokenStatus };
  'datasets.preview': { req: { path: string; limit?: number }; res: DatasetPreview };
  /** With a validationId: 'datasets.validateProgress' events, and 'datasets.cancelValidate' ends it (a CANCELLED error). */
  'datasets.validate': { req: { job: JobConfig; validationId?: string }; res: ValidationReportDTO };
  'datasets.cancelValidate': { req: { validationId: string }; res: { ok: boolean } };
  'datasets.templatePreview': { req: { job: JobConfig; limit?: number }; res: TemplatePreview };
  /** A file's content sent by the browser (web mode's drag-and-drop), saved under DATA/uploads/. */
  'datasets.upload': { req: { name: string; contentBase64: string }; res: { path: string; bytes: number } };
  'jobs.create': { req: { job: JobConfig; name?: string }; res: RunSummary };
  'jobs.start': { req: { id: string }; res: RunSummary };
  'jobs.pause': { req: { id: string }; res: { ok: boolean } };
  'jobs.resume': { req: { id: string }; res: RunSummary };
  'jobs.cancel': { req: { id: string }; res: { ok: boolean } };
  'jobs.list': { req: Record<string, never>; res: RunSummary[] };
  'jobs.get': { req: { id: string }; res: RunDetail };
  'jobs.delete': { req: { id: string }; res: { deleted: boolean } };
  'jobs.nearestTokens': { req: { id: string; k?: number }; res: NearestTokensDTO[] };
  /** The run's evaluation on its validation data, with every example's prediction. */
  'jobs.predictions': { req: { id: string; checkpoint?: 'best' | 'final' }; res: { checkpoint: 'best' | 'final'; metrics: Record<string, unknown>; examples: PredictionDTO[] } };
  'inference.generate': { req: { id?: string; modelPath?: string; usePrompt: boolean; text: string; maxNewTokens: number; temperature?: number; topK?: number; topP?: number; seed?: number }; res: { streamId: string } };
  'inference.cancel': { req: { streamId: string }; res: { ok: boolean } };
  'inference.classify': { req: { id: string; text: string }; res: { prediction: string; scores: Record<string, number> } };
  'exports.export': { req: { id: string; format: ExportFormat; checkpoint?: 'best' | 'final'; out?: string }; res: { path: string; files: string[] } };
  'exports.import': { req: { path: string; expectDim?: number }; res: { numVirtualTokens: number; dim: number } };
  /** The trials and rung schedule a sweep config gives, without creating anything (wizard estimate). */
  'sweeps.plan': { req: { config: SweepConfig }; res: SweepPlan };
  /** Creates a sweep folder and starts it (sweeps run one at a time; later ones wait). */
  'sweeps.create': { req: { config: SweepConfig; name?: string }; res: SweepSummary };
  'sweeps.list': { req: Record<string, never>; res: SweepSummary[] };
  'sweeps.get': { req: { id: string }; res: SweepDetail };
  /** The running trial checkpoints and the sweep stops; sweeps.resume continues it. */
  'sweeps.cancel': { req: { id: string }; res: { ok: boolean } };
  'sweeps.resume': { req: { id: string }; res: SweepSummary };
}

/** Events pushed to the renderer. */
export interface ApiEvents {
  'jobs.event': { id: string; event: TrainingEvent };
  'jobs.changed': { run: RunSummary };
  'sweeps.event': { id: string; event: SweepEvent };
  'sweeps.changed': { sweep: SweepSummary };
  'models.pull': PullStatus;
  'datasets.validateProgress': DatasetValidationProgress;
  'inference.token': { streamId: string; token?: number; delta?: string; done?: { stopped: boolean; text: string; ids: number[] }; error?: SerializedError };
}

export type Method = keyof ApiMethods;
export type Req<M extends Method> = ApiMethods[M]['req'];
export type Res<M extends Method> = ApiMethods[M]['res'];
export type EventName = keyof ApiEvents;

/** A call's result across a transport: never a thrown Error object. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

/** What the renderer uses; IPC and WebSocket transports both implement it. */
export interface ApiClient {
  call<M extends Method>(method: M, req: Req<M>): Promise<Res<M>>;
  subscribe<E extends EventName>(event: E, handler: (payload: ApiEvents[E]) => void): () => void;
}

/** The server side: every method implemented. */
export type ApiHandlers = { [M in Method]: (req: Req<M>) => Promise<Res<M>> };

/** Every method, in the contract's order: the keys of the validator table (which the compiler keeps complete). */
export { METHODS } from './api_validate.js';

export const EVENTS: readonly EventName[] = ['jobs.event', 'jobs.changed', 'sweeps.event', 'sweeps.changed', 'models.pull', 'inference.token'];

/** The error a caller sees when a call fails: the engine's SpsError fields, plain. */
export class ApiError extends Error {
  constructor(readonly error: SerializedError) {
    super(error.message + (error.hint ? ` — ${error.hint}` : ''));
    this.name = 'ApiError';
  }
}

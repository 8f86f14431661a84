import { render } from '@testing-library/react';
import { ApiError, type ApiClient, type ApiEvents, type EventName, type Method, type ModelEntry, type Req, type Res, type RunDetail, type RunSummary, type SystemInfo } from '../../src/shared/api';
import type { SerializedError } from '../../src/shared/training_events';
import { AppProvider } from '../../src/renderer/api/context';
import type { Platform } from '../../src/renderer/api/platform';
import { App } from '../../src/renderer/App';
import { createStores } from '../../src/renderer/stores';

type Handler<M extends Method> = (req: Req<M>) => Res<M> | Promise<Res<M>>;
export type Handlers = { [M in Method]?: Handler<M> };

export interface FakeApi extends ApiClient {
  calls: { method: Method; req: unknown }[];
  callsOf<M extends Method>(method: M): Req<M>[];
  emit<E extends EventName>(event: E, payload: ApiEvents[E]): void;
  handlers: Handlers;
}

export const SYSTEM_INFO: SystemInfo = {
  appVersion: '0.1.0',
  node: 'v20',
  onnxruntime: '1.30.0',
  platform: 'linux-x64',
  providers: [
    { name: 'cpu', available: true },
    { name: 'webgpu', available: false, reason: 'the only WebGPU adapter here is a software renderer', adapter: { name: 'llvmpipe (LLVM 19)', driver: 'libvulkan_lvp.so', kind: 'software', shaderF16: true } },
    { name: 'webgpu-software', available: true, explicitOnly: true, fp16: true, adapter: { name: 'llvmpipe (LLVM 19)', driver: 'libvulkan_lvp.so', kind: 'software', shaderF16: true } },
    { name: 'cuda', available: false, reason: 'CUDA 12 is not installed' },
  ],
  paths: { data: '/data', runs: '/data/runs', models: '/data/models' },
  mode: 'web',
};

export const MODEL: ModelEntry = { id: 'm1', path: '/models/stories260K', name: 'stories260K', modelType: 'llama', supported: true, hiddenSize: 64, numLayers: 5, vocabSize: 512, contextLength: 512, parameters: 260_000, sizeBytes: 1_040_000, addedAt: '2025-01-01T00:00:00Z' };
export const BAD_MODEL: ModelEntry = { id: 'm2', path: '/models/bert', name: 'bert-base', modelType: 'bert', supported: false, reason: 'model_type "bert" is not supported (supported: llama, mistral, qwen2, qwen3, gpt2)', addedAt: '2025-01-01T00:00:00Z' };

export function fakeApi(handlers: Handlers = {}): FakeApi {
  const subs = new Map<EventName, Set<(p: unknown) => void>>();
  const defaults: Handlers = {
    'system.info': () => SYSTEM_INFO,
    'system.getSettings': () => ({ runsDir: '/data/runs', theme: 'system' }),
    'system.setSettings': (req) => ({ runsDir: '/data/runs', theme: 'system', ...req }),
    'system.tokenCache': () => ({ dir: '/home/u/.cache/soft-prompt-studio/tokens', dirSource: 'default', maxBytes: 20e9, bytes: 0, entries: 0 }),
    'models.list': () => [],
    'models.catalogue': () => [],
    'models.pulls': () => [],
    'models.hubToken': () => ({ source: 'none', canStore: false, endpoint: 'https://huggingface.co', cacheDir: '/home/u/.cache/huggingface/hub' }),
    'jobs.list': () => [],
  };
  const api: FakeApi = {
    calls: [],
    handlers: { ...defaults, ...handlers },
    callsOf: <M extends Method>(method: M) => api.calls.filter((c) => c.method === method).map((c) => c.req as Req<M>),
    async call<M extends Method>(method: M, req: Req<M>): Promise<Res<M>> {
      api.calls.push({ method, req });
      const h = api.handlers[method] as Handler<M> | undefined;
      if (!h) throw new ApiError({ code: 'INTERNAL', message: `${method} is not faked` });
      return await h(req);
    },
    subscribe(event, handler) {
      const set = subs.get(event) ?? new Set();
      set.add(handler as (p: unknown) => void);
      subs.set(event, set);
      return () => set.delete(handler as (p: unknown) => void);
    },
    emit(event, payload) {
      for (const h of subs.get(event) ?? []) h(payload);
    },
  };
  return api;
}

export const apiError = (e: SerializedError) => new ApiError(e);

/** A promise the test resolves later (to observe loading states). */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export function renderApp(api: FakeApi, platform: Platform = { mode: 'web' }) {
  const stores = createStores(api);
  const utils = render(
    <AppProvider api={api} platform={platform} stores={stores}>
      <App />
    </AppProvider>,
  );
  return { ...utils, stores };
}

export function summary(over: Partial<RunSummary> = {}): RunSummary {
  return { id: 'r1', dir: '/data/runs/r1', name: 'sentiment-v1', status: 'running', step: 0, totalSteps: 100, task: 'classification', modelPath: MODEL.path, createdAt: '2025-01-01T00:00:00Z', best: null, ...over };
}

export function detail(over: Partial<RunDetail> = {}): RunDetail {
  return {
    ...summary(),
    job: {
      version: 1,
      model: { path: MODEL.path },
      data: { train: '/d/sentiment.csv', validationFraction: 0.1 },
      task: { kind: 'classification', inputTemplate: '{text} The child felt', labelColumn: 'label', labels: ['happy', 'sad'] },
      prompt: { numVirtualTokens: 8, init: 'random' },
      training: { learningRate: 0.3, steps: 100, batchSize: 8, gradAccum: 1, warmupRatio: 0.06, schedule: 'linear', weightDecay: 0, maxGradNorm: 1, maxLength: 64, evalEvery: 50, checkpointEvery: 50, patience: 0, seed: 42, maxConsecutiveSkips: 5, appendEos: false, evalBatchSize: 16 },
      device: 'cpu',
    },
    metrics: [],
    log: [],
    ...over,
  };
}

/** A drop of something on the window (jsdom has no DataTransfer). */
export function dropOnWindow(data: { text?: string; files?: File[] }) {
  const dt = {
    types: [...(data.files?.length ? ['Files'] : []), ...(data.text ? ['text/plain'] : [])],
    files: data.files ?? [],
    getData: (t: string) => (t === 'text/plain' ? (data.text ?? '') : ''),
    dropEffect: 'none',
  };
  for (const type of ['dragenter', 'drop']) {
    const ev = new Event(type, { bubbles: true, cancelable: true });
    Object.defineProperty(ev, 'dataTransfer', { value: dt });
    window.dispatchEvent(ev);
  }
}

import type { Metrics } from '../../shared/training_events.js';
import { loadModel, type LoadedModel } from '../models/load_model.js';
import type { StreamedTaskData } from './prepare_data.js';

export interface Releasable {
  release(): Promise<void>;
}

/**
 * Where the trainer gets its model, prepared data, compute sessions and baseline metrics.
 * A single run makes each once and releases its sessions at the end (`fresh`); a sweep runs
 * many trials of the same model and data in one process and keeps them (`ResourceCache`):
 * the model is loaded and the data tokenized once, a session is built once per prompt
 * length, and the no-prompt baseline is evaluated once. Nothing here changes what a run
 * computes, only how often the same thing is built.
 */
export interface TrainerResources {
  model(path: string): LoadedModel;
  data(key: string, load: () => Promise<StreamedTaskData>): Promise<StreamedTaskData>;
  runner<T extends Releasable>(key: string, make: () => Promise<T>): Promise<T>;
  baseline(key: string, compute: () => Promise<Metrics>): Promise<Metrics>;
  /** Whether the caller must release the runners it got (true unless a cache owns them). */
  readonly callerReleases: boolean;
}

export const freshResources: TrainerResources = {
  model: (path) => loadModel(path),
  data: (_key, load) => load(),
  runner: (_key, make) => make(),
  baseline: (_key, compute) => compute(),
  callerReleases: true,
};

/** Keeps what trials share. Sessions are kept for the last `keepRunners` keys (memory). */
export class ResourceCache implements TrainerResources {
  readonly callerReleases = false;
  private readonly models = new Map<string, LoadedModel>();
  private readonly datas = new Map<string, Promise<StreamedTaskData>>();
  private readonly baselines = new Map<string, Promise<Metrics>>();
  private readonly runners = new Map<string, Promise<Releasable>>();

  constructor(private readonly keepRunners = 6) {}

  model(path: string): LoadedModel {
    let m = this.models.get(path);
    if (!m) {
      m = loadModel(path);
      this.models.set(path, m);
    }
    return m;
  }

  data(key: string, load: () => Promise<StreamedTaskData>): Promise<StreamedTaskData> {
    let d = this.datas.get(key);
    if (!d) {
      d = load();
      this.datas.set(key, d);
      d.catch(() => this.datas.delete(key));
    }
    return d;
  }

  baseline(key: string, compute: () => Promise<Metrics>): Promise<Metrics> {
    let b = this.baselines.get(key);
    if (!b) {
      b = compute();
      this.baselines.set(key, b);
      b.catch(() => this.baselines.delete(key));
    }
    return b;
  }

  async runner<T extends Releasable>(key: string, make: () => Promise<T>): Promise<T> {
    let r = this.runners.get(key);
    if (r) {
      // Most recently used last, so the oldest is evicted first.
      this.runners.delete(key);
      this.runners.set(key, r);
      return r as Promise<T>;
    }
    r = make();
    this.runners.set(key, r);
    while (this.runners.size > this.keepRunners) {
      const [oldKey, old] = this.runners.entries().next().value as [string, Promise<Releasable>];
      this.runners.delete(oldKey);
      await (await old).release();
    }
    return r as Promise<T>;
  }

  async release(): Promise<void> {
    const all = [...this.runners.values()];
    this.runners.clear();
    for (const r of all) await (await r).release();
    const datas = [...this.datas.values()];
    this.datas.clear();
    for (const d of datas) await (await d.catch(() => undefined))?.close();
  }
}

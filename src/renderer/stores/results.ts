import { createStore } from 'zustand';
import type { ApiClient, ApiEvents, ExportFormat, NearestTokensDTO, PredictionDTO } from '../../shared/api';
import type { SerializedError } from '../../shared/training_events';
import { toSerialized, type Async } from '../lib/errors';

export type Side = 'with' | 'without';

export interface Stream {
  streamId?: string;
  text: string;
  status: 'idle' | 'starting' | 'streaming' | 'done' | 'stopped' | 'error';
  error?: SerializedError;
}

export interface RunResults {
  nearest: Async<NearestTokensDTO[]>;
  predictions: Async<{ checkpoint: 'best' | 'final'; examples: PredictionDTO[] }>;
  classify: Async<{ prediction: string; scores: Record<string, number> }>;
  streams: Record<Side, Stream>;
  exported: Async<{ path: string; files: string[] }>;
}

export interface PlaygroundRequest {
  text: string;
  maxNewTokens: number;
  temperature?: number;
}

export interface ResultsState {
  runs: Record<string, RunResults>;
  loadNearest: (id: string, k?: number) => Promise<void>;
  loadPredictions: (id: string) => Promise<void>;
  classify: (id: string, text: string) => Promise<void>;
  generate: (id: string, req: PlaygroundRequest) => Promise<void>;
  stop: (id: string) => Promise<void>;
  onToken: (payload: ApiEvents['inference.token']) => void;
  exportRun: (id: string, format: ExportFormat, checkpoint: 'best' | 'final', out?: string) => Promise<void>;
  resetExport: (id: string) => void;
}

const idleStream = (): Stream => ({ text: '', status: 'idle' });
const empty = (): RunResults => ({ nearest: { status: 'idle' }, predictions: { status: 'idle' }, classify: { status: 'idle' }, streams: { with: idleStream(), without: idleStream() }, exported: { status: 'idle' } });

export const createResultsStore = (api: ApiClient) =>
  createStore<ResultsState>()((set, get) => {
    const update = (id: string, fn: (r: RunResults) => Partial<RunResults>) => {
      const cur = get().runs[id] ?? empty();
      set({ runs: { ...get().runs, [id]: { ...cur, ...fn(cur) } } });
    };
    const setStream = (id: string, side: Side, fn: (s: Stream) => Partial<Stream>) => update(id, (r) => ({ streams: { ...r.streams, [side]: { ...r.streams[side], ...fn(r.streams[side]) } } }));
    /** streamId → where its tokens go; tokens that arrive before the call returns wait in `early`. */
    const owners = new Map<string, { id: string; side: Side }>();
    const early = new Map<string, ApiEvents['inference.token'][]>();

    const apply = (id: string, side: Side, p: ApiEvents['inference.token']) => {
      if (p.error) setStream(id, side, () => ({ status: 'error', error: p.error }));
      else if (p.done) setStream(id, side, () => ({ status: p.done!.stopped ? 'stopped' : 'done', text: p.done!.text }));
      else if (p.delta !== undefined) setStream(id, side, (s) => ({ status: s.status === 'stopped' ? s.status : 'streaming', text: s.text + p.delta }));
      if (p.error || p.done) owners.delete(p.streamId);
    };

    return {
      runs: {},
      loadNearest: async (id, k = 8) => {
        update(id, () => ({ nearest: { status: 'loading' } }));
        try {
          const data = await api.call('jobs.nearestTokens', { id, k });
          update(id, () => ({ nearest: { status: 'ready', data } }));
        } catch (e) {
          update(id, () => ({ nearest: { status: 'error', error: toSerialized(e) } }));
        }
      },
      loadPredictions: async (id) => {
        update(id, () => ({ predictions: { status: 'loading' } }));
        try {
          const r = await api.call('jobs.predictions', { id });
          update(id, () => ({ predictions: { status: 'ready', data: { checkpoint: r.checkpoint, examples: r.examples } } }));
        } catch (e) {
          update(id, () => ({ predictions: { status: 'error', error: toSerialized(e) } }));
        }
      },
      classify: async (id, text) => {
        update(id, () => ({ classify: { status: 'loading' } }));
        try {
          const data = await api.call('inference.classify', { id, text });
          update(id, () => ({ classify: { status: 'ready', data } }));
        } catch (e) {
          update(id, () => ({ classify: { status: 'error', error: toSerialized(e) } }));
        }
      },
      generate: async (id, req) => {
        await get().stop(id);
        const sides: Side[] = ['with', 'without'];
        await Promise.all(
          sides.map(async (side) => {
            setStream(id, side, () => ({ streamId: undefined, text: '', status: 'starting', error: undefined }));
            try {
              const { streamId } = await api.call('inference.generate', { id, usePrompt: side === 'with', text: req.text, maxNewTokens: req.maxNewTokens, ...(req.temperature !== undefined ? { temperature: req.temperature } : {}) });
              owners.set(streamId, { id, side });
              setStream(id, side, (s) => ({ streamId, status: s.status === 'starting' ? 'streaming' : s.status }));
              for (const p of early.get(streamId) ?? []) apply(id, side, p);
              early.delete(streamId);
            } catch (e) {
              setStream(id, side, () => ({ status: 'error', error: toSerialized(e) }));
            }
          }),
        );
      },
      stop: async (id) => {
        const r = get().runs[id];
        if (!r) return;
        await Promise.all(
          (['with', 'without'] as Side[]).map(async (side) => {
            const s = r.streams[side];
            if (!s.streamId || (s.status !== 'streaming' && s.status !== 'starting')) return;
            setStream(id, side, () => ({ status: 'stopped' }));
            try {
              await api.call('inference.cancel', { streamId: s.streamId });
            } catch (e) {
              setStream(id, side, () => ({ status: 'error', error: toSerialized(e) }));
            }
          }),
        );
      },
      onToken: (p) => {
        const owner = owners.get(p.streamId);
        if (owner) apply(owner.id, owner.side, p);
        else early.set(p.streamId, [...(early.get(p.streamId) ?? []), p].slice(-10_000));
      },
      exportRun: async (id, format, checkpoint, out) => {
        update(id, () => ({ exported: { status: 'loading' } }));
        try {
          const data = await api.call('exports.export', { id, format, checkpoint, ...(out ? { out } : {}) });
          update(id, () => ({ exported: { status: 'ready', data } }));
        } catch (e) {
          update(id, () => ({ exported: { status: 'error', error: toSerialized(e) } }));
        }
      },
      resetExport: (id) => update(id, () => ({ exported: { status: 'idle' } })),
    };
  });

import { createStore } from 'zustand';
import type { ApiClient, RunSummary } from '../../shared/api';
import { toSerialized, type Async } from '../lib/errors';

export interface RunsState {
  list: Async<RunSummary[]>;
  /** Runs ticked for the loss-curve overlay. */
  selected: string[];
  load: () => Promise<void>;
  upsert: (run: RunSummary) => void;
  toggle: (id: string) => void;
  remove: (id: string) => Promise<void>;
}

export const createRunsStore = (api: ApiClient) =>
  createStore<RunsState>()((set, get) => ({
    list: { status: 'idle' },
    selected: [],
    load: async () => {
      set({ list: { status: 'loading', data: get().list.data } });
      try {
        set({ list: { status: 'ready', data: await api.call('jobs.list', {}) } });
      } catch (e) {
        set({ list: { status: 'error', error: toSerialized(e) } });
      }
    },
    upsert: (run) => {
      const { list } = get();
      const prev = list.data ?? [];
      const i = prev.findIndex((r) => r.id === run.id);
      const data = i < 0 ? [run, ...prev] : prev.map((r) => (r.id === run.id ? run : r));
      // Keep the loading state if the first load is still on its way; the event only adds.
      set({ list: { ...list, status: list.status === 'idle' ? 'ready' : list.status, data } });
    },
    toggle: (id) => {
      const s = get().selected;
      set({ selected: s.includes(id) ? s.filter((x) => x !== id) : [...s, id] });
    },
    remove: async (id) => {
      try {
        await api.call('jobs.delete', { id });
        set({ list: { status: 'ready', data: (get().list.data ?? []).filter((r) => r.id !== id) }, selected: get().selected.filter((x) => x !== id) });
      } catch (e) {
        set({ list: { ...get().list, error: toSerialized(e) } });
      }
    },
  }));

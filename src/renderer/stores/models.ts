import { createStore } from 'zustand';
import type { ApiClient, ModelEntry } from '../../shared/api';
import { toSerialized, type Async } from '../lib/errors';

export interface ModelsState {
  list: Async<ModelEntry[]>;
  adding: Async<ModelEntry>;
  inspected: Async<ModelEntry>;
  load: () => Promise<void>;
  /** Adds a model folder; resolves to the entry, or undefined when it failed (see `adding.error`). */
  add: (path: string) => Promise<ModelEntry | undefined>;
  inspect: (path: string) => Promise<void>;
  /** deleteFiles: a Hugging Face cache snapshot is deleted from disk. */
  remove: (id: string, deleteFiles?: boolean) => Promise<void>;
}

export const createModelsStore = (api: ApiClient) =>
  createStore<ModelsState>()((set, get) => ({
    list: { status: 'idle' },
    adding: { status: 'idle' },
    inspected: { status: 'idle' },
    load: async () => {
      set({ list: { status: 'loading', data: get().list.data } });
      try {
        set({ list: { status: 'ready', data: await api.call('models.list', {}) } });
      } catch (e) {
        set({ list: { status: 'error', error: toSerialized(e) } });
      }
    },
    add: async (path) => {
      set({ adding: { status: 'loading' } });
      try {
        const m = await api.call('models.add', { path });
        const prev = get().list.data ?? [];
        set({ adding: { status: 'ready', data: m }, list: { status: 'ready', data: [...prev.filter((x) => x.id !== m.id), m] } });
        return m;
      } catch (e) {
        set({ adding: { status: 'error', error: toSerialized(e) } });
        return undefined;
      }
    },
    inspect: async (path) => {
      set({ inspected: { status: 'loading' } });
      try {
        set({ inspected: { status: 'ready', data: await api.call('models.inspect', { path }) } });
      } catch (e) {
        set({ inspected: { status: 'error', error: toSerialized(e) } });
      }
    },
    remove: async (id, deleteFiles) => {
      try {
        await api.call('models.remove', deleteFiles ? { id, deleteFiles } : { id });
        set({ list: { status: 'ready', data: (get().list.data ?? []).filter((m) => m.id !== id) } });
      } catch (e) {
        set({ list: { ...get().list, error: toSerialized(e) } });
      }
    },
  }));

import { createStore } from 'zustand';
import type { ApiClient, CatalogueEntry, HubTokenStatus, PullStatus } from '../../shared/api';
import type { SerializedError } from '../../shared/training_events';
import { toSerialized, type Async } from '../lib/errors';

/** Downloads from the Hugging Face Hub: the catalogue, running pulls (fed by models.pull events), the token. */
export interface HubState {
  catalogue: Async<CatalogueEntry[]>;
  /** Pulls by id, newest last. */
  pulls: Record<string, PullStatus>;
  /** A pull that could not start (bad repo id …). */
  startError?: SerializedError;
  token: Async<HubTokenStatus>;
  loadCatalogue: () => Promise<void>;
  loadPulls: () => Promise<void>;
  pull: (repoId: string, revision?: string) => Promise<string | undefined>;
  cancel: (pullId: string) => Promise<void>;
  onPull: (p: PullStatus) => void;
  loadToken: () => Promise<void>;
  setToken: (token: string) => Promise<boolean>;
  clearToken: () => Promise<void>;
}

export const createHubStore = (api: ApiClient, onPullDone: () => void) =>
  createStore<HubState>()((set, get) => ({
    catalogue: { status: 'idle' },
    pulls: {},
    token: { status: 'idle' },
    loadCatalogue: async () => {
      set({ catalogue: { status: 'loading', data: get().catalogue.data } });
      try {
        set({ catalogue: { status: 'ready', data: await api.call('models.catalogue', {}) } });
      } catch (e) {
        set({ catalogue: { status: 'error', error: toSerialized(e) } });
      }
    },
    loadPulls: async () => {
      try {
        const list = await api.call('models.pulls', {});
        set({ pulls: Object.fromEntries(list.map((p) => [p.pullId, p])) });
      } catch {
        // The list of pulls is a convenience after a reload; events bring new ones.
      }
    },
    pull: async (repoId, revision) => {
      set({ startError: undefined });
      try {
        const { pullId } = await api.call('models.pull', { repoId, ...(revision ? { revision } : {}) });
        const current = get().pulls[pullId];
        if (!current) set({ pulls: { ...get().pulls, [pullId]: { pullId, repoId, revision: revision || 'main', phase: 'resolving', filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0 } } });
        return pullId;
      } catch (e) {
        set({ startError: toSerialized(e) });
        return undefined;
      }
    },
    cancel: async (pullId) => {
      try {
        await api.call('models.cancelPull', { pullId });
      } catch (e) {
        const p = get().pulls[pullId];
        if (p) set({ pulls: { ...get().pulls, [pullId]: { ...p, error: toSerialized(e) } } });
      }
    },
    onPull: (p) => {
      set({ pulls: { ...get().pulls, [p.pullId]: p } });
      if (p.phase === 'done') {
        onPullDone();
        void get().loadCatalogue();
      }
    },
    loadToken: async () => {
      set({ token: { status: 'loading', data: get().token.data } });
      try {
        set({ token: { status: 'ready', data: await api.call('models.hubToken', {}) } });
      } catch (e) {
        set({ token: { status: 'error', error: toSerialized(e) } });
      }
    },
    setToken: async (token) => {
      try {
        set({ token: { status: 'ready', data: await api.call('models.setHubToken', { token }) } });
        return true;
      } catch (e) {
        set({ token: { status: 'error', data: get().token.data, error: toSerialized(e) } });
        return false;
      }
    },
    clearToken: async () => {
      try {
        set({ token: { status: 'ready', data: await api.call('models.clearHubToken', {}) } });
      } catch (e) {
        set({ token: { status: 'error', data: get().token.data, error: toSerialized(e) } });
      }
    },
  }));

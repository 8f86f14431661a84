import { createStore } from 'zustand';
import type { ApiClient } from '../../shared/api';
import type { SweepDetail, SweepEvent, SweepSummary } from '../../shared/sweep_state';
import { toSerialized, type Async } from '../lib/errors';

/** Sweeps in the runs list, and the comparison view's detail of each, refreshed by events. */
export interface SweepsState {
  list: SweepSummary[];
  detail: Record<string, Async<SweepDetail>>;
  /** The last few things the sweep reported, newest last ("t03 stopped: rank 9 of 16 …"). */
  feed: Record<string, string[]>;
  loadList: () => Promise<void>;
  load: (id: string) => Promise<void>;
  onChanged: (s: SweepSummary) => void;
  onEvent: (id: string, e: SweepEvent) => void;
  cancel: (id: string) => Promise<void>;
  resume: (id: string) => Promise<void>;
}

function feedLine(e: SweepEvent): string | undefined {
  switch (e.type) {
    case 'trial-started':
      return `${e.trial}: steps ${e.fromStep} → ${e.stopAtStep}`;
    case 'trial-finished':
      return `${e.trial}: ${e.status}${e.result ? `, best ${e.result.value.toFixed(3)} at step ${e.result.step}` : ''}${e.reason ? ` (${e.reason})` : ''}`;
    case 'rung-decided':
      return `Rung ${e.decision.rung + 1}: ${e.decision.rule}`;
    case 'sweep-finished':
      return `Sweep ${e.status}: ${e.reason}`;
    default:
      return undefined;
  }
}

export const createSweepsStore = (api: ApiClient) =>
  createStore<SweepsState>()((set, get) => {
    const reloadTimers = new Map<string, ReturnType<typeof setTimeout>>();
    return {
      list: [],
      detail: {},
      feed: {},
      loadList: async () => {
        try {
          set({ list: await api.call('sweeps.list', {}) });
        } catch {
          // The runs screen shows its own error for the runs list; sweeps are an addition.
        }
      },
      load: async (id) => {
        const prev = get().detail[id];
        set({ detail: { ...get().detail, [id]: { status: 'loading', ...(prev?.data ? { data: prev.data } : {}) } } });
        try {
          const data = await api.call('sweeps.get', { id });
          set({ detail: { ...get().detail, [id]: { status: 'ready', data } } });
        } catch (e) {
          set({ detail: { ...get().detail, [id]: { status: 'error', error: toSerialized(e) } } });
        }
      },
      onChanged: (s) => {
        const list = get().list.filter((x) => x.id !== s.id);
        set({ list: [s, ...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt)) });
        // A shown sweep reloads its detail, at most a few times a second.
        if (get().detail[s.id] && !reloadTimers.has(s.id)) {
          reloadTimers.set(
            s.id,
            setTimeout(() => {
              reloadTimers.delete(s.id);
              void get().load(s.id);
            }, 250),
          );
        }
      },
      onEvent: (id, e) => {
        const line = feedLine(e);
        if (!line) return;
        set({ feed: { ...get().feed, [id]: [...(get().feed[id] ?? []), line].slice(-8) } });
      },
      cancel: async (id) => {
        await api.call('sweeps.cancel', { id });
      },
      resume: async (id) => {
        const s = await api.call('sweeps.resume', { id });
        get().onChanged(s);
      },
    };
  });

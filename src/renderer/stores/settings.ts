import { createStore } from 'zustand';
import type { ApiClient, Settings, SystemInfo } from '../../shared/api';
import { toSerialized, type Async } from '../lib/errors';

export interface SettingsState {
  settings: Async<Settings>;
  info: Async<SystemInfo>;
  /** The theme the user chose; 'system' follows the OS. */
  theme: Settings['theme'];
  saving: boolean;
  load: () => Promise<void>;
  loadInfo: () => Promise<void>;
  setTheme: (theme: Settings['theme']) => Promise<void>;
  save: (patch: Partial<Settings>) => Promise<void>;
}

export const createSettingsStore = (api: ApiClient) =>
  createStore<SettingsState>()((set, get) => ({
    settings: { status: 'idle' },
    info: { status: 'idle' },
    theme: 'system',
    saving: false,
    load: async () => {
      set({ settings: { status: 'loading', data: get().settings.data } });
      try {
        const s = await api.call('system.getSettings', {});
        set({ settings: { status: 'ready', data: s }, theme: s.theme });
      } catch (e) {
        set({ settings: { status: 'error', error: toSerialized(e) } });
      }
    },
    loadInfo: async () => {
      if (get().info.status === 'loading') return;
      set({ info: { status: 'loading' } });
      try {
        set({ info: { status: 'ready', data: await api.call('system.info', {}) } });
      } catch (e) {
        set({ info: { status: 'error', error: toSerialized(e) } });
      }
    },
    setTheme: async (theme) => {
      set({ theme });
      await get().save({ theme });
    },
    save: async (patch) => {
      set({ saving: true });
      try {
        const s = await api.call('system.setSettings', patch);
        set({ settings: { status: 'ready', data: s }, saving: false });
      } catch (e) {
        set({ settings: { ...get().settings, error: toSerialized(e) }, saving: false });
      }
    },
  }));

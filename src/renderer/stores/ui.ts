import { createStore } from 'zustand';

export type Screen = { name: 'wizard' } | { name: 'runs' } | { name: 'models' } | { name: 'settings' } | { name: 'run'; id: string } | { name: 'sweep'; id: string };

export interface UiState {
  screen: Screen;
  /** A one-line notice (e.g. about a drop that could not be used). */
  notice: string | null;
  go: (screen: Screen) => void;
  setNotice: (notice: string | null) => void;
}

export const createUiStore = () =>
  createStore<UiState>()((set) => ({
    screen: { name: 'wizard' },
    notice: null,
    go: (screen) => set({ screen }),
    setNotice: (notice) => set({ notice }),
  }));

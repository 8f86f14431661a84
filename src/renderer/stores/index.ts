import { useStore } from 'zustand';
import type { ApiClient } from '../../shared/api';
import { useStores } from '../api/context';
import { createHubStore, type HubState } from './hub';
import { createModelsStore, type ModelsState } from './models';
import { createMonitorStore, type MonitorState } from './monitor';
import { createResultsStore, type ResultsState } from './results';
import { createRunsStore, type RunsState } from './runs';
import { createSettingsStore, type SettingsState } from './settings';
import { createSweepDraftStore, type SweepDraftState } from './sweep_draft';
import { createSweepsStore, type SweepsState } from './sweeps';
import { createUiStore, type UiState } from './ui';
import { createWizardStore, type WizardState } from './wizard';

/** One zustand store per screen, all fed by the same API client. */
export function createStores(api: ApiClient) {
  const models = createModelsStore(api);
  const stores = {
    ui: createUiStore(),
    settings: createSettingsStore(api),
    models,
    // A finished download shows up in the model list.
    hub: createHubStore(api, () => void models.getState().load()),
    wizard: createWizardStore(api),
    runs: createRunsStore(api),
    monitor: createMonitorStore(api),
    results: createResultsStore(api),
    sweepDraft: createSweepDraftStore(api),
    sweeps: createSweepsStore(api),
    /** Subscribes the stores to the API's event streams; returns the unsubscribe. */
    connect: (): (() => void) => {
      const offs = [
        api.subscribe('jobs.event', ({ id, event }) => stores.monitor.getState().onEvent(id, event)),
        api.subscribe('jobs.changed', ({ run }) => {
          stores.runs.getState().upsert(run);
          stores.monitor.getState().onChanged(run);
        }),
        api.subscribe('sweeps.event', ({ id, event }) => stores.sweeps.getState().onEvent(id, event)),
        api.subscribe('sweeps.changed', ({ sweep }) => stores.sweeps.getState().onChanged(sweep)),
        api.subscribe('inference.token', (p) => stores.results.getState().onToken(p)),
        api.subscribe('models.pull', (p) => stores.hub.getState().onPull(p)),
        api.subscribe('datasets.validateProgress', (p) => stores.wizard.getState().onValidateProgress(p)),
      ];
      return () => offs.forEach((off) => off());
    },
  };
  return stores;
}

export type Stores = ReturnType<typeof createStores>;

export const useUi = <T,>(sel: (s: UiState) => T): T => useStore(useStores().ui, sel);
export const useSettings = <T,>(sel: (s: SettingsState) => T): T => useStore(useStores().settings, sel);
export const useModels = <T,>(sel: (s: ModelsState) => T): T => useStore(useStores().models, sel);
export const useHub = <T,>(sel: (s: HubState) => T): T => useStore(useStores().hub, sel);
export const useWizard = <T,>(sel: (s: WizardState) => T): T => useStore(useStores().wizard, sel);
export const useRuns = <T,>(sel: (s: RunsState) => T): T => useStore(useStores().runs, sel);
export const useMonitor = <T,>(sel: (s: MonitorState) => T): T => useStore(useStores().monitor, sel);
export const useSweepDraft = <T,>(sel: (s: SweepDraftState) => T): T => useStore(useStores().sweepDraft, sel);
export const useSweeps = <T,>(sel: (s: SweepsState) => T): T => useStore(useStores().sweeps, sel);
export const useResults = <T,>(sel: (s: ResultsState) => T): T => useStore(useStores().results, sel);

import { createStore } from 'zustand';
import type { ApiClient } from '../../shared/api';
import type { JobConfig } from '../../shared/job';
import type { InitChoice, SweepConfig } from '../../shared/sweep';
import type { SweepPlan, SweepSummary } from '../../shared/sweep_state';
import { toSerialized, type Async } from '../lib/errors';

/**
 * The wizard's sweep switch: when on, the prompt & training step's length, learning rate and
 * initialisation become lists, and launching creates a sweep instead of one run.
 */
export interface SweepDraftState {
  enabled: boolean;
  /** Comma-separated lists as typed: "4, 8, 16, 32". */
  tokens: string;
  learningRates: string;
  inits: ('random' | 'vocab' | 'labels')[];
  halving: boolean;
  eta: number;
  plan: Async<SweepPlan>;
  launch: Async<SweepSummary>;
  set: (patch: Partial<Pick<SweepDraftState, 'enabled' | 'tokens' | 'learningRates' | 'inits' | 'halving' | 'eta'>>) => void;
  loadPlan: (job: JobConfig) => Promise<void>;
  launchSweep: (job: JobConfig, name: string) => Promise<string | undefined>;
}

/** "4, 8 16" → [4, 8, 16]; a problem names the field and the bad entry. */
export function parseList(text: string, what: string, integer: boolean): { values?: number[]; error?: string } {
  const parts = text.split(/[,\s]+/).filter((p) => p !== '');
  if (parts.length === 0) return { error: `give at least one ${what}` };
  const values: number[] = [];
  for (const p of parts) {
    const v = Number(p);
    if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) return { error: `"${p}" is not a ${integer ? 'whole number' : 'positive number'}` };
    if (values.includes(v)) return { error: `${p} is listed twice` };
    values.push(v);
  }
  return { values };
}

/** The sweep the draft describes over the wizard's job, or the first problem with it. */
export function draftConfig(d: Pick<SweepDraftState, 'tokens' | 'learningRates' | 'inits' | 'halving' | 'eta'>, job: JobConfig, name?: string): { config?: SweepConfig; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const tokens = parseList(d.tokens, 'prompt length', true);
  const lrs = parseList(d.learningRates, 'learning rate', false);
  if (tokens.error) errors.tokens = tokens.error;
  if (lrs.error) errors.learningRates = lrs.error;
  if (d.inits.length === 0) errors.inits = 'choose at least one initialisation';
  if (job.training.steps === undefined) errors.steps = 'a sweep needs a step count (switch "Train for" to steps)';
  if (Object.keys(errors).length > 0) return { errors };
  const inits: InitChoice[] = d.inits.filter((i) => i !== 'labels' || job.task.kind === 'classification');
  const config: SweepConfig = {
    version: 1,
    ...(name ? { name } : {}),
    job: { ...job, ...(name ? { name } : {}) },
    space: { numVirtualTokens: tokens.values!, learningRate: lrs.values!, init: inits.length > 0 ? inits : ['random'] },
    sampling: { method: 'grid' },
    halving: { enabled: d.halving, eta: d.eta },
    budget: {},
  };
  return { config, errors };
}

export const createSweepDraftStore = (api: ApiClient) =>
  createStore<SweepDraftState>()((set, get) => {
    let planSeq = 0;
    return {
      enabled: false,
      tokens: '4, 8, 16',
      learningRates: '0.03, 0.1, 0.3',
      inits: ['random'],
      halving: true,
      eta: 3,
      plan: { status: 'idle' },
      launch: { status: 'idle' },
      set: (patch) => set({ ...patch, plan: { status: 'idle' } }),
      loadPlan: async (job) => {
        const { config } = draftConfig(get(), job);
        if (!config) return set({ plan: { status: 'idle' } });
        const seq = ++planSeq;
        set({ plan: { status: 'loading' } });
        try {
          const data = await api.call('sweeps.plan', { config });
          if (seq === planSeq) set({ plan: { status: 'ready', data } });
        } catch (e) {
          if (seq === planSeq) set({ plan: { status: 'error', error: toSerialized(e) } });
        }
      },
      launchSweep: async (job, name) => {
        const { config } = draftConfig(get(), job, name.trim() || undefined);
        if (!config) return undefined;
        set({ launch: { status: 'loading' } });
        try {
          const data = await api.call('sweeps.create', { config });
          set({ launch: { status: 'ready', data } });
          return data.id;
        } catch (e) {
          set({ launch: { status: 'error', error: toSerialized(e) } });
          return undefined;
        }
      },
    };
  });

import type { RunResults } from '../../stores/results';

export const EMPTY_RESULTS: RunResults = {
  nearest: { status: 'idle' },
  predictions: { status: 'idle' },
  classify: { status: 'idle' },
  streams: { with: { text: '', status: 'idle' }, without: { text: '', status: 'idle' } },
  exported: { status: 'idle' },
};

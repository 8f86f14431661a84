import type { SweepEvent } from '../shared/sweep_state.js';
import type { CliIO } from './io.js';

/** Sweep events: JSON lines with --json, else one readable line per trial segment and decision. */
export function sweepPrinter(io: CliIO, opts: { json: boolean }): (e: SweepEvent) => void {
  const out = (s: string) => io.stdout(s + '\n');
  return (e) => {
    if (opts.json) {
      // Per-step progress of every trial would drown the stream; evaluations and the rest stay.
      if (e.type === 'trial-event' && e.event.type === 'progress' && e.event.step % 10 !== 0) return;
      out(JSON.stringify(e));
      return;
    }
    switch (e.type) {
      case 'sweep-started':
        out(`${e.resumed ? 'resuming' : 'sweep'} ${e.dir}: ${e.note}; rungs end at ${e.rungs.join(' / ')} steps; planned ${e.plannedSteps} steps (the full grid at full steps: ${e.fullGridSteps})`);
        break;
      case 'trial-started':
        out(`[${e.trial}] ${e.resumed ? 'continues' : 'starts'}: steps ${e.fromStep} → ${e.stopAtStep}`);
        break;
      case 'trial-event':
        if (e.event.type === 'failed') out(`[${e.trial}] failed: ${e.event.error.message}`);
        break;
      case 'trial-finished':
        out(`[${e.trial}] ${e.status}${e.result ? `: best ${e.result.value.toFixed(4)} by step ${e.result.step} (${e.result.seconds.toFixed(1)} s)` : ''}${e.reason ? ` — ${e.reason}` : ''}`);
        break;
      case 'rung-decided':
        out(`rung ${e.decision.rung + 1}: ${e.decision.rule}: ${e.decision.promoted.join(', ')}`);
        break;
      case 'sweep-finished':
        out(`sweep ${e.status} (${e.reason}); ${e.stepsUsed} steps in ${e.elapsedSeconds.toFixed(1)} s`);
        if (e.recommendation) out(`recommended: ${e.recommendation.text} (trial ${e.recommendation.trial})`);
        break;
    }
  };
}

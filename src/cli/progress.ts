import { EVALUATION_COUNTS, generationScope } from '../shared/metric_format.js';
import type { TrainingEvent } from '../shared/training_events.js';
import type { CliIO } from './io.js';

function fmt(x: number, digits = 4): string {
  return Number.isFinite(x) ? x.toPrecision(digits) : String(x);
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

const COUNTS: ReadonlySet<string> = new Set(EVALUATION_COUNTS);

/** The numeric metrics, and on how many examples generation was scored when not on all. */
export function metricsLine(m: Record<string, unknown>): string {
  const line = Object.entries(m)
    .filter(([k, v]) => typeof v === 'number' && !COUNTS.has(k))
    .map(([k, v]) => `${k}=${fmt(v as number)}`)
    .join(' ');
  const scope = generationScope(m);
  return scope ? `${line} (exact_match, token_f1 ${scope})` : line;
}

/**
 * Renders training events: JSON lines with --json, else readable lines, with a progress bar
 * redrawn in place on a terminal.
 */
export function eventPrinter(io: CliIO, opts: { json: boolean; tty: boolean }): (e: TrainingEvent) => void {
  let barShown = false;
  let trainingStarted = false;
  let tokenized = '';
  const line = (s: string) => {
    if (barShown) io.stdout('\n');
    barShown = false;
    io.stdout(s + '\n');
  };
  return (e) => {
    if (opts.json) {
      io.stdout(JSON.stringify(e) + '\n');
      return;
    }
    switch (e.type) {
      case 'started':
        trainingStarted = true;
        line(`${e.resumed ? 'resuming' : 'training'} ${e.runDir} on ${e.device}: ${e.numTrain} train / ${e.numValidation} validation examples, ${e.totalSteps} steps${e.resumed ? ` (from step ${e.step})` : ''}`);
        break;
      case 'loading':
        if (opts.tty) {
          io.stdout(`\rreading ${e.file}: ${Math.round((100 * e.bytesRead) / Math.max(1, e.totalBytes))}%\x1b[K`);
          barShown = true;
        } else if (e.bytesRead === e.totalBytes) line(`read ${e.file} (${e.totalBytes} bytes)`);
        break;
      case 'tokenizing': {
        // Before the first step: its own line; while training: a note on the step line.
        const pct = Math.floor((100 * e.done) / Math.max(1, e.total));
        const eta = e.etaSeconds >= 0 ? ` eta ${duration(e.etaSeconds)}` : '';
        tokenized = e.done < e.total ? ` | tokenized ${pct}%${eta}` : '';
        if (trainingStarted) break;
        if (opts.tty) {
          io.stdout(`\rtokenizing ${e.file}: ${pct}% (${e.done}/${e.total})${eta}\x1b[K`);
          barShown = true;
        } else if (e.done === e.total) line(`tokenized ${e.total} examples of ${e.file}`);
        break;
      }
      case 'baseline':
        line(`zero-shot baseline: ${metricsLine(e.metrics)}`);
        break;
      case 'progress': {
        const text = `step ${e.step}/${e.totalSteps} loss ${fmt(e.loss)} lr ${fmt(e.lr, 3)} |g| ${fmt(e.gradNorm, 3)} ${Math.round(e.tokensPerSecond)} tok/s eta ${duration(e.etaSeconds)}${e.skipped ? ` skipped ${e.skipped}` : ''}${tokenized}`;
        if (opts.tty) {
          const width = 24;
          const filled = Math.round((e.step / e.totalSteps) * width);
          io.stdout(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
          barShown = true;
        } else if (e.step % 10 === 0 || e.step === e.totalSteps) line(text);
        break;
      }
      case 'evaluation':
        line(`eval @ step ${e.step}: ${metricsLine(e.metrics)}${e.best ? '  (best so far)' : ''}`);
        break;
      case 'skipped':
        line(`step ${e.step} skipped: ${e.reason} (${e.consecutive} in a row)`);
        break;
      case 'paused':
        line(`paused at step ${e.step}`);
        break;
      case 'resumed':
        line(`resumed at step ${e.step}`);
        break;
      case 'log':
        if (e.level === 'warn') line(`warning: ${e.message}`);
        break;
      case 'checkpoint':
        break;
      case 'finished':
        line(`${e.status} at step ${e.step}: ${e.reason}${e.best ? `; best ${e.best.metric}=${fmt(e.best.value)} at step ${e.best.step}` : ''}`);
        break;
      case 'failed':
        // An SpsError's message already ends with its hint; the supervisor's crash event does not.
        line(`failed: ${e.error.message}${e.error.hint && !e.error.message.endsWith(e.error.hint) ? ` — ${e.error.hint}` : ''} (log: ${e.logPath})`);
        break;
    }
  };
}

import { readJsonFile } from '../../engine/files.js';
import { requireProvider } from '../../engine/runtime/providers.js';
import { sweepReport } from '../../engine/sweep/report.js';
import { checkSweep, createSweep, readSweep, readSweepState } from '../../engine/sweep/sweep_dir.js';
import { SpsError } from '../../shared/errors.js';
import { initLabel } from '../../shared/sweep.js';
import { parseFlags, requireFlag } from '../args.js';
import type { CliIO } from '../io.js';
import { sweepPrinter } from '../sweep_printer.js';
import { startSweepWorker } from '../../worker/sweep_supervisor.js';

export const sweepHelp = `sps sweep --config sweep.json --out SWEEP_DIR [--json]
sps sweep resume SWEEP_DIR [--json]
sps sweep show SWEEP_DIR [--json]

Runs many trials of one job with some fields swept (virtual tokens, learning rate, init,
warmup, batch size), with successive halving: every trial gets a short budget first and the
best 1/eta continue, up to the job's full steps. Each trial is an ordinary run folder under
SWEEP_DIR/trials/. A stopped or crashed sweep continues with \`sps sweep resume\`, running no
trial twice. \`show\` prints every trial, the recommendation and which setting mattered.

sweep.json:
  {"version": 1, "job": { …a job as for \`sps tune --config\`, with training.steps… },
   "space": {"numVirtualTokens": [4, 8, 16, 32], "learningRate": [0.01, 0.03, 0.1, 0.3],
             "init": ["random", "labels", {"text": "…"}, {"file": "runs/earlier"}],
             "warmupRatio": {"min": 0, "max": 0.1, "scale": "linear", "count": 2}, "batchSize": [4, 8]},
   "sampling": {"method": "grid"}  or  {"method": "random", "trials": 12, "seed": 1},
   "halving": {"enabled": true, "eta": 3},
   "budget": {"trials": 20, "totalSteps": 3000, "wallSeconds": 600}}`;

/** Runs the sweep in a worker process and prints its events; Ctrl-C checkpoints and stops. */
async function drive(dir: string, json: boolean, io: CliIO): Promise<number> {
  const handle = startSweepWorker(dir, { onEvent: sweepPrinter(io, { json }) });
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr('\nstopping: the running trial saves a checkpoint (Ctrl-C again to kill it); `sps sweep resume` continues\n');
      handle.command({ type: 'cancel' });
    } else handle.kill('SIGKILL');
  };
  process.on('SIGINT', onSigint);
  try {
    const exit = await handle.done;
    if (exit.error) throw new SpsError(exit.error.code as never, exit.error.message, { ...(exit.error.location ? { location: exit.error.location } : {}), ...(exit.error.hint ? { hint: exit.error.hint } : {}) });
    const last = exit.last;
    if (last?.type !== 'sweep-finished') return 1;
    return last.status === 'completed' || last.status === 'stopped' ? 0 : last.status === 'cancelled' ? 130 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function show(dir: string, json: boolean, io: CliIO): number {
  const report = sweepReport(dir, { curves: json });
  if (json) {
    io.stdout(JSON.stringify(report) + '\n');
    return 0;
  }
  const { plan } = report.sweep;
  io.stdout(`${dir}: ${report.state.status}${report.state.reason ? ` (${report.state.reason})` : ''}; ${report.state.stepsUsed} of ${plan.plannedSteps} planned steps, ${report.state.elapsedSeconds.toFixed(1)} s\n`);
  io.stdout(`${'trial'.padEnd(28)} ${'tokens'.padStart(6)} ${'lr'.padStart(8)} ${'init'.padEnd(10)} ${'steps'.padStart(6)} ${plan.metric.padStart(9)}  status\n`);
  for (const t of report.trials) {
    io.stdout(`${t.id.padEnd(28)} ${String(t.settings.numVirtualTokens).padStart(6)} ${String(t.settings.learningRate).padStart(8)} ${initLabel(t.settings.init).padEnd(10)} ${String(t.step).padStart(6)} ${(t.value === null ? '–' : t.value.toFixed(4)).padStart(9)}  ${t.status}${t.reason ? ` (${t.reason})` : ''}\n`);
  }
  for (const d of report.state.decisions) io.stdout(`rung ${d.rung + 1}: ${d.rule}\n`);
  if (report.recommendation) io.stdout(`recommended: ${report.recommendation.text} (trial ${report.recommendation.trial})\n`);
  if (report.sensitivity) io.stdout(`sensitivity: ${report.sensitivity.summary}\n`);
  return 0;
}

export async function sweepCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, { config: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } }, 'sweep');
  const json = !!values.json;
  const [sub, dir] = positionals;
  if (sub === 'resume' || sub === 'show') {
    if (!dir) throw new SpsError('INVALID_ARGUMENT', `sps sweep ${sub}: give the sweep folder`, { hint: `sps sweep ${sub} SWEEP_DIR` });
    readSweep(dir);
    if (sub === 'show') return show(dir, json, io);
    const state = readSweepState(dir);
    if (state.status === 'completed') {
      io.stdout(`the sweep in ${dir} is already completed (\`sps sweep show ${dir}\`)\n`);
      return 0;
    }
    return drive(dir, json, io);
  }
  if (sub !== undefined) throw new SpsError('INVALID_ARGUMENT', `sps sweep: unknown subcommand "${sub}"`, { hint: 'sps sweep --config sweep.json --out DIR, sps sweep resume DIR or sps sweep show DIR' });
  const configPath = requireFlag(values.config, 'config', 'sweep');
  const out = requireFlag(values.out, 'out', 'sweep');
  const config = checkSweep(readJsonFile(configPath, 'sweep config'), configPath);
  // Refused before the sweep folder exists when the device cannot run here (sps devices).
  await requireProvider(config.job.device, 'job.device');
  createSweep(out, config);
  return drive(out, json, io);
}

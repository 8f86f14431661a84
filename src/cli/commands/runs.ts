import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readRunJob } from '../../engine/tuning/run.js';
import { readState, runPaths } from '../../engine/tuning/run_dir.js';
import { parseFlags } from '../args.js';
import type { CliIO } from '../io.js';

export const runsHelp = `sps runs [DIR] [--json]

Lists the runs in DIR (default: the current folder): status, step, task and best metric.`;

export async function runsCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } }, 'runs');
  const dir = resolve(positionals[0] ?? '.');
  const candidates = existsSync(runPaths(dir).job) ? [dir] : readdirSync(dir).map((n) => join(dir, n)).filter((p) => statSync(p).isDirectory() && existsSync(runPaths(p).job));
  const rows = candidates.sort().map((runDir) => {
    try {
      const { job, createdAt } = readRunJob(runDir);
      const state = readState(runDir);
      const best = state?.best as { metric: string; value: number; step: number } | null | undefined;
      return { run: runDir, status: state?.status ?? 'unknown', step: Number(state?.step ?? 0), totalSteps: Number(state?.totalSteps ?? 0), task: job.task.kind, created: createdAt, best: best ?? null };
    } catch (e) {
      return { run: runDir, status: 'unreadable', step: 0, totalSteps: 0, task: '?', created: '', best: null, error: (e as Error).message };
    }
  });
  if (values.json) {
    for (const r of rows) io.stdout(JSON.stringify(r) + '\n');
    return 0;
  }
  if (rows.length === 0) {
    io.stdout(`no runs in ${dir}\n`);
    return 0;
  }
  for (const r of rows) {
    const best = r.best ? `${r.best.metric}=${r.best.value.toPrecision(4)} @${r.best.step}` : '-';
    io.stdout(`${r.status.padEnd(11)} ${`${r.step}/${r.totalSteps}`.padEnd(11)} ${r.task.padEnd(15)} ${best.padEnd(26)} ${r.run}\n`);
  }
  return 0;
}

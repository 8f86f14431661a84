import { SpsError } from '../shared/errors.js';
import { cacheCommand, cacheHelp } from './commands/cache.js';
import { generateCommand, generateHelp } from './commands/generate.js';
import { devicesCommand, devicesHelp } from './commands/devices.js';
import { evalCommand, evalHelp } from './commands/eval.js';
import { exportCommand, exportHelp } from './commands/export.js';
import { gradCommand, gradHelp } from './commands/grad.js';
import { inferCommand, inferHelp } from './commands/infer.js';
import { modelsCommand, modelsHelp } from './commands/models.js';
import { resumeCommand, resumeHelp } from './commands/resume.js';
import { runsCommand, runsHelp } from './commands/runs.js';
import { serveCommand, serveHelp } from './commands/serve.js';
import { sweepCommand, sweepHelp } from './commands/sweep.js';
import { tuneCommand, tuneHelp } from './commands/tune.js';
import { validateCommand, validateHelp } from './commands/validate.js';
import type { CliIO } from './io.js';

interface Command {
  run: (argv: string[], io: CliIO) => Promise<number>;
  help: string;
  summary: string;
}

/** One verb per job (DESIGN.md §7); flags named after job-config fields. */
const COMMANDS: Record<string, Command> = {
  tune: { run: tuneCommand, help: tuneHelp, summary: 'tune a soft prompt on a dataset (runs in a worker process)' },
  sweep: { run: sweepCommand, help: sweepHelp, summary: 'try many prompt lengths / learning rates / inits with successive halving; resume, show' },
  resume: { run: resumeCommand, help: resumeHelp, summary: 'continue a run from its last good checkpoint' },
  runs: { run: runsCommand, help: runsHelp, summary: 'list runs with status and best metric' },
  eval: { run: evalCommand, help: evalHelp, summary: "evaluate a run's prompt on a data file" },
  infer: { run: inferCommand, help: inferHelp, summary: 'classify or generate with a tuned prompt (a file or a run)' },
  validate: { run: validateCommand, help: validateHelp, summary: 'check a dataset: problems with line numbers, lengths, labels' },
  generate: { run: generateCommand, help: generateHelp, summary: 'greedy continuation with or without a soft prompt' },
  grad: { run: gradCommand, help: gradHelp, summary: 'loss and d(loss)/d(soft prompt) over a JSONL file' },
  models: { run: modelsCommand, help: modelsHelp, summary: 'the model library: list, add, remove, info, and pull from the Hugging Face Hub' },
  devices: { run: devicesCommand, help: devicesHelp, summary: 'which --device values work on this machine' },
  cache: { run: cacheCommand, help: cacheHelp, summary: 'the token cache of tokenized datasets: where it is, its size; clear it' },
  serve: { run: serveCommand, help: serveHelp, summary: 'web mode: serve the app and its API on a local URL with an access token' },
  export: { run: exportCommand, help: exportHelp, summary: "export a run's prompt: PEFT adapter, safetensors, NumPy, JSON or a prompt card" },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Soft Prompt Studio — headless CLI\n\nusage: sps <command> [flags]   (sps <command> --help)\n\n${lines.join('\n')}\n`;
}

/**
 * Runs one CLI invocation; returns the exit code. Errors print as one line saying what, where
 * and what to do (as JSON when --json was given), never as a stack trace.
 */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`sps: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.help + '\n');
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    const err = e instanceof SpsError ? e : new SpsError('INTERNAL', (e as Error)?.stack ?? String(e));
    if (rest.includes('--json')) io.stderr(JSON.stringify({ error: err.toJSON() }) + '\n');
    else io.stderr(`sps ${name}: error: ${err.message}\n`);
    return err.code === 'INVALID_ARGUMENT' ? 2 : 1;
  }
}

import { runCli } from '../../../src/cli/main.js';
import { softPrompt, type SoftPrompt } from '../../../src/engine/tuning/soft_prompt.js';
import { mulberry32 } from '../../../src/shared/mulberry32.js';
export { mulberry32 };

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `sps <argv…>` in-process, collecting what it prints. */
export async function sps(...argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}


/** A seeded soft prompt with values ~U(-scale, scale). */
export function randomPrompt(n: number, dim: number, seed: number, scale = 0.5): SoftPrompt {
  const rand = mulberry32(seed);
  const data = new Float64Array(n * dim);
  for (let i = 0; i < data.length; i++) data[i] = (rand() * 2 - 1) * scale;
  return softPrompt(n, dim, data);
}

/** The error output is one line: no stack trace, no multi-line dump. */
export function expectOneLineError(stderr: string): void {
  const lines = stderr.split('\n').filter((l) => l !== '');
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got ${lines.length}:\n${stderr}`);
  if (/\n\s+at /.test(stderr) || /^\s*at .*:\d+:\d+\)?$/m.test(stderr)) throw new Error(`stderr has a stack trace:\n${stderr}`);
}

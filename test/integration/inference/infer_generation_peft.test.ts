import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOB_DEFAULTS, type JobConfig } from '../../../src/shared/job.js';
import { copyCheckpointTo, writeCheckpoint } from '../../../src/engine/tuning/checkpoint.js';
import { readSoftPrompt } from '../../../src/engine/tuning/prompt_file.js';
import { createRun } from '../../../src/engine/tuning/run.js';
import { sps } from '../cli/cli_helpers.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const fixture = join(repo, 'test', 'fixtures', 'golden', 'infer_generation');
const data = join(repo, 'resources', 'samples', 'story_endings.jsonl');

interface Golden {
  examples: number;
  exact_match: number;
  rows: { line: number; correct: boolean }[];
}

/**
 * `sps infer --data FILE` on a generation run scores exact match over EVERY line of FILE (no
 * cap), and agrees with Hugging Face PEFT on the exported adapter, line by line. The golden
 * values are PEFT's (scripts/golden/infer_generation_golden.py, on the committed adapter).
 */
describe('sps infer --data on a generation run equals PEFT on the exported adapter', () => {
  const tmp = useTempDir('sps-infer-peft-');

  it('exact match over all 150 lines, each line as PEFT decides it', async () => {
    const golden = JSON.parse(readFileSync(join(fixture, 'expected.json'), 'utf8')) as Golden;
    const adapter = readSoftPrompt(join(fixture, 'adapter', 'adapter_model.safetensors'));
    // A generation run whose final prompt is the committed adapter's prompt.
    const run = join(tmp(), 'run');
    const job: JobConfig = {
      version: 1,
      model: { path: storiesModelDir() },
      data: { train: data, validation: data, validationFraction: 0.1 },
      task: { kind: 'generation', inputTemplate: '{input}', outputTemplate: '{output}' },
      prompt: { numVirtualTokens: adapter.numVirtualTokens, init: 'random' },
      // A cap on generation metrics during training must not reach sps infer.
      training: { ...JOB_DEFAULTS.training, steps: 1, generationEvalExamples: 5 },
      device: 'cpu',
    };
    createRun(run, job);
    const size = adapter.numVirtualTokens * adapter.dim;
    writeCheckpoint(run, 1, { prompt: adapter, optimizer: { step: 1, m: new Float64Array(size), v: new Float64Array(size) }, trainerState: {} });
    copyCheckpointTo(run, 1, 'final');

    // The run exports exactly the adapter PEFT evaluated.
    const out = join(tmp(), 'peft');
    const e = await sps('export', run, '--format', 'peft', '--checkpoint', 'final', '--out', out);
    expect(e.code, e.stderr).toBe(0);
    expect(Buffer.from(readSoftPrompt(join(out, 'adapter_model.safetensors')).data.buffer)).toEqual(Buffer.from(adapter.data.buffer));

    const r = await sps('infer', '--run', run, '--checkpoint', 'final', '--data', data, '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; line?: number; correct?: boolean; examples?: number; metrics?: Record<string, number> });
    const examples = lines.filter((l) => l.type === 'example');
    const summary = lines.find((l) => l.type === 'metrics')!;
    const fileLines = readFileSync(data, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
    expect(golden.examples).toBe(fileLines);
    expect(examples).toHaveLength(fileLines);
    expect(summary.examples).toBe(fileLines);
    expect(summary.metrics!.generation_examples).toBe(fileLines);
    expect(summary.metrics!.validation_examples).toBe(fileLines);
    expect(examples.map((x) => [x.line, x.correct])).toEqual(golden.rows.map((g) => [g.line, g.correct]));
    expect(summary.metrics!.exact_match).toBe(golden.exact_match);
    // Neither all right nor all wrong: the comparison has something to decide.
    expect(golden.exact_match).toBeGreaterThan(0.2);
    expect(golden.exact_match).toBeLessThan(1);
  }, 300_000);
});

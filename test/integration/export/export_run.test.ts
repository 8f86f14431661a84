import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRun, type ExportFormat } from '../../../src/engine/export/export_run.js';
import { summariseMetrics } from '../../../src/engine/export/card.js';
import { formatMetric as formatAny } from '../../../src/shared/metric_format.js';

const formatMetric = (v: unknown) => formatAny(v, 'n/a');
import { loadCheckpointDir } from '../../../src/engine/tuning/checkpoint.js';
import { readSoftPrompt } from '../../../src/engine/tuning/prompt_file.js';
import { readRunJob } from '../../../src/engine/tuning/run.js';
import { readMetrics, runPaths } from '../../../src/engine/tuning/run_dir.js';
import { softPrompt, type SoftPrompt } from '../../../src/engine/tuning/soft_prompt.js';
import { readSafetensorsHeader } from '../../../src/engine/weights/safetensors_read.js';
import { expectSpsError } from '../../helpers/errors.js';
import { storiesModelDir } from '../../helpers/fixtures.js';
import { expectOneLineError, sps } from '../cli/cli_helpers.js';

function sameBits(a: SoftPrompt, b: SoftPrompt): boolean {
  return a.numVirtualTokens === b.numVirtualTokens && a.dim === b.dim && Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength));
}

const f32 = (p: SoftPrompt): SoftPrompt => softPrompt(p.numVirtualTokens, p.dim, p.data.map(Math.fround));

describe('exporting a finished stories260K run', () => {
  let root: string;
  let run: string;
  let best: SoftPrompt;
  let final: SoftPrompt;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sps-export-run-'));
    run = join(root, 'run');
    const r = await sps('tune', '--model', storiesModelDir(), '--data', 'resources/samples/sentiment.csv', '--task', 'classification', '--input-template', '{text} The story is',
      '--virtual-tokens', '4', '--lr', '0.3', '--steps', '20', '--batch', '4', '--eval-every', '10', '--out', run, '--json');
    expect(r.code, r.stderr).toBe(0);
    best = loadCheckpointDir(runPaths(run).best).prompt;
    final = loadCheckpointDir(runPaths(run).final).prompt;
  }, 120_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('every format round-trips: float64 formats exactly, float32 formats to the rounded prompt', () => {
    const cases: [ExportFormat, 'float32' | 'float64' | undefined, string, boolean][] = [
      ['json', undefined, 'p.json', true],
      ['npy', 'float64', 'p64.npy', true],
      ['safetensors', 'float64', 'p64.safetensors', true],
      ['npy', 'float32', 'p32.npy', false],
      ['safetensors', 'float32', 'p32.safetensors', false],
      ['peft', undefined, 'adapter', false],
    ];
    for (const checkpoint of ['best', 'final'] as const) {
      const expected = checkpoint === 'best' ? best : final;
      for (const [format, dtype, name, exact] of cases) {
        const out = join(root, checkpoint, name);
        const res = exportRun(run, { format, out, checkpoint, ...(dtype ? { dtype } : {}) });
        expect(res).toMatchObject({ format, out, checkpoint, numVirtualTokens: 4, dim: 64, dtype: exact ? 'float64' : 'float32', warnings: [] });
        const back = readSoftPrompt(out, 64);
        expect(sameBits(back, exact ? expected : f32(expected)), `${checkpoint} ${format} ${dtype ?? ''}`).toBe(true);
      }
    }
    expect(sameBits(best, final)).toBe(false); // best is step 10, final step 20
  });

  it('the PEFT adapter names the base model and matches the model config', () => {
    const out = join(root, 'peft-check');
    exportRun(run, { format: 'peft', out });
    const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    expect(cfg).toMatchObject({ peft_type: 'PROMPT_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: 4, token_dim: 64, num_layers: 5, num_attention_heads: 8, num_transformer_submodules: 1, base_model_name_or_path: readRunJob(run).job.model.path });
    const st = readSafetensorsHeader(join(out, 'adapter_model.safetensors'));
    expect(st.tensors.get('prompt_embeddings')).toMatchObject({ dtype: 'F32', shape: [4, 64] });
  });

  it('the card carries the run\'s fingerprints, metrics and nearest tokens', () => {
    const out = join(root, 'card.md');
    exportRun(run, { format: 'card', out, now: new Date('2030-01-01T00:00:00Z'), topK: 3 });
    const card = readFileSync(out, 'utf8');
    const { fingerprints, createdAt } = readRunJob(run);
    const m = summariseMetrics(readMetrics(run));
    expect(m.best && m.final && m.baseline).toBeTruthy();
    for (const s of [fingerprints.model.sha256, fingerprints.train.sha256, `${fingerprints.train.bytes} bytes`, '`"{text} The story is"`', '| `happy` | `"happy"` |', '| Learning rate | 0.3 |', '| Steps | 20 |', createdAt, '2030-01-01T00:00:00.000Z', `Best (step ${String(m.best!.step)})`, `Final (step ${String(m.final!.step)})`]) {
      expect(card).toContain(s);
    }
    expect(card).toContain(`| \`val_loss\` | ${formatMetric(m.baseline!.val_loss)} | ${formatMetric(m.best!.val_loss)} | ${formatMetric(m.final!.val_loss)} |`);
    expect(card).toContain(`| \`accuracy\` | ${formatMetric(m.baseline!.accuracy)} | ${formatMetric(m.best!.accuracy)} | ${formatMetric(m.final!.accuracy)} |`);
    const nearestRows = card.split('\n').filter((l) => /^\| [0-3] \| /.test(l));
    expect(nearestRows).toHaveLength(4);
    for (const row of nearestRows) expect(row.match(/\(-?\d\.\d{3}\) #\d+/g)).toHaveLength(3);
  });

  it('the card still exports when the model folder is gone, saying why nearest tokens are missing', () => {
    const out = join(root, 'card-nomodel.md');
    const res = exportRun(run, { format: 'card', out, model: join(root, 'no-such-model') });
    const note = readFileSync(out, 'utf8').split('\n').find((l) => l.startsWith('Not available: '));
    expect(note).toContain("cannot open the run's base model");
    expect(note).toContain('no-such-model');
    expect(res.warnings.join(' ')).toContain('no-such-model');
    expectSpsError(() => exportRun(run, { format: 'peft', out: join(root, 'p2'), model: join(root, 'no-such-model') }), 'FILE_NOT_FOUND', 'no-such-model', '--model');
    expect(existsSync(join(root, 'p2'))).toBe(false);
  });

  it('sps export writes to RUN/exports by default, refuses to overwrite without --force, prints JSON', async () => {
    const r1 = await sps('export', run, '--format', 'npy', '--json');
    expect(r1.code, r1.stderr).toBe(0);
    const res = JSON.parse(r1.stdout) as { out: string; step: number; checkpoint: string };
    expect(res.out).toBe(join(runPaths(run).exports, 'best.npy'));
    expect(res.checkpoint).toBe('best');
    expect(existsSync(res.out)).toBe(true);
    const r2 = await sps('export', run, '--format', 'npy');
    expect(r2.code).toBe(2);
    expectOneLineError(r2.stderr);
    expect(r2.stderr).toContain('already exists');
    expect(r2.stderr).toContain('--force');
    const r3 = await sps('export', run, '--format', 'npy', '--force', '--checkpoint', 'final');
    expect(r3.code, r3.stderr).toBe(0);
    expect(r3.stdout).toContain('final prompt (step 20, 4×64 float32) as npy');
  });

  it('sps export refuses bad flags and non-runs with one-line errors', async () => {
    const cases: [string[], string[]][] = [
      [[run, '--format', 'onnx'], ['--format', 'peft, safetensors, npy, json, card', '"onnx"']],
      [[run], ['--format is required']],
      [[run, '--format', 'peft', '--dtype', 'float64'], ['float32']],
      [[run, '--format', 'json', '--checkpoint', 'latest'], ['--checkpoint', 'best, final']],
      [[root, '--format', 'json'], ['no job.json']],
      [['--format', 'json'], ['run folder']],
    ];
    for (const [argv, parts] of cases) {
      const r = await sps('export', ...argv);
      expect(r.code, argv.join(' ')).not.toBe(0);
      expectOneLineError(r.stderr);
      for (const p of parts) expect(r.stderr).toContain(p);
    }
  });

  it('exports never write through a symlink, even with force; files are created exclusively', () => {
    const victim = join(root, 'victim.txt');
    writeFileSync(victim, 'keep me');
    const link = join(root, 'link.json');
    symlinkSync(victim, link);
    for (const force of [false, true]) {
      expectSpsError(() => exportRun(run, { format: 'json', out: link, force }), 'INVALID_ARGUMENT', 'symbolic link', '--out');
    }
    // A dangling link too (an exclusive create would otherwise follow it and create its target).
    const dangling = join(root, 'dangling.npy');
    symlinkSync(join(root, 'created-through-link.npy'), dangling);
    expectSpsError(() => exportRun(run, { format: 'npy', out: dangling }), 'INVALID_ARGUMENT', 'symbolic link', '--out');
    expect(existsSync(join(root, 'created-through-link.npy'))).toBe(false);
    // A link planted inside a PEFT folder being replaced.
    const peft = join(root, 'peft-with-link');
    exportRun(run, { format: 'peft', out: peft });
    rmSync(join(peft, 'adapter_config.json'));
    symlinkSync(victim, join(peft, 'adapter_config.json'));
    expectSpsError(() => exportRun(run, { format: 'peft', out: peft, force: true }), 'INVALID_ARGUMENT', 'symbolic link', '--out');
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
  });

  it('a run without best/ says so and suggests final', () => {
    const copy = join(root, 'nobest');
    rmSync(copy, { recursive: true, force: true });
    // A minimal run folder: job.json + final/ only.
    cpSync(run, copy, { recursive: true });
    rmSync(runPaths(copy).best, { recursive: true });
    expectSpsError(() => exportRun(copy, { format: 'json', out: join(root, 'x.json') }), 'FILE_NOT_FOUND', 'no best/ checkpoint', '--checkpoint final');
  });

  it('sps generate reads every exported file type: peft folder, F32 npy and F32 safetensors give the same ids', async () => {
    const files = [join(root, 'best', 'adapter'), join(root, 'best', 'p32.npy'), join(root, 'best', 'p32.safetensors')];
    const results: number[][] = [];
    for (const f of files) {
      const r = await sps('generate', '--model', storiesModelDir(), '--soft-prompt', f, '--text', 'Once upon a time', '--max-new-tokens', '8', '--json');
      expect(r.code, r.stderr).toBe(0);
      results.push((JSON.parse(r.stdout) as { ids: number[] }).ids);
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    writeFileSync(join(root, 'bad.json'), '{"format": "sps-soft-prompt"');
    const bad = await sps('generate', '--model', storiesModelDir(), '--soft-prompt', join(root, 'bad.json'), '--max-new-tokens', '2');
    expect(bad.code).toBe(1);
    expectOneLineError(bad.stderr);
    expect(bad.stderr).toContain('bad.json');
  });
});

import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSoftPrompt } from '../../../src/engine/tuning/prompt_file.js';
import { softPrompt } from '../../../src/engine/tuning/soft_prompt.js';
import { writeSafetensors } from '../../../src/engine/weights/safetensors_write.js';
import { tinyTensors, writeTinyModel } from '../../fixtures/tiny/tiny_models.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';
import { expectOneLineError, randomPrompt, sps, type CliResult } from './cli_helpers.js';

/** The command failed, printed one line, and that line holds every part (what and where). */
function expectFailure(r: CliResult, ...parts: Array<string | RegExp>): void {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).not.toBe(0);
  expect(r.stdout).toBe('');
  expectOneLineError(r.stderr);
  for (const p of parts) {
    if (typeof p === 'string') expect(r.stderr).toContain(p);
    else expect(r.stderr).toMatch(p);
  }
  expect(r.stderr).not.toContain('INTERNAL');
}

describe('sps: a broken model folder is reported with what and where', () => {
  const tmp = useTempDir('sps-cli-err-model-');

  /** A fresh tiny llama folder to break. */
  function tinyModel(): string {
    const dir = join(tmp(), 'tiny');
    writeTinyModel('llama', dir);
    return dir;
  }
  const generate = (dir: string, ...extra: string[]) => sps('generate', '--model', dir, '--max-new-tokens', '2', ...extra);
  const editConfig = (dir: string, edit: (cfg: Record<string, unknown>) => void) => {
    const file = join(dir, 'config.json');
    const cfg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    edit(cfg);
    writeFileSync(file, JSON.stringify(cfg, null, 2));
  };

  it('the unbroken tiny model runs (control)', async () => {
    const r = await generate(tinyModel(), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('model folder missing', async () => {
    const dir = join(tmp(), 'nope');
    expectFailure(await generate(dir), dir, 'model folder not found');
  });

  it('model path is a file', async () => {
    const file = join(tinyModel(), 'config.json');
    expectFailure(await generate(file), file, 'must be a folder');
  });

  it('config.json missing', async () => {
    const dir = tinyModel();
    rmSync(join(dir, 'config.json'));
    expectFailure(await generate(dir), join(dir, 'config.json'), 'config.json not found');
  });

  it('config.json is not valid JSON: names the line', async () => {
    const dir = tinyModel();
    const file = join(dir, 'config.json');
    const lines = readFileSync(file, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('"hidden_size"'));
    expect(i).toBeGreaterThan(0);
    expect(lines[i]!.trimEnd().endsWith(',')).toBe(true);
    lines[i] = lines[i]! + ' oops';
    writeFileSync(file, lines.join('\n'));
    expectFailure(await generate(dir), `${file}:${i + 1}:`, 'not valid JSON');
  });

  it('unknown model_type lists the supported ones', async () => {
    const dir = tinyModel();
    editConfig(dir, (c) => void (c.model_type = 'bert'));
    const r = await generate(dir);
    expectFailure(r, join(dir, 'config.json'), '[model_type]', '"bert"');
    for (const t of ['llama', 'mistral', 'qwen2', 'qwen3', 'gpt2']) expect(r.stderr).toContain(t);
  });

  it('a required config key is missing', async () => {
    const dir = tinyModel();
    editConfig(dir, (c) => void delete c.hidden_size);
    expectFailure(await generate(dir), join(dir, 'config.json'), '[hidden_size]', 'missing required field "hidden_size"');
  });

  it('model.safetensors missing', async () => {
    const dir = tinyModel();
    rmSync(join(dir, 'model.safetensors'));
    expectFailure(await generate(dir), dir, 'no weights');
  });

  it('model.safetensors truncated to 20 bytes', async () => {
    const dir = tinyModel();
    const file = join(dir, 'model.safetensors');
    truncateSync(file, 20);
    expectFailure(await generate(dir), file, 'header length', 'past the end');
  });

  it('model.safetensors with a garbage header length', async () => {
    const dir = tinyModel();
    const file = join(dir, 'model.safetensors');
    const buf = readFileSync(file);
    buf.fill(0xff, 0, 8);
    writeFileSync(file, buf);
    expectFailure(await generate(dir), file, 'header length', 'implausible');
  });

  it('a tensor shape does not match config.json (names the tensor and both shapes)', async () => {
    const dir = tinyModel();
    editConfig(dir, (c) => void (c.intermediate_size = 40));
    expectFailure(await generate(dir), join(dir, 'model.safetensors'), /model\.layers\.\d+\.mlp\.(gate|up|down)_proj\.weight/, /\[(48, 32|32, 48)\]/, /\[(40, 32|32, 40)\]/);
  });

  it('a tensor with an unsupported dtype (I32)', async () => {
    const dir = tinyModel();
    const tensors = tinyTensors('llama').map((t) =>
      t.name === 'model.norm.weight' ? { ...t, dtype: 'I32' as const, data: Int32Array.from(t.data as Float32Array, (v) => Math.round(v)) } : t,
    );
    writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
    expectFailure(await generate(dir), join(dir, 'model.safetensors'), 'model.norm.weight', 'I32');
  });
});

describe('sps: bad soft prompts', () => {
  const tmp = useTempDir('sps-cli-err-prompt-');
  const model = storiesModelDir();
  const generate = (prompt: string) => sps('generate', '--model', model, '--soft-prompt', prompt, '--max-new-tokens', '2');

  it('width differs from the hidden size (names both)', async () => {
    const file = join(tmp(), 'p.safetensors');
    writeSoftPrompt(file, randomPrompt(3, 32, 1));
    expectFailure(await generate(file), file, '[prompt_embeddings]', '32 wide', 'hidden size is 64');
  });

  it('file without prompt_embeddings', async () => {
    const file = join(tmp(), 'p.safetensors');
    writeSafetensors(file, [{ name: 'embeddings', dtype: 'F32', shape: [2, 64], data: new Float32Array(128) }]);
    expectFailure(await generate(file), file, 'prompt_embeddings', 'embeddings');
  });

  it('path does not exist', async () => {
    const file = join(tmp(), 'missing.safetensors');
    expectFailure(await generate(file), file, 'not found');
  });

  it('an adapter folder without adapter_model.safetensors', async () => {
    expectFailure(await generate(tmp()), tmp(), 'adapter_model.safetensors');
  });
});

describe('sps grad: bad data files', () => {
  const tmp = useTempDir('sps-cli-err-data-');
  const model = storiesModelDir();

  function run(lines: string, ...extra: string[]): { data: string; result: Promise<CliResult> } {
    const prompt = join(tmp(), 'p.safetensors');
    writeSoftPrompt(prompt, softPrompt(2, 64, new Float64Array(128)));
    const data = join(tmp(), 'data.jsonl');
    writeFileSync(data, lines);
    return { data, result: sps('grad', '--model', model, '--soft-prompt', prompt, '--data', data, '--out', join(tmp(), 'g.safetensors'), ...extra) };
  }

  it('a good file works (control)', async () => {
    const r = await run('{"text": "Hi there."}\n').result;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('malformed JSON on line 3', async () => {
    const { data, result } = run('{"text": "a cat"}\n\n{"input": "x", "output": \n{"text": "b"}\n');
    expectFailure(await result, `${data}:3:`, 'line 3', 'not valid JSON');
  });

  it('a line with neither output nor text', async () => {
    const { data, result } = run('{"text": "a cat"}\n{"input": "only input"}\n');
    expectFailure(await result, `${data}:2:`, 'neither "output" nor "text"');
  });

  it('a non-string output names the field', async () => {
    const { data, result } = run('{"input": "x", "output": 5}\n');
    expectFailure(await result, `${data}:1`, '[output]', 'must be a string');
  });

  it('an empty file', async () => {
    const { data, result } = run('\n  \n');
    expectFailure(await result, data, 'no examples');
  });

  it('a sequence longer than the context names the line (SEQUENCE_TOO_LONG)', async () => {
    const long = 'Once upon a time there was a little dog. '.repeat(80);
    const { data, result } = run(`{"text": "short one."}\n${JSON.stringify({ text: long })}\n`);
    expectFailure(await result, `${data}:2:`, "more than the model's context of 512");
  });
});

describe('sps generate: a text longer than the context', () => {
  it('fails with SEQUENCE_TOO_LONG (--json error form)', async () => {
    const long = 'Once upon a time there was a little dog. '.repeat(60);
    const r = await sps('generate', '--model', storiesModelDir(), '--text', long, '--max-new-tokens', '2', '--json');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expectOneLineError(r.stderr);
    const err = (JSON.parse(r.stderr) as { error: { code: string; message: string } }).error;
    expect(err.code).toBe('SEQUENCE_TOO_LONG');
    expect(err.message).toContain("exceeds the model's context of 512");
    expect(err.message).toContain('[--text]');
  });

  it('too many new tokens names --max-new-tokens and the most that fits', async () => {
    const r = await sps('generate', '--model', storiesModelDir(), '--text', 'Once upon a time', '--max-new-tokens', '600');
    expectFailure(r, '--max-new-tokens', "exceed the model's context of 512");
    expect(r.stderr).toMatch(/use --max-new-tokens \d+ or less/);
  });
});

describe('sps: bad flags', () => {
  const model = storiesModelDir();
  const tmp = useTempDir('sps-cli-err-flags-');

  it('unknown flag', async () => {
    const r = await sps('generate', '--model', model, '--max-new-tokens', '2', '--beam-width', '4');
    expectFailure(r, '--beam-width');
    expect(r.code).toBe(2);
  });

  it('missing required flag', async () => {
    const r = await sps('generate', '--model', model);
    expectFailure(r, '[--max-new-tokens]', '--max-new-tokens is required');
    expect(r.code).toBe(2);
    const g = await sps('grad', '--model', model, '--data', join(tmp(), 'x.jsonl'), '--out', join(tmp(), 'g'));
    expectFailure(g, '[--soft-prompt]', '--soft-prompt is required');
  });

  it('grad without --data', async () => {
    const prompt = join(tmp(), 'p.safetensors');
    writeSoftPrompt(prompt, softPrompt(2, 64, new Float64Array(128)));
    const r = await sps('grad', '--model', model, '--soft-prompt', prompt, '--out', join(tmp(), 'g.safetensors'));
    expectFailure(r, '[--data]', '--data is required');
    expect(r.code).toBe(2);
  });

  it('bad --dtype value', async () => {
    const r = await sps('generate', '--model', model, '--max-new-tokens', '2', '--dtype', 'float16');
    expectFailure(r, '[--dtype]', 'float32, float64', '"float16"');
    expect(r.code).toBe(2);
  });

  it('--batch 0', async () => {
    const prompt = join(tmp(), 'p.safetensors');
    writeSoftPrompt(prompt, softPrompt(2, 64, new Float64Array(128)));
    const data = join(tmp(), 'd.jsonl');
    writeFileSync(data, '{"text": "Hi."}\n');
    const r = await sps('grad', '--model', model, '--soft-prompt', prompt, '--data', data, '--out', join(tmp(), 'g.safetensors'), '--batch', '0');
    expectFailure(r, '[--batch]', '"0"');
    expect(r.code).toBe(2);
  });

  it('--max-new-tokens that is not an integer', async () => {
    const r = await sps('generate', '--model', model, '--max-new-tokens', '2.5');
    expectFailure(r, '[--max-new-tokens]', '"2.5"');
  });

  it('unknown command', async () => {
    const r = await sps('train');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "train"');
  });
});

import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeSoftPrompt } from '../../../src/engine/tuning/prompt_file.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';
import { expectOneLineError, randomPrompt, sps } from './cli_helpers.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// Reference values from /work/shared/models/stories260K/README.md ("Expected greedy output").
const README_IDS_40 = [
  403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337,
  410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352,
];
const README_TEXT_40 = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, r';
// README "Tokenizer round trip": this sentence is BOS plus exactly the first 15 greedy tokens.
const SENTENCE = 'Once upon a time, there was a little girl named Lily.';

interface GenerateJson {
  ids: number[];
  text: string;
  stopped: boolean;
}

function parseJsonLine(stdout: string): GenerateJson {
  const lines = stdout.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as GenerateJson;
}

describe('sps generate on stories260K', () => {
  const model = storiesModelDir();
  const tmp = useTempDir('sps-cli-gen-');

  it('reproduces the README greedy ids from BOS (float32)', async () => {
    const r = await sps('generate', '--model', model, '--max-new-tokens', '40', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = parseJsonLine(r.stdout);
    expect(out.ids).toEqual(README_IDS_40);
    expect(out.text.startsWith('Once upon a time, there was a little girl named Lily.')).toBe(true);
    expect(out.text).toBe(README_TEXT_40);
    expect(out.stopped).toBe(false);
  });

  it('gives the same 40 ids in float64', async () => {
    const r = await sps('generate', '--model', model, '--max-new-tokens', '40', '--dtype', 'float64', '--json');
    expect(r.code).toBe(0);
    expect(parseJsonLine(r.stdout).ids).toEqual(README_IDS_40);
  });

  it('continues --text: after the first sentence come README tokens 15..39', async () => {
    const r = await sps('generate', '--model', model, '--text', SENTENCE, '--max-new-tokens', '25', '--json');
    expect(r.code).toBe(0);
    const out = parseJsonLine(r.stdout);
    expect(out.ids).toEqual(README_IDS_40.slice(15));
    // The continuation keeps the leading space of its first token (" She"): it is decoded
    // together with the input and the decoded input is cut off.
    expect(out.text).toBe(README_TEXT_40.slice(SENTENCE.length));
  });

  it('streams the same text without --json', async () => {
    const r = await sps('generate', '--model', model, '--max-new-tokens', '40');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(README_TEXT_40 + '\n');
  });

  it('runs with a soft prompt (file or PEFT folder) and the output changes', async () => {
    const file = join(tmp(), 'prompt.safetensors');
    const prompt = randomPrompt(4, 64, 1234, 0.5);
    // Scale it up so it clearly steers the model.
    for (let i = 0; i < prompt.data.length; i++) prompt.data[i]! *= 4;
    writeSoftPrompt(file, prompt, 'F32');
    const r = await sps('generate', '--model', model, '--soft-prompt', file, '--max-new-tokens', '40', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = parseJsonLine(r.stdout);
    expect(out.ids.length).toBeGreaterThan(0);
    expect(out.ids.length).toBeLessThanOrEqual(40);
    if (!out.stopped) expect(out.ids).toHaveLength(40);
    for (const id of out.ids) expect(id >= 0 && id < 512).toBe(true);
    expect(out.ids).not.toEqual(README_IDS_40.slice(0, out.ids.length));

    // The same prompt as a PEFT adapter folder gives the same continuation.
    const folder = join(tmp(), 'adapter');
    mkdirSync(folder);
    writeSoftPrompt(join(folder, 'adapter_model.safetensors'), prompt, 'F32');
    const r2 = await sps('generate', '--model', model, '--soft-prompt', folder, '--max-new-tokens', '40', '--json');
    expect(r2.code).toBe(0);
    expect(parseJsonLine(r2.stdout).ids).toEqual(out.ids);
  });
});

describe('sps generate as a real process', () => {
  const model = storiesModelDir();
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join('src', 'cli', 'sps.ts'), ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });

  it('exits 0 and prints one JSON line', () => {
    const p = run('generate', '--model', model, '--max-new-tokens', '10', '--json');
    expect(p.stderr).toBe('');
    expect(p.status).toBe(0);
    expect(parseJsonLine(p.stdout).ids).toEqual(README_IDS_40.slice(0, 10));
  });

  it('on an error exits non-zero with a one-line message and no stack trace', () => {
    const missing = join(repoRoot, 'no-such-model-folder');
    const p = run('generate', '--model', missing, '--max-new-tokens', '10');
    expect(p.status).not.toBe(0);
    expect(p.status).not.toBeNull();
    expect(p.stdout).toBe('');
    expectOneLineError(p.stderr);
    expect(p.stderr).toContain(missing);
    expect(p.stderr).toContain('not found');
    expect(p.stderr).not.toMatch(/SpsError|\.ts:\d+/);
  });

  it('a bad flag exits 2', () => {
    const p = run('generate', '--model', model, '--max-new-tokens', '10', '--bogus');
    expect(p.status).toBe(2);
    expectOneLineError(p.stderr);
    expect(p.stderr).toContain('--bogus');
  });
});

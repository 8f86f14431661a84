import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../../../src/engine/models/tokenizer.js';
import { validateDataset } from '../../../../src/engine/data/validate.js';
import { testModelDir } from '../../../helpers/fixtures.js';

const samples = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'resources', 'samples');
const tokenizer = loadTokenizer(testModelDir('stories260K'));
const tokenize = (s: string, part: 'input' | 'output') => tokenizer.encode(s, { addSpecialTokens: part === 'input' });

describe('sample datasets', () => {
  it('sentiment.csv: 200 clean rows, balanced happy/sad, short under stories260K', async () => {
    const r = await validateDataset({ file: join(samples, 'sentiment.csv'), task: { kind: 'classification', inputTemplate: '{text} The child felt', labelColumn: 'label' }, tokenize, maxLength: 512 });
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([]);
    expect(r.train.rows).toBe(200);
    expect(r.train.labelDistribution).toEqual([
      { label: 'happy', count: 100 },
      { label: 'sad', count: 100 },
    ]);
    expect(r.train.lengths).toBeDefined();
    expect(r.train.lengths!.max).toBeLessThan(128);
  });

  it('story_endings.jsonl: 150 clean generation rows', async () => {
    const r = await validateDataset({ file: join(samples, 'story_endings.jsonl'), task: { kind: 'generation', inputTemplate: '{input}', outputTemplate: '{output}' }, tokenize, maxLength: 512 });
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([]);
    expect(r.train.rows).toBe(150);
    expect(r.train.lengths).toBeDefined();
    expect(r.train.lengths!.truncated).toBe(0);
  });

  it('animals.txt: clean LM lines', async () => {
    const r = await validateDataset({ file: join(samples, 'animals.txt'), task: { kind: 'lm' } });
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([]);
    expect(r.train.rows).toBe(120);
  });
});

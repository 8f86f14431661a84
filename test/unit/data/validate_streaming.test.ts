import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../../src/engine/data/dataset.js';
import { TokenizedDataset } from '../../../src/engine/data/tokenized_dataset.js';
import { validateDataset } from '../../../src/engine/data/validate.js';
import { validateStreaming, type ValidateProgress } from '../../../src/engine/data/validate_streaming.js';
import { loadTokenizer } from '../../../src/engine/models/tokenizer.js';
import { SpsError } from '../../../src/shared/errors.js';
import { storiesModelDir } from '../../helpers/fixtures.js';
import { tempDir } from './readers/_helpers.js';

const t = tempDir();
const modelDir = storiesModelDir();
const tok = loadTokenizer(modelDir);
const cls: TaskSpec = { kind: 'classification', inputTemplate: 'Story: {text}\nFeeling:', labelColumn: 'label', verbalizerPrefix: '' };

const trainRows = [
  { text: 'Lily found her puppy.', label: 'happy' }, // 1
  { text: 'Tom lost his ball.', label: 'sad' }, // 2
  { text: 'Lily found her puppy.', label: 'happy' }, // 3 duplicate of 1
  { text: '', label: 'happy' }, // 4 empty text
  { text: 'Sue had a very very very very very very long day at the park with her friends.', label: 'sad' }, // 5 long
  { text: 'Ben smiled.', label: 'happy' }, // 6
  { text: 'Sam \uFFFD cried.', label: 'sad' }, // 7 encoding warning
];
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('validateStreaming (sps validate on files of any size)', () => {
  it('reports what validateDataset reports: rows, labels, problems by kind, duplicates, overlap', async () => {
    const train = t.write('train.jsonl', jsonl(trainRows));
    const val = t.write('val.jsonl', jsonl([{ text: 'Tom lost his ball.', label: 'sad' }, { text: 'Mia laughed.', label: 'happy' }, { text: 'Max was grumpy.', label: 'angry' }]));
    const cacheRoot = join(t.dir, 'cache-a');
    const progress: ValidateProgress[] = [];
    const streamed = await validateStreaming({ file: train, validationFile: val, task: cls, tokens: { tokenizer: tok, modelDir, cacheRoot }, maxLength: 20, onProgress: (p) => progress.push(p) });
    const classic = await validateDataset({ file: train, validationFile: val, task: cls, tokenize: (s, part) => tok.encode(s, { addSpecialTokens: part === 'input' }), maxLength: 20 });

    expect(streamed.train).toMatchObject({ rows: 7, examples: 6, duplicateRows: 1, labelDistribution: classic.train.labelDistribution });
    expect(streamed.validation).toMatchObject({ rows: 3, examples: 2, overlapWithTrain: 1 });
    const counts = (r: typeof streamed) => Object.fromEntries(r.problems.map((g) => [g.kind, g.count]));
    expect(counts(streamed)).toEqual(counts(classic));
    for (const kind of ['empty_field', 'label_outside_set', 'encoding', 'duplicate_row', 'train_validation_overlap']) {
      const a = streamed.problems.find((g) => g.kind === kind)?.shown.map((p) => p.location);
      const b = classic.problems.find((g) => g.kind === kind)?.shown.map((p) => p.location);
      expect(a, kind).toEqual(b);
    }
    expect(streamed.problems.find((g) => g.kind === 'duplicate_row')?.shown[0]?.message).toBe('line 3 repeats line 1');
    expect([streamed.errors, streamed.warnings, streamed.ok]).toEqual([classic.errors, classic.warnings, classic.ok]);
    // Lengths count the trainer's tokens exactly (input with BOS, then the output).
    expect(streamed.train.lengths?.count).toBe(6);
    expect(streamed.train.lengths?.max).toBe(classic.train.lengths?.max);
    expect(streamed.train.lengths?.truncated).toBe(classic.train.lengths?.truncated);
    // Progress: reading reaches the file size, tokenizing reaches every example.
    const lastRead = progress.filter((p) => p.phase === 'reading' && p.which === 'train').at(-1);
    expect(lastRead?.done).toBe(lastRead?.total);
    expect(progress.filter((p) => p.phase === 'tokenizing' && p.which === 'train').at(-1)).toMatchObject({ done: 6, total: 6 });

    // It filled the token cache: the same file, tokenizer and task open complete.
    const set = await TokenizedDataset.open({ file: train, task: cls, tokenizer: tok, modelDir, cacheRoot });
    expect(set.complete).toBe(true);
    await set.close();
  });

  it('without a model: counts and problems, no lengths, nothing cached', async () => {
    const train = t.write('train2.jsonl', jsonl(trainRows));
    const r = await validateStreaming({ file: train, task: cls });
    expect(r.train).toMatchObject({ rows: 7, examples: 6, duplicateRows: 1 });
    expect(r.train.lengths).toBeUndefined();
  });

  it('cancels with a CANCELLED error', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ text: `Story number ${i} was long enough to read.`, label: i % 2 ? 'happy' : 'sad' }));
    const train = t.write('big.jsonl', jsonl(rows));
    const controller = new AbortController();
    const run = validateStreaming({
      file: train,
      task: cls,
      tokens: { tokenizer: tok, modelDir, cacheRoot: join(t.dir, 'cache-c') },
      threads: 1,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'tokenizing') controller.abort();
      },
    });
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SpsError);
    expect((err as SpsError).code).toBe('CANCELLED');
  });
});

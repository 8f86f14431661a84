import { describe, expect, it } from 'vitest';
import { renderPromptCard, summariseMetrics, type PromptCardInput } from '../../../src/engine/export/card.js';
import { formatMetric } from '../../../src/shared/metric_format.js';
import type { JobConfig } from '../../../src/shared/job.js';
import { randomPrompt } from '../../integration/cli/cli_helpers.js';

const task = { kind: 'classification', inputTemplate: 'Review: {text}\nSentiment:', labelColumn: 'label', labels: ['pos', 'neg'], verbalizers: { pos: ' good', neg: ' bad' } } as const satisfies JobConfig['task'];
const job: JobConfig = {
  version: 1,
  name: 'sentiment | v1',
  model: { path: '/models/stories260K' },
  data: { train: '/data/train.csv', validation: '/data/val.csv', validationFraction: 0.1 },
  task: { ...task, labels: [...task.labels] },
  prompt: { numVirtualTokens: 2, init: 'text', initText: 'Classify the review' },
  training: {
    learningRate: 0.3, steps: 40, batchSize: 4, gradAccum: 2, warmupRatio: 0.06, schedule: 'cosine', weightDecay: 0.01, maxGradNorm: 1, maxLength: 128,
    evalEvery: 10, checkpointEvery: 10, patience: 0, seed: 7, maxConsecutiveSkips: 5, appendEos: false, evalBatchSize: 16,
  },
  device: 'cpu',
};

const metrics = [
  { kind: 'baseline', step: 0, val_loss: 7.17463, accuracy: 0.65, labels: ['pos', 'neg'], confusion_matrix: [[3, 7], [0, 10]] },
  { kind: 'train', step: 10, loss: 2.5 },
  { kind: 'evaluation', step: 10, val_loss: 2.46202, accuracy: 0.85, labels: ['pos', 'neg'], confusion_matrix: [[9, 1], [2, 8]], best: true },
  { kind: 'skipped', step: 11, reason: 'non-finite loss' },
  { kind: 'train', step: 20, loss: 1.93661 },
  { kind: 'evaluation', step: 20, val_loss: 1.9366, accuracy: 0.8, labels: ['pos', 'neg'], confusion_matrix: [[8, 2], [2, 8]], best: false },
];

function input(over: Partial<PromptCardInput> = {}): PromptCardInput {
  return {
    runDir: '/runs/r1',
    run: {
      job,
      fingerprints: {
        model: { path: '/models/stories260K', modelType: 'llama', sha256: 'ab'.repeat(32) },
        train: { path: '/data/train.csv', bytes: 9440, sha256: 'cd'.repeat(32) },
        validation: { path: '/data/val.csv', bytes: 1234, sha256: 'ef'.repeat(32) },
      },
      createdAt: '2025-01-02T03:04:05.000Z',
      appVersion: '0.1.0',
    },
    checkpoint: 'best',
    step: 10,
    prompt: randomPrompt(2, 64, 1),
    metrics,
    nearest: [
      { index: 0, tokens: [{ id: 263, token: '▁w', similarity: 0.6301 }, { id: 7, token: 'a|b', similarity: 0.5 }] },
      { index: 1, tokens: [{ id: 9, token: '`x`', similarity: -0.25 }] },
    ],
    exportedAt: new Date('2025-02-03T04:05:06.000Z'),
    appVersion: '0.1.0',
    ...over,
  };
}

describe('summariseMetrics', () => {
  it('picks baseline, best (flagged), final (last evaluation), last train and counts', () => {
    const s = summariseMetrics(metrics);
    expect(s.baseline?.step).toBe(0);
    expect(s.best?.step).toBe(10);
    expect(s.final?.step).toBe(20);
    expect(s.lastTrain?.loss).toBe(1.93661);
    expect([s.evaluations, s.trainSteps, s.skippedSteps]).toEqual([2, 2, 1]);
  });
});

describe('renderPromptCard', () => {
  const card = renderPromptCard(input());

  it('has the key sections', () => {
    for (const h of ['# Soft prompt card: sentiment \\| v1', '## Base model', '## Dataset', '## Task', '## Hyperparameters', '## Metrics', '## Nearest vocabulary tokens', '## Provenance']) {
      expect(card).toContain(h);
    }
  });

  it('names model, fingerprints, dataset sizes, task, template, labels and verbalizers', () => {
    expect(card).toContain('ab'.repeat(32));
    expect(card).toContain('cd'.repeat(32));
    expect(card).toContain('ef'.repeat(32));
    expect(card).toContain('9440 bytes');
    expect(card).toContain('1234 bytes');
    expect(card).toContain('`"Review: {text}\\nSentiment:"`');
    expect(card).toContain('| `pos` | `" good"` |');
    expect(card).toContain('| `neg` | `" bad"` |');
    expect(card).toContain('**2 virtual tokens × 64**');
    expect(card).toContain('**best** checkpoint (step 10)');
  });

  it('lists hyperparameters', () => {
    for (const row of ['| Learning rate | 0.3 |', '| Steps | 40 |', '| Batch size | 4 |', '| Gradient accumulation | 2 |', '| Schedule | `cosine`, warmup ratio 0.06 |', '| Seed | 7 |', '| Weight decay | 0.01 |']) {
      expect(card).toContain(row);
    }
    expect(card).toContain('`text` (text `"Classify the review"`)');
  });

  it('has baseline, best and final metrics with their steps, and the best confusion matrix', () => {
    expect(card).toContain('| Metric | Baseline (no prompt) | Best (step 10) | Final (step 20) |');
    expect(card).toContain('| `val_loss` | 7.1746 | 2.462 | 1.9366 |');
    expect(card).toContain('| `accuracy` | 0.65 | 0.85 | 0.8 |');
    expect(card).toContain('last training loss 1.9366 at step 20; 2 evaluation(s); 1 skipped');
    expect(card).toContain('| `pos` | 9 | 1 |');
  });

  it('lists nearest tokens with similarities, escaping table pipes and backticks', () => {
    expect(card).toContain('| 0 | `▁w` (0.630) #263, `a\\|b` (0.500) #7 |');
    expect(card).toContain('| 1 | `` `x` `` (-0.250) #9 |');
  });

  it('has dates and versions', () => {
    expect(card).toContain('2025-01-02T03:04:05.000Z');
    expect(card).toContain('2025-02-03T04:05:06.000Z');
    expect(card).toContain('Soft Prompt Studio 0.1.0');
  });

  it('says why nearest tokens or evaluations are missing', () => {
    const c = renderPromptCard(input({ nearest: { unavailable: 'model folder not found' }, metrics: [], run: { ...input().run, job: { ...job, task: { ...task, labels: [...task.labels], verbalizers: { pos: ' good' } } } } }));
    expect(c).toContain("| `neg` | the label itself (the tokenizer's word-start convention decides a leading space) |");
    expect(renderPromptCard(input({ verbalizerPrefix: '', run: { ...input().run, job: { ...job, task: { ...task, labels: [...task.labels], verbalizers: { pos: ' good' } } } } }))).toContain('| `neg` | `"neg"` |');
    expect(c).toContain('Not available: model folder not found');
    expect(c).toContain('No evaluation was recorded');
  });

  it('records how the input was built: plain text, or the model\'s chat template', () => {
    expect(renderPromptCard(input())).toContain('| Input format | plain text: `tokenizer(input)` with its special tokens (e.g. BOS), then the output |');
    const chat = renderPromptCard(input({ run: { ...input().run, job: { ...job, task: { ...task, labels: [...task.labels], chatTemplate: true } } } }));
    expect(chat).toContain("| Input format | the model's chat template: the filled input template is the user message, built with `tokenizer.apply_chat_template(");
  });

  it('formats metrics', () => {
    expect([formatMetric(3, 'n/a'), formatMetric(0.5, 'n/a'), formatMetric(null, 'n/a'), formatMetric(NaN, 'n/a'), formatMetric(1.5e-5, 'n/a'), formatMetric(1.23456e-5), formatMetric(123.456), formatMetric(0.123456), formatMetric(undefined)]).toEqual(['3', '0.5', 'n/a', 'n/a', '1.5e-5', '1.235e-5', '123.5', '0.1235', '—']);
  });
});

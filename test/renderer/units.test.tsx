// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { validateJob, type JobConfig } from '../../src/shared/job';
import { visibleRange } from '../../src/renderer/components/VirtualTable';
import { shellQuote, tuneArgs, tuneCommand } from '../../src/renderer/lib/cli';
import { estimate, suggestedForModel } from '../../src/renderer/lib/estimates';
import { ema } from '../../src/renderer/lib/format';
import { guessKind, guessTask, initialJob, stepBlocker } from '../../src/renderer/stores/wizard';
import { MODEL } from './fake_api';

const job = (over: Partial<JobConfig> = {}): JobConfig => ({ ...initialJob(), model: { path: '/m' }, data: { train: '/d/s.csv', validationFraction: 0.1 }, ...over });

describe('CLI command builder', () => {
  it('produces the flags of a classification job', () => {
    const j = job({ task: { kind: 'classification', inputTemplate: '{text} The child felt', labelColumn: 'label', labels: ['happy', 'sad'], verbalizers: { happy: ' happy', sad: ' sad' } } });
    const args = tuneArgs(j, '/runs/a');
    const flags = args.filter((a) => a.startsWith('--'));
    expect(flags).toEqual(['--model', '--data', '--task', '--input-template', '--label-column', '--labels', '--verbalizers', '--virtual-tokens', '--init', '--lr', '--steps', '--batch', '--grad-accum', '--warmup-ratio', '--schedule', '--max-length', '--eval-every', '--checkpoint-every', '--patience', '--seed', '--device', '--out']);
    expect(args[args.indexOf('--verbalizers') + 1]).toBe('{"happy":" happy","sad":" sad"}');
    expect(tuneCommand(j, '/runs/a')).toContain(`--input-template '{text} The child felt'`);
    expect(tuneCommand(j, '/runs/a')).toContain(`--verbalizers '{"happy":" happy","sad":" sad"}'`);
  });

  it('covers generation, lm, validation files, epochs, init text/file, metric and non-default options', () => {
    const g = job({ task: { kind: 'generation', inputTemplate: '{input}', outputTemplate: '{output}' }, data: { train: '/d/t.jsonl', validation: '/d/v.jsonl', validationFraction: 0.1 }, prompt: { numVirtualTokens: 10, init: 'text', initText: "it's a story" } });
    g.training = { ...g.training, steps: undefined, epochs: 3, metric: 'exact_match', weightDecay: 0.01, appendEos: true };
    const c = tuneCommand(g, 'out dir');
    expect(c).toContain('--val /d/v.jsonl');
    expect(c).toContain('--output-template');
    expect(c).toContain('--epochs 3');
    expect(c).not.toContain('--steps');
    expect(c).toContain(`--init-text 'it'\\''s a story'`);
    expect(c).toContain('--metric exact_match');
    expect(c).toContain('--weight-decay 0.01');
    expect(c).toContain('--append-eos');
    expect(c).toContain(`--out 'out dir'`);
    const lm = job({ task: { kind: 'lm', textColumn: 'text' }, prompt: { numVirtualTokens: 4, init: 'file', initFile: '/runs/a/best' }, data: { train: '/d/a.txt', validationFraction: 0.2 } });
    const l = tuneArgs(lm, '/o');
    expect(l.slice(l.indexOf('--text-column'), l.indexOf('--text-column') + 2)).toEqual(['--text-column', 'text']);
    expect(l.slice(l.indexOf('--init'), l.indexOf('--init') + 2)).toEqual(['--init', '/runs/a/best']);
    expect(l).toContain('--val-fraction');
    expect(shellQuote('')).toBe(`''`);
  });
});

describe('wizard logic', () => {
  it('guesses the task and columns from a preview', () => {
    expect(guessKind({ path: '', format: 'csv', columns: ['text', 'label'], rows: [], bytes: 0 })).toBe('classification');
    expect(guessKind({ path: '', format: 'jsonl', columns: ['input', 'output'], rows: [], bytes: 0 })).toBe('generation');
    expect(guessKind({ path: '', format: 'text', columns: ['text'], rows: [], bytes: 0 })).toBe('lm');
    expect(guessTask('generation', ['input', 'output'])).toEqual({ kind: 'generation', inputTemplate: '{input}', outputTemplate: '{output}' });
    expect(guessTask('classification', ['review', 'sentiment'])).toEqual({ kind: 'classification', inputTemplate: '{review}', labelColumn: 'sentiment' });
  });

  it('blocks steps with validateJob reasons', () => {
    const s = { job: job(), model: MODEL, preview: { status: 'ready' as const }, report: { status: 'idle' as const } };
    expect(stepBlocker({ ...s, job: initialJob() }, 0)).toMatch(/model/);
    expect(stepBlocker(s, 0)).toBeUndefined();
    expect(stepBlocker(s, 1)).toMatch(/Validate/);
    const bad = job();
    bad.training = { ...bad.training, batchSize: 0 };
    expect(stepBlocker({ ...s, job: bad }, 3)).toBe(`training.batchSize: ${validateJob(bad).find((e) => e.field === 'training.batchSize')!.message}`);
  });
});

describe('helpers', () => {
  it('windows only the visible rows', () => {
    expect(visibleRange(0, 1000)).toEqual([0, 16]);
    expect(visibleRange(28 * 500, 1000)).toEqual([496, 516]);
    expect(visibleRange(0, 3)).toEqual([0, 3]);
  });

  it('smooths with an EMA', () => {
    expect(ema([1, 3], 0)).toEqual([1, 3]);
    expect(ema([1, 3], 0.5)).toEqual([1, 2]);
  });

  it('suggests defaults per model size and labels rough estimates', () => {
    expect(suggestedForModel({ ...MODEL, hiddenSize: 64 })).toMatchObject({ numVirtualTokens: 8, learningRate: 0.3 });
    expect(suggestedForModel({ ...MODEL, hiddenSize: 4096, contextLength: 8192 })).toMatchObject({ numVirtualTokens: 32, learningRate: 0.03, maxLength: 256 });
    const e = estimate(job(), MODEL, undefined)!;
    expect(e.weightsBytes).toBe(MODEL.sizeBytes);
    expect(e.totalSteps).toBe(200);
    expect(e.seconds).toBeGreaterThan(0);
  });
});

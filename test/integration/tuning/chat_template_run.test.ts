import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetrics } from '../../../src/engine/tuning/run_dir.js';
import { sps } from '../cli/cli_helpers.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';

const root = join(import.meta.dirname, '..', '..', '..');
const golden = JSON.parse(readFileSync(join(root, 'test/fixtures/golden/chat_template.json'), 'utf8')) as { templates: Record<string, string> };

/** stories260K with SmolLM2's ChatML template in tokenizer_config.json: an "instruct" model. */
function chatModel(dir: string): string {
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'generation_config.json']) copyFileSync(join(storiesModelDir(), f), join(dir, f));
  const cfg = JSON.parse(readFileSync(join(storiesModelDir(), 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ ...cfg, chat_template: golden.templates.smollm2_chatml }));
  return dir;
}

/**
 * A run tuned with --chat-template: job.json records it, and evaluation during training and
 * `sps infer` afterwards build the inputs the same way (the metrics agree to the last digit,
 * and the inputs infer shows are the rendered conversation).
 */
describe('a run with the chat template', () => {
  const tmp = useTempDir('sps-chat-run-');

  it('records the option and evaluates the same inputs in training and in sps infer', async () => {
    const model = chatModel(tmp());
    const data = join(root, 'resources', 'samples', 'sentiment.csv');
    const common = ['--model', model, '--data', data, '--task', 'classification', '--input-template', '{text} The story is', '--virtual-tokens', '4', '--lr', '0.3', '--steps', '10', '--batch', '8', '--eval-every', '10', '--json'];
    const run = join(tmp(), 'chat');
    const t = await sps('tune', ...common, '--chat-template', '--out', run);
    expect(t.code, t.stderr).toBe(0);
    const file = JSON.parse(readFileSync(join(run, 'job.json'), 'utf8')) as { job: { task: { chatTemplate?: boolean } } };
    expect(file.job.task.chatTemplate).toBe(true);

    const r = await sps('infer', '--run', run, '--checkpoint', 'final', '--json', '--data', data);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; metrics?: Record<string, unknown>; input?: string });
    // infer --data shows the inputs as the model saw them: the rendered conversation.
    const examples = lines.filter((l) => l.type === 'example');
    expect(examples.length).toBe(200);
    expect(examples.every((l) => l.input!.includes('<|im_start|>user'))).toBe(true);
    // `sps eval` on the run's own validation split reproduces the trainer's best evaluation.
    const e = await sps('eval', run, '--json');
    expect(e.code, e.stderr).toBe(0);
    const out = JSON.parse(e.stdout) as { examples: number; metrics: Record<string, unknown> };
    const best = readMetrics(run).filter((m) => m.kind === 'evaluation' && m.best === true).at(-1)!;
    expect(out.examples).toBe(20);
    expect(out.metrics.accuracy).toBe(best.accuracy);
    expect(out.metrics.confusion_matrix).toEqual(best.confusion_matrix);
    expect(out.metrics.val_loss as number).toBeCloseTo(best.val_loss as number, 9);

    // Without the option the same model and data start from different inputs (other baseline loss).
    const plain = join(tmp(), 'plain');
    expect((await sps('tune', ...common, '--steps', '1', '--eval-every', '1', '--out', plain)).code).toBe(0);
    const baseline = (dir: string) => readMetrics(dir).find((m) => m.kind === 'baseline')!.val_loss as number;
    expect(baseline(plain)).not.toBe(baseline(run));
  }, 120_000);
});

import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jobFromFlags } from '../../../src/cli/commands/tune.js';
import { previewJobTemplate } from '../../../src/engine/data/job_dataset.js';
import { tokenizeExample } from '../../../src/engine/data/example.js';
import { modelForJob, readChatTemplate, withChatTemplate } from '../../../src/engine/models/chat_template.js';
import { loadModel } from '../../../src/engine/models/load_model.js';
import { loadTokenizer } from '../../../src/engine/models/tokenizer.js';
import { prepareTaskData } from '../../../src/engine/tuning/prepare_data.js';
import { validateJob } from '../../../src/shared/job.js';
import { expectSpsError } from '../../helpers/errors.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';

/**
 * Chat templates against transformers' apply_chat_template (test/fixtures/golden/chat_template.json,
 * made by scripts/golden/chat_template_golden.py): the rendered text and the ids, for three real
 * instruct templates on the stories260K tokenizer.
 */
interface Golden {
  templates: Record<string, string>;
  cases: { template: string; input: string; output: string; text: string; input_ids: number[]; output_ids: number[] }[];
}
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const golden = JSON.parse(readFileSync(join(root, 'test/fixtures/golden/chat_template.json'), 'utf8')) as Golden;
const SENTIMENT = join(root, 'resources', 'samples', 'sentiment.csv');

/** A copy of stories260K whose tokenizer_config.json carries `template`. */
function modelWithTemplate(dir: string, template: string | undefined, files = ['config.json', 'model.safetensors', 'tokenizer.json', 'generation_config.json']): string {
  for (const f of files) copyFileSync(join(storiesModelDir(), f), join(dir, f));
  const cfg = JSON.parse(readFileSync(join(storiesModelDir(), 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(template === undefined ? cfg : { ...cfg, chat_template: template }));
  return dir;
}

describe('chat templates match transformers apply_chat_template', () => {
  const tmp = useTempDir('sps-chat-');

  it.each(Object.keys(golden.templates).map((t) => [t]))('%s: rendered text, input ids and the example ids', (name) => {
    const dir = modelWithTemplate(tmp(), golden.templates[name]!, ['tokenizer.json']);
    const chat = readChatTemplate(dir)!;
    const tok = withChatTemplate(loadTokenizer(dir), chat);
    const cases = golden.cases.filter((c) => c.template === name);
    expect(cases.length).toBe(3);
    for (const c of cases) {
      expect(chat.render(c.input)).toBe(c.text);
      expect(tok.encode(c.input, { addSpecialTokens: true })).toEqual(c.input_ids);
      expect(tok.encode(c.output, { addSpecialTokens: false })).toEqual(c.output_ids);
      expect(tokenizeExample(tok, { input: c.input, output: c.output })).toEqual({ ids: [...c.input_ids, ...c.output_ids], labelStart: c.input_ids.length });
    }
  });

  it('reads chat_template.jinja first, and a named "default" template from a list', () => {
    const dir = modelWithTemplate(tmp(), [{ name: 'tool_use', template: 'x' }, { name: 'default', template: golden.templates.smollm2_chatml! }] as unknown as string, ['tokenizer.json']);
    expect(readChatTemplate(dir)!.render('hi')).toBe(golden.cases.find((c) => c.template === 'smollm2_chatml')!.text.replace(golden.cases.find((c) => c.template === 'smollm2_chatml')!.input, 'hi'));
    writeFileSync(join(dir, 'chat_template.jinja'), golden.templates.llama2_inst!);
    expect(readChatTemplate(dir)!.render(' hi ')).toBe('<s>[INST] hi [/INST]');
  });

  it('a job with task.chatTemplate builds the same ids in the trainer and the wizard preview; a model without a template is refused', async () => {
    const dir = modelWithTemplate(tmp(), golden.templates.smollm2_chatml!);
    const model = loadModel(dir);
    const flags = { model: dir, data: SENTIMENT, task: 'classification', 'input-template': '{text} The story is', steps: '1' };
    const job = jobFromFlags({ ...flags, 'chat-template': true });
    expect(job.task).toMatchObject({ chatTemplate: true });
    expect(validateJob(job)).toEqual([]);
    const chatTok = withChatTemplate(model.tokenizer, readChatTemplate(dir)!);
    const data = await prepareTaskData(job, model);
    const preview = await previewJobTemplate(job, model, 3);
    const first = preview.examples[0]!;
    const ids = first.tokens.filter((t) => t.part === 'input').map((t) => t.id);
    expect(ids).toEqual(chatTok.encode(first.input.replace(/^[\s\S]*<\|im_start\|>user\n/, '').replace(/<\|im_end\|>\n<\|im_start\|>assistant\n$/, ''), { addSpecialTokens: true }));
    expect(first.input).toMatch(/^<\|im_start\|>system\n/);
    // The trainer's examples start with the same rendered conversation.
    const all = [...data.train, ...data.validation];
    expect(all.some((e) => e.ids.slice(0, e.labelStart).join() === ids.join())).toBe(true);
    // Without the option, the plain BOS + text input.
    const plain = await prepareTaskData(jobFromFlags(flags), model);
    expect(plain.train[0]!.ids[0]).toBe(1);
    expect(plain.train[0]!.labelStart).toBeLessThan(data.train[0]!.labelStart);

    const noTemplate = loadModel(modelWithTemplate(tmp(), undefined));
    const err = expectSpsError(() => modelForJob(noTemplate, job), 'INVALID_ARGUMENT', 'tokenizer_config.json', 'no chat template');
    expect(err.location?.field).toBe('chat_template');
  });

  it('the job field is a boolean and only for tasks with an input', () => {
    const base = jobFromFlags({ model: '.', data: SENTIMENT, task: 'classification', steps: '1' });
    expect(validateJob({ ...base, task: { ...base.task, chatTemplate: 'yes' } } as never).map((e) => e.field)).toEqual(['task.chatTemplate']);
    expect(validateJob({ ...base, task: { kind: 'lm', textColumn: 'text', chatTemplate: true } } as never).map((e) => e.field)).toEqual(['task.chatTemplate']);
    expect(() => jobFromFlags({ model: '.', data: SENTIMENT, task: 'lm', steps: '1', 'chat-template': true })).toThrow(/--chat-template needs a classification or generation task/);
  });
});

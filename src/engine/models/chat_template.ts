import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { SpsError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job.js';
import { readJsonFile } from '../files.js';
import type { LoadedModel } from './load_model.js';
import type { TextTokenizer } from './tokenizer.js';

/**
 * Instruct models' chat templates. With `task.chatTemplate` on, an example's input (the filled
 * input template) becomes the user message of a one-turn conversation rendered with the model's
 * template and a generation prompt, exactly as transformers'
 * `tokenizer.apply_chat_template([{"role": "user", "content": input}], add_generation_prompt=True)`
 * does: rendered with the special tokens (bos_token, eos_token, …) as variables, then tokenized
 * WITHOUT adding special tokens (the template writes its own BOS). The output is appended as
 * before. The tokenizer wrapper below is what training, evaluation, inference, the playground
 * and the wizard preview all use, so the input is built one way everywhere.
 */
export interface ChatTemplate {
  /** Where the template came from (chat_template.jinja or tokenizer_config.json). */
  file: string;
  source: string;
  /** The one-turn conversation for `input`, with the assistant's turn opened. */
  render(input: string): string;
}

const SPECIAL_TOKENS = ['bos_token', 'eos_token', 'unk_token', 'pad_token', 'sep_token', 'cls_token', 'mask_token'] as const;

/**
 * The model folder's chat template: `chat_template.jinja` (transformers ≥ 4.43 saves it there),
 * else tokenizer_config.json's `chat_template` (a string, or a list of named templates of which
 * "default" is used). Undefined when the model has none.
 */
export function readChatTemplate(modelDir: string): ChatTemplate | undefined {
  const cfgFile = join(modelDir, 'tokenizer_config.json');
  const cfg = existsSync(cfgFile) ? (readJsonFile(cfgFile, 'tokenizer_config.json') as Record<string, unknown>) : {};
  const jinjaFile = join(modelDir, 'chat_template.jinja');
  let source: string | undefined;
  let file = cfgFile;
  if (existsSync(jinjaFile)) {
    source = readFileSync(jinjaFile, 'utf8');
    file = jinjaFile;
  } else if (typeof cfg.chat_template === 'string') {
    source = cfg.chat_template;
  } else if (Array.isArray(cfg.chat_template)) {
    const named = (cfg.chat_template as { name?: unknown; template?: unknown }[]).find((t) => t?.name === 'default');
    if (!named || typeof named.template !== 'string') {
      throw new SpsError('INVALID_TOKENIZER', 'chat_template is a list without a "default" template', { location: { file: cfgFile, field: 'chat_template' }, hint: 'name one of the templates "default"' });
    }
    source = named.template;
  } else if (cfg.chat_template !== undefined && cfg.chat_template !== null) {
    throw new SpsError('INVALID_TOKENIZER', 'chat_template must be a string or a list of {name, template}', { location: { file: cfgFile, field: 'chat_template' } });
  }
  if (source === undefined) return undefined;

  let template: Template;
  try {
    template = new Template(source);
  } catch (err) {
    throw new SpsError('INVALID_TOKENIZER', `the chat template cannot be parsed: ${(err as Error).message}`, { location: { file, field: 'chat_template' }, cause: err });
  }
  const specials: Record<string, string> = {};
  for (const key of SPECIAL_TOKENS) {
    const v = cfg[key];
    const text = typeof v === 'string' ? v : typeof v === 'object' && v !== null && typeof (v as { content?: unknown }).content === 'string' ? (v as { content: string }).content : undefined;
    if (text !== undefined) specials[key] = text;
  }
  const templateSource = source;
  return {
    file,
    source: templateSource,
    render: (input) => {
      try {
        return template.render({ messages: [{ role: 'user', content: input }], add_generation_prompt: true, ...specials });
      } catch (err) {
        throw new SpsError('INVALID_DATA', `the model's chat template failed on this input: ${(err as Error).message}`, { location: { file, field: 'chat_template' }, cause: err });
      }
    },
  };
}

/** A tokenizer whose input encoding (addSpecialTokens: true) goes through the chat template. */
export function withChatTemplate(tok: TextTokenizer, chat: ChatTemplate): TextTokenizer & { chatTemplate: ChatTemplate } {
  return {
    ...tok,
    chatTemplate: chat,
    encode: (text, opts) => ((opts?.addSpecialTokens ?? true) ? tok.encode(chat.render(text), { addSpecialTokens: false }) : tok.encode(text, { addSpecialTokens: false })),
  };
}

/** Whether a job builds its inputs with the model's chat template. */
export function usesChatTemplate(job: Pick<JobConfig, 'task'>): boolean {
  return job.task.kind !== 'lm' && job.task.chatTemplate === true;
}

/**
 * The model as a job sees it: with `task.chatTemplate`, its tokenizer renders inputs with the
 * chat template. Idempotent; every place that tokenizes a job's inputs goes through here.
 */
export function modelForJob(model: LoadedModel, job: Pick<JobConfig, 'task'>): LoadedModel {
  if (!usesChatTemplate(job) || 'chatTemplate' in model.tokenizer) return model;
  const chat = readChatTemplate(model.dir);
  if (!chat) {
    throw new SpsError('INVALID_ARGUMENT', 'this model has no chat template, so the input cannot be built with one', {
      location: { file: join(model.dir, 'tokenizer_config.json'), field: 'chat_template' },
      hint: 'turn the chat template option off (task.chatTemplate / --chat-template), or use an instruct model whose tokenizer_config.json has a chat_template',
    });
  }
  return { ...model, tokenizer: withChatTemplate(model.tokenizer, chat) };
}

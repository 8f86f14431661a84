import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { SpsError } from '../../shared/errors.js';
import { readJsonFile } from '../files.js';
import { optionalIdList, readGenerationConfig } from './model_config.js';

export interface TextTokenizer {
  /** Token ids; `addSpecialTokens` (default true, as in transformers) adds e.g. BOS. */
  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[];
  /** Text of `ids`; special tokens are kept unless `skipSpecialTokens`. */
  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string;
  /**
   * Text of one token decoded on its own (transformers' `decode([id])`). SentencePiece
   * decoders strip a leading space here, so do not concatenate these to rebuild text.
   */
  decodeToken(id: number): string;
  /** The raw vocabulary entry, e.g. `▁upon` (useful to show a token unambiguously). */
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
  bosTokenId: number | undefined;
  /** Ids that end generation: tokenizer_config's eos_token plus generation_config's eos_token_id(s). */
  eosTokenIds: number[];
  /** One past the largest token id (the model's embedding may have more rows). */
  vocabSize: number;
}

const FOLDER_HINT = 'a Hugging Face model folder has config.json, model.safetensors and tokenizer.json';

/** Load tokenizer.json (+ tokenizer_config.json if present) from a model folder. */
export function loadTokenizer(modelDir: string): TextTokenizer {
  const dir = resolve(modelDir);
  const tokFile = join(dir, 'tokenizer.json');
  const cfgFile = join(dir, 'tokenizer_config.json');
  if (!existsSync(tokFile) && existsSync(join(dir, 'tokenizer.model'))) {
    throw new SpsError('FILE_NOT_FOUND', 'tokenizer.json not found (the folder only has a SentencePiece tokenizer.model)', {
      location: { file: tokFile },
      hint: 'create tokenizer.json with transformers: AutoTokenizer.from_pretrained(dir).save_pretrained(dir)',
    });
  }
  const tokJson = readJsonFile(tokFile, 'tokenizer.json', FOLDER_HINT);
  const tokCfg = existsSync(cfgFile) ? readJsonFile(cfgFile, 'tokenizer_config.json') : {};
  if (!isObject(tokJson)) throw invalidTokenizer(tokFile, 'expected a JSON object at the top level');
  if (!isObject(tokCfg)) throw invalidTokenizer(cfgFile, 'expected a JSON object at the top level');

  let tok: Tokenizer;
  try {
    tok = new Tokenizer(tokJson, tokCfg);
  } catch (err) {
    throw invalidTokenizer(tokFile, `cannot load this tokenizer: ${(err as Error).message}`, err);
  }

  const vocab = tok.get_vocab(true);
  let vocabSize = 0;
  for (const id of vocab.values()) vocabSize = Math.max(vocabSize, id + 1);

  const specialId = (field: string): number | undefined => {
    const text = specialTokenText(tokCfg[field], cfgFile, field);
    if (text === undefined) return undefined;
    const id = tok.token_to_id(text);
    if (id === undefined) throw invalidTokenizer(cfgFile, `${field} "${text}" is not in the vocabulary of tokenizer.json`, undefined, field);
    return id;
  };
  const bosTokenId = specialId('bos_token');
  const eos = specialId('eos_token');
  const gen = readGenerationConfig(dir);
  const genEos = gen ? optionalIdList(gen, 'eos_token_id', join(dir, 'generation_config.json')) : [];
  const eosTokenIds = [...new Set([...(eos === undefined ? [] : [eos]), ...genEos])];

  const checkIds = (ids: readonly number[]): void => {
    // The package silently decodes unknown ids as <unk>; an out-of-range id is a bug upstream.
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new SpsError('INVALID_ARGUMENT', `token id ${id} is outside the vocabulary (0..${vocabSize - 1})`, { location: { file: tokFile } });
      }
    }
  };

  return {
    encode: (text, opts) => tok.encode(text, { add_special_tokens: opts?.addSpecialTokens ?? true }).ids,
    decode: (ids, opts) => {
      checkIds(ids);
      // The package throws on an empty list; empty in, empty out.
      if (ids.length === 0) return '';
      return tok.decode([...ids], { skip_special_tokens: opts?.skipSpecialTokens ?? false });
    },
    decodeToken: (id) => {
      checkIds([id]);
      return tok.decode([id]);
    },
    idToToken: (id) => tok.id_to_token(id),
    tokenToId: (token) => tok.token_to_id(token),
    bosTokenId,
    eosTokenIds,
    vocabSize,
  };
}

/** Special tokens are written as a string or as an AddedToken object `{content, …}`; null means none. */
function specialTokenText(value: unknown, file: string, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.content === 'string') return value.content;
  throw invalidTokenizer(file, `${field} must be a string or an object with "content"`, undefined, field);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalidTokenizer(file: string, message: string, cause?: unknown, field?: string): SpsError {
  return new SpsError('INVALID_TOKENIZER', message, {
    location: { file, field },
    hint: 'download the tokenizer files again, or use a model whose tokenizer.json transformers can load',
    cause,
  });
}

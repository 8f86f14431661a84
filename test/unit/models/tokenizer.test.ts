import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../../src/engine/models/tokenizer.js';
import { expectSpsError } from '../../helpers/errors.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';

const SENTENCE = 'Once upon a time, there was a little girl named Lily.';
// Reference ids from transformers' LlamaTokenizerFast on this model.
const SENTENCE_IDS = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426];

describe('loadTokenizer on stories260K', () => {
  const tok = loadTokenizer(storiesModelDir());

  it('encodes like transformers, with and without special tokens', () => {
    expect(tok.encode(SENTENCE)).toEqual(SENTENCE_IDS);
    expect(tok.encode(SENTENCE, { addSpecialTokens: true })).toEqual(SENTENCE_IDS);
    expect(tok.encode(SENTENCE, { addSpecialTokens: false })).toEqual(SENTENCE_IDS.slice(1));
    expect(tok.encode('', { addSpecialTokens: false })).toEqual([]);
  });

  it('decodes', () => {
    expect(tok.decode([403, 407, 261, 378, 432])).toBe('Once upon a time,');
    expect(tok.decode(SENTENCE_IDS, { skipSpecialTokens: true })).toBe(SENTENCE);
    expect(tok.decode([1, 403, 407, 2])).toBe('<s> Once upon</s>'); // special tokens kept by default
    expect(tok.decode([])).toBe('');
  });

  it('exposes special tokens, vocabulary size and single tokens', () => {
    expect(tok.bosTokenId).toBe(1);
    expect(tok.eosTokenIds).toEqual([2]);
    expect(tok.vocabSize).toBe(512);
    expect(tok.tokenToId('<s>')).toBe(1);
    expect(tok.tokenToId('no-such-token')).toBeUndefined();
    expect(tok.idToToken(407)).toBe('▁upon');
    expect(tok.decodeToken(407)).toBe('upon'); // leading space stripped, as transformers does
  });

  it('rejects ids outside the vocabulary instead of decoding <unk>', () => {
    expectSpsError(() => tok.decode([403, 512]), 'INVALID_ARGUMENT', '512', 'tokenizer.json');
    expectSpsError(() => tok.decodeToken(-1), 'INVALID_ARGUMENT', '-1');
    expectSpsError(() => tok.decode([1.5]), 'INVALID_ARGUMENT', '1.5');
  });
});

describe('loadTokenizer errors and variants', () => {
  const tmp = useTempDir();
  const src = storiesModelDir();
  const tokJson = (): Record<string, unknown> => JSON.parse(readFileSync(join(src, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
  const tokCfg = (): Record<string, unknown> => JSON.parse(readFileSync(join(src, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  const write = (name: string, value: unknown): void => writeFileSync(join(tmp(), name), typeof value === 'string' ? value : JSON.stringify(value, null, 2));

  it('missing tokenizer.json', () => {
    const err = expectSpsError(() => loadTokenizer(tmp()), 'FILE_NOT_FOUND', join(tmp(), 'tokenizer.json'));
    expect(err.hint).toContain('tokenizer.json');
    write('tokenizer.model', 'spm');
    const spm = expectSpsError(() => loadTokenizer(tmp()), 'FILE_NOT_FOUND', 'tokenizer.model');
    expect(spm.hint).toContain('save_pretrained');
  });

  it('invalid tokenizer.json: bad JSON, not an object, unloadable', () => {
    write('tokenizer.json', '{\n  "model": {\n');
    expectSpsError(() => loadTokenizer(tmp()), 'INVALID_JSON', 'tokenizer.json:3');
    write('tokenizer.json', '[]');
    expectSpsError(() => loadTokenizer(tmp()), 'INVALID_TOKENIZER', 'tokenizer.json');
    write('tokenizer.json', { version: '1.0' });
    expectSpsError(() => loadTokenizer(tmp()), 'INVALID_TOKENIZER', 'tokenizer.json', 'model');
  });

  it('works without tokenizer_config.json (no declared BOS/EOS)', () => {
    copyFileSync(join(src, 'tokenizer.json'), join(tmp(), 'tokenizer.json'));
    const tok = loadTokenizer(tmp());
    expect(tok.bosTokenId).toBeUndefined();
    expect(tok.eosTokenIds).toEqual([]);
    expect(tok.encode('Once', { addSpecialTokens: false })).toEqual([403]);
  });

  it('accepts special tokens as {content} objects and merges generation_config eos ids', () => {
    write('tokenizer.json', tokJson());
    write('tokenizer_config.json', { ...tokCfg(), bos_token: { content: '<s>', special: true }, eos_token: { content: '</s>' } });
    write('generation_config.json', { eos_token_id: [2, 0] });
    const tok = loadTokenizer(tmp());
    expect(tok.bosTokenId).toBe(1);
    expect(tok.eosTokenIds).toEqual([2, 0]);
  });

  it('reports special tokens that are malformed or not in the vocabulary', () => {
    write('tokenizer.json', tokJson());
    write('tokenizer_config.json', { ...tokCfg(), eos_token: '<|end|>' });
    expectSpsError(() => loadTokenizer(tmp()), 'INVALID_TOKENIZER', 'tokenizer_config.json', 'eos_token', '<|end|>');
    write('tokenizer_config.json', { ...tokCfg(), bos_token: 5 });
    expectSpsError(() => loadTokenizer(tmp()), 'INVALID_TOKENIZER', 'tokenizer_config.json', 'bos_token');
    write('tokenizer_config.json', { ...tokCfg(), bos_token: null });
    expect(loadTokenizer(tmp()).bosTokenId).toBeUndefined();
  });

  it('reports a bad generation_config.json eos_token_id', () => {
    write('tokenizer.json', tokJson());
    write('generation_config.json', { eos_token_id: 'x' });
    expectSpsError(() => loadTokenizer(tmp()), 'INVALID_CONFIG', 'generation_config.json', 'eos_token_id');
  });
});

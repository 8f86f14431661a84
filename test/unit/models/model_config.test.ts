import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonErrorPosition } from '../../../src/engine/files.js';
import {
  optionalBoolean,
  optionalIdList,
  optionalInteger,
  optionalNumber,
  optionalString,
  readGenerationConfig,
  readModelConfig,
  requireInteger,
  requireNumber,
  requireString,
} from '../../../src/engine/models/model_config.js';
import { expectSpsError } from '../../helpers/errors.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';

describe('readModelConfig', () => {
  const tmp = useTempDir();

  it('reads the real stories260K config and generation config', () => {
    const cfg = readModelConfig(storiesModelDir());
    expect(cfg.model_type).toBe('llama');
    expect(requireInteger(cfg, 'hidden_size', 'config.json')).toBe(64);
    expect(optionalNumber(cfg, 'rope_theta', 1)).toBe(10000);
    expect(optionalNumber(cfg, 'rope_scaling', 7)).toBe(7); // null counts as absent
    expect(readGenerationConfig(storiesModelDir())).toEqual({ _from_model_config: true, bos_token_id: 1, eos_token_id: 2 });
  });

  it('missing config.json names the file and says what a model folder holds', () => {
    const err = expectSpsError(() => readModelConfig(tmp()), 'FILE_NOT_FOUND', join(tmp(), 'config.json'));
    expect(err.hint).toContain('config.json, model.safetensors and tokenizer.json');
    expect(readGenerationConfig(tmp())).toBeUndefined();
  });

  it('config.json that is a folder', () => {
    mkdirSync(join(tmp(), 'config.json'));
    expectSpsError(() => readModelConfig(tmp()), 'NOT_A_FILE', 'config.json');
  });

  it('invalid JSON reports the line of the error', () => {
    const cases: Array<[string, number]> = [
      ['{\n  "a": 1,\n  "b": }\n', 3], // no position in Node 20's message
      ['{\n  "a": 1,\n\n}', 4], // trailing comma
      ['{\n  "a": tru\n}', 2],
      ['{\n  "a": 1', 2], // ends early
      ['', 1],
      ['{"a": 1}\n\nx', 3], // trailing garbage
    ];
    for (const [text, line] of cases) {
      writeFileSync(join(tmp(), 'config.json'), text);
      const err = expectSpsError(() => readModelConfig(tmp()), 'INVALID_JSON', `config.json:${line}`);
      expect(err.location?.line, JSON.stringify(text)).toBe(line);
    }
  });

  it('accepts a UTF-8 byte-order mark; rejects a non-object', () => {
    writeFileSync(join(tmp(), 'config.json'), '\uFEFF{"model_type": "llama"}');
    expect(readModelConfig(tmp()).model_type).toBe('llama');
    writeFileSync(join(tmp(), 'config.json'), '[1]');
    expectSpsError(() => readModelConfig(tmp()), 'INVALID_CONFIG', 'config.json');
  });

  it('invalid generation_config.json is reported with its name', () => {
    writeFileSync(join(tmp(), 'generation_config.json'), '{"eos_token_id": [1,}');
    expectSpsError(() => readGenerationConfig(tmp()), 'INVALID_JSON', 'generation_config.json:1');
  });
});

describe('typed field helpers', () => {
  const file = '/m/config.json';
  const cfg = { n: 3, f: 0.5, s: 'llama', b: true, nul: null, neg: -1, list: [1, 2], bad: 'x', inf: 'Infinity' };

  it('read valid fields and defaults', () => {
    expect(requireNumber(cfg, 'f', file)).toBe(0.5);
    expect(requireInteger(cfg, 'n', file)).toBe(3);
    expect(requireInteger(cfg, 'neg', file, -5)).toBe(-1);
    expect(optionalInteger(cfg, 'missing', 8)).toBe(8);
    expect(requireString(cfg, 's', file)).toBe('llama');
    expect(optionalString(cfg, 'nul', 'silu')).toBe('silu');
    expect(optionalBoolean(cfg, 'b', false)).toBe(true);
    expect(optionalBoolean(cfg, 'missing', false)).toBe(false);
    expect(optionalIdList(cfg, 'n')).toEqual([3]);
    expect(optionalIdList(cfg, 'list')).toEqual([1, 2]);
    expect(optionalIdList(cfg, 'nul')).toEqual([]);
  });

  it('throw INVALID_CONFIG naming the file and field', () => {
    const e1 = expectSpsError(() => requireNumber(cfg, 'hidden_size', file), 'INVALID_CONFIG', file, 'hidden_size', 'missing');
    expect(e1.location).toEqual({ file, field: 'hidden_size' });
    expectSpsError(() => requireNumber(cfg, 's', file), 'INVALID_CONFIG', file, '[s]', 'must be a number', '"llama"');
    expectSpsError(() => requireNumber(cfg, 'nul', file), 'INVALID_CONFIG', 'nul', 'null');
    expectSpsError(() => requireInteger(cfg, 'f', file), 'INVALID_CONFIG', 'f', 'integer');
    expectSpsError(() => requireInteger(cfg, 'neg', file), 'INVALID_CONFIG', 'neg', '≥ 1');
    expectSpsError(() => optionalNumber(cfg, 'inf', 1, file), 'INVALID_CONFIG', file, 'inf');
    expectSpsError(() => requireString(cfg, 'n', file), 'INVALID_CONFIG', file, 'must be a string');
    expectSpsError(() => requireString(cfg, 'model_type', file), 'INVALID_CONFIG', 'model_type', 'missing');
    expectSpsError(() => optionalString(cfg, 'n', 'x', file), 'INVALID_CONFIG', file, '[n]');
    expectSpsError(() => optionalBoolean(cfg, 's', true, file), 'INVALID_CONFIG', file, 'true or false');
    expectSpsError(() => optionalIdList(cfg, 'bad', file), 'INVALID_CONFIG', file, 'token id');
    expectSpsError(() => optionalIdList({ e: [1, -2] }, 'e', file), 'INVALID_CONFIG', file, '[e]');
  });
});

describe('jsonErrorPosition', () => {
  it('finds the offending offset', () => {
    expect(jsonErrorPosition('{"a": }')).toBe(6);
    expect(jsonErrorPosition('[1, 2,]')).toBe(6);
    expect(jsonErrorPosition('{"a": "\\x"}')).toBe(8);
    expect(jsonErrorPosition('{"a": 01}')).toBe(7);
    expect(jsonErrorPosition('{"a": [1, 2]')).toBe(12);
  });
});

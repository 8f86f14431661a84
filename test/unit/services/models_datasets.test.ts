import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpsError } from '../../../src/shared/errors.js';
import { dispatch } from '../../../src/services/index.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';
import { makeServices, SENTIMENT_CSV, sentimentJob } from './service_helpers.js';

describe('services: system, models, datasets', () => {
  const tmp = useTempDir('sps-services-');

  it('models: add a good and a broken folder, list, inspect, remove (index only)', async () => {
    const { services } = makeServices(join(tmp(), 'data'));
    const h = services.handlers;
    const good = await h['models.add']({ path: storiesModelDir() });
    expect(good).toMatchObject({ supported: true, modelType: 'llama', name: 'stories260K', hiddenSize: 64, numLayers: 5, vocabSize: 512 });
    expect(good.contextLength).toBeGreaterThan(0);
    // 260K parameters, from the safetensors shapes; size from the weight files.
    expect(good.parameters).toBeGreaterThan(200_000);
    expect(good.parameters).toBeLessThan(400_000);
    expect(good.sizeBytes).toBeGreaterThan(good.parameters! * 2 - 1);

    // A copy of the model with an unknown architecture: listed, not supported, with the reason.
    const broken = join(tmp(), 'broken-model');
    cpSync(storiesModelDir(), broken, { recursive: true });
    const cfg = JSON.parse(readFileSync(join(broken, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(broken, 'config.json'), JSON.stringify({ ...cfg, model_type: 'mamba' }));
    const bad = await h['models.add']({ path: broken });
    expect(bad.supported).toBe(false);
    expect(bad.modelType).toBe('mamba');
    expect(bad.reason).toMatch(/mamba/);

    // A path that is not a folder at all is an error, not an entry.
    await expect(h['models.add']({ path: join(tmp(), 'nope') })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });

    const list = await h['models.list']({});
    expect(list.map((m) => m.id).sort()).toEqual([good.id, bad.id].sort());
    // Adding the same folder again refreshes its entry instead of duplicating it.
    await h['models.add']({ path: storiesModelDir() });
    expect((await h['models.list']({})).length).toBe(2);

    expect(await h['models.remove']({ id: bad.id })).toEqual({ removed: true });
    expect(await h['models.remove']({ id: bad.id })).toEqual({ removed: false });
    expect(existsSync(join(broken, 'config.json'))).toBe(true);
    expect((await h['models.list']({})).map((m) => m.id)).toEqual([good.id]);

    // A new session reads the same index.
    const again = makeServices(join(tmp(), 'data'));
    expect((await again.services.handlers['models.list']({})).map((m) => m.id)).toEqual([good.id]);
    const inspected = await h['models.inspect']({ path: storiesModelDir() });
    expect(inspected.parameters).toBe(good.parameters);
  });

  it('settings: written atomically with a .bak; a damaged file is reported, never reset', async () => {
    const data = join(tmp(), 'data');
    // Desktop: the runs folder is a setting. Web mode refuses to change it (web_paths.test.ts).
    const { services } = makeServices(data, { mode: 'desktop' });
    const h = services.handlers;
    expect((await h['system.getSettings']({})).runsDir).toBe(join(data, 'runs'));
    await h['system.setSettings']({ theme: 'dark' });
    await h['system.setSettings']({ runsDir: join(tmp(), 'elsewhere') });
    expect(await h['system.getSettings']({})).toEqual({ theme: 'dark', runsDir: join(tmp(), 'elsewhere') });
    expect(JSON.parse(readFileSync(join(data, 'settings.json.bak'), 'utf8'))).toEqual({ theme: 'dark' });

    writeFileSync(join(data, 'settings.json'), '{"theme": "dark",');
    const r = await dispatch(h, 'system.getSettings', {});
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('INVALID_JSON');
      expect(r.error.location?.file).toBe(join(data, 'settings.json'));
      expect(r.error.hint).toContain('settings.json.bak');
    }
    // Setting a value does not paper over the damage either.
    await expect(h['system.setSettings']({ theme: 'light' })).rejects.toBeInstanceOf(SpsError);
    expect(readFileSync(join(data, 'settings.json'), 'utf8')).toBe('{"theme": "dark",');

    const info = await h['system.info']({});
    expect(info).toMatchObject({ mode: 'desktop', providers: expect.arrayContaining([{ name: 'cpu', available: true }]) });
    expect(info.onnxruntime).toMatch(/^\d+\.\d+/);
    // "Try the sample": the built-in model and the bundled sentiment sample of this checkout.
    expect(info.sample).toEqual({ modelPath: storiesModelDir(), modelName: 'stories260K', datasetPath: SENTIMENT_CSV });
  });

  it('datasets: preview, validate, and template preview tokens', async () => {
    const { services } = makeServices(join(tmp(), 'data'));
    const h = services.handlers;
    const p = await h['datasets.preview']({ path: SENTIMENT_CSV, limit: 3 });
    expect(p.format).toBe('csv');
    expect(p.columns).toEqual(['text', 'label']);
    expect(p.rows.map((r) => r.line)).toEqual([2, 3, 4]);
    expect(p.rows[0]!.fields.label).toBe('happy');

    const report = await h['datasets.validate']({ job: sentimentJob() });
    expect(report.ok).toBe(true);
    expect(report.train.rows).toBe(200);
    expect(report.labels).toEqual(['happy', 'sad']);
    expect(report.train.lengths?.count).toBe(200);

    const tp = await h['datasets.templatePreview']({ job: sentimentJob(), limit: 2 });
    expect(tp.examples.length).toBe(2);
    const ex = tp.examples[0]!;
    expect(ex.line).toBe(2);
    expect(ex.input).toBe('Mia and her dog danced in the sun. The story is');
    // The stories tokenizer marks word starts itself, so the default verbalizer has no leading space.
    expect(ex.output).toBe('happy');
    expect(ex.tokens[0]!.part).toBe('input');
    expect(ex.tokens.at(-1)!.part).toBe('output');
    expect(ex.tokens.filter((t) => t.part === 'output').length).toBeGreaterThan(0);
    expect(ex.tokens.every((t) => Number.isInteger(t.id) && typeof t.text === 'string' && t.text !== '')).toBe(true);
  });

  it('datasets: a broken CSV gives line numbers (row problems and a malformed record)', async () => {
    const { services } = makeServices(join(tmp(), 'data'));
    const h = services.handlers;
    const rows = 'text,label\nA happy day.,happy\nA sad day.,sad\n,happy\nAnother sad day.,sad\nGood times.,happy\n';
    const file = join(tmp(), 'rows.csv');
    writeFileSync(file, rows);
    const report = await h['datasets.validate']({ job: { ...sentimentJob(), data: { train: file, validationFraction: 0.1 } } });
    expect(report.ok).toBe(false);
    const empty = report.problems.find((g) => g.kind === 'empty_field');
    expect(empty?.shown[0]?.location).toMatchObject({ file, line: 4 });
    // The same content at another path reuses the token cache (keyed by content) and still names its own file.
    const copy = join(tmp(), 'copy-of-rows.csv');
    writeFileSync(copy, rows);
    const again = await h['datasets.validate']({ job: { ...sentimentJob(), data: { train: copy, validationFraction: 0.1 } } });
    expect(again.problems.find((g) => g.kind === 'empty_field')?.shown[0]?.location).toMatchObject({ file: copy, line: 4 });

    const malformed = join(tmp(), 'malformed.csv');
    writeFileSync(malformed, 'text,label\nfine,happy\n"unterminated,sad\nmore,happy\n');
    const r = await dispatch(h, 'datasets.preview', { path: malformed });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('INVALID_DATA');
      expect(r.error.location).toMatchObject({ file: malformed, line: 3 });
    }
    rmSync(malformed);
  });
});

import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../../src/services/index.js';
import type { Services } from '../../../src/services/index.js';
import { validateRequest } from '../../../src/shared/api_validate.js';
import { validateJob } from '../../../src/shared/job.js';
import { createRun } from '../../../src/engine/tuning/run.js';
import { useTempDir } from '../../helpers/fixtures.js';
import { makeServices, sentimentJob } from './service_helpers.js';

/**
 * Web mode on a network: every path a request names must lie (after realpath) under an allowed
 * root, the runs dir is the operator's, and jobs.delete removes only real runs inside it.
 */
describe('web mode: allowed roots for paths', () => {
  const tmp = useTempDir('sps-webpaths-');
  let services: Services | undefined;
  afterEach(async () => {
    await services?.shutdown();
    services = undefined;
  });

  /** Web services whose only roots are DATA, DATA/runs, the bundled samples and `allowDirs`. */
  const web = (allowDirs: string[] = []) => {
    const data = join(tmp(), 'data');
    const made = makeServices(data, { allowDirs, libraryRoots: () => [] });
    services = made.services;
    return { h: made.services.handlers, data };
  };

  const secret = () => {
    const file = join(tmp(), 'outside', 'secret.csv');
    mkdirSync(join(tmp(), 'outside'), { recursive: true });
    writeFileSync(file, 'text,label\nthe password is hunter2,x\n');
    return file;
  };

  it('reading a file outside the allowed roots is refused, naming the roots; inside, it is read', async () => {
    const { h, data } = web();
    const file = secret();
    const r = await dispatch(h, 'datasets.preview', { path: file });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('PATH_NOT_ALLOWED');
    expect(r.error.location).toEqual({ file, field: 'path' });
    expect(r.error.message).toContain(`${data} (data dir)`);
    expect(r.error.message).toContain('(runs dir)');
    expect(r.error.hint).toMatch(/--allow-dir/);
    expect(JSON.stringify(r.error)).not.toContain('hunter2');
    // Files without a dataset extension, and /etc/passwd-like targets, the same.
    expect((await dispatch(h, 'datasets.preview', { path: '/etc/passwd' })).ok).toBe(false);

    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'mine.csv'), 'text,label\nhello,x\n');
    const ok = await h['datasets.preview']({ path: join(data, 'mine.csv') });
    expect(ok.rows[0]!.fields.text).toBe('hello');
  });

  it('a symlink inside a root that leads out of it is refused (realpath), also for a path below it', async () => {
    const { h, data } = web();
    const file = secret();
    mkdirSync(data, { recursive: true });
    symlinkSync(file, join(data, 'link.csv'));
    symlinkSync(join(tmp(), 'outside'), join(data, 'dirlink'));
    await expect(h['datasets.preview']({ path: join(data, 'link.csv') })).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
    await expect(h['datasets.preview']({ path: join(data, 'dirlink', 'secret.csv') })).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
    await expect(h['datasets.preview']({ path: join(data, '..', 'outside', 'secret.csv') })).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
  });

  it('every path-taking request is checked: models, job paths (train, validation, prompt init), imports, generation', async () => {
    const { h, data } = web();
    const file = secret();
    // A model path inside a root (it need not exist: the policy runs first), so each field's own check shows.
    const job = { ...sentimentJob(), model: { path: join(data, 'models', 'm') } };
    const refused = { code: 'PATH_NOT_ALLOWED' };
    await expect(h['models.add']({ path: join(tmp(), 'outside') })).rejects.toMatchObject(refused);
    await expect(h['models.inspect']({ path: join(tmp(), 'outside') })).rejects.toMatchObject(refused);
    await expect(h['datasets.templatePreview']({ job: { ...job, data: { ...job.data, train: file } } })).rejects.toMatchObject(refused);
    await expect(h['datasets.validate']({ job: { ...sentimentJob(), model: { path: join(tmp(), 'outside') } } })).rejects.toMatchObject({ ...refused, location: { field: 'job.model.path' } });
    await expect(h['jobs.create']({ job: { ...job, model: { path: join(tmp(), 'outside') } } })).rejects.toMatchObject(refused);
    await expect(h['jobs.create']({ job: { ...job, data: { ...job.data, validation: file } } })).rejects.toMatchObject({ ...refused, location: { field: 'job.data.validation' } });
    await expect(h['jobs.create']({ job: { ...job, prompt: { numVirtualTokens: 4, init: 'file', initFile: file } } })).rejects.toMatchObject({ ...refused, location: { field: 'job.prompt.initFile' } });
    await expect(h['exports.import']({ path: file })).rejects.toMatchObject(refused);
    await expect(h['inference.generate']({ modelPath: join(tmp(), 'outside'), usePrompt: false, text: 'x', maxNewTokens: 1 })).rejects.toMatchObject(refused);
  });

  it('--allow-dir grants a folder (and only it); the bundled sample data and model are readable', async () => {
    const granted = join(tmp(), 'granted');
    mkdirSync(granted, { recursive: true });
    writeFileSync(join(granted, 'd.csv'), 'text,label\nfrom a granted folder,x\n');
    const { h } = web([granted]);
    expect((await h['datasets.preview']({ path: join(granted, 'd.csv') })).rows[0]!.fields.text).toBe('from a granted folder');
    await expect(h['datasets.preview']({ path: secret() })).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED' });
    const report = await h['datasets.validate']({ job: sentimentJob() });
    expect(report.ok).toBe(true);
  });

  it('runsDir cannot be changed from a web client', async () => {
    const { h, data } = web();
    await expect(h['system.setSettings']({ runsDir: join(tmp(), 'elsewhere') })).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED', location: { field: 'runsDir' } });
    expect(existsSync(join(tmp(), 'elsewhere'))).toBe(false);
    expect((await h['system.getSettings']({})).runsDir).toBe(join(data, 'runs'));
    // The theme is still the client's to set.
    expect((await h['system.setSettings']({ theme: 'dark' })).theme).toBe('dark');
  });

  it('jobs.delete of a folder that is not a real run is refused and the folder stays', async () => {
    const { h, data } = web();
    const runs = join(data, 'runs');
    // A folder that merely holds a file named job.json.
    mkdirSync(join(runs, 'precious'), { recursive: true });
    writeFileSync(join(runs, 'precious', 'job.json'), '{}');
    writeFileSync(join(runs, 'precious', 'thesis.tex'), 'years of work');
    const r = await dispatch(h, 'jobs.delete', { id: 'precious' });
    expect(r.ok).toBe(false);
    expect(readFileSync(join(runs, 'precious', 'thesis.tex'), 'utf8')).toBe('years of work');

    // A real run outside the runs dir, reached through a link inside it.
    const outsideRun = join(tmp(), 'outside-run');
    createRun(outsideRun, sentimentJob());
    symlinkSync(outsideRun, join(runs, 'linked'));
    const r2 = await dispatch(h, 'jobs.delete', { id: 'linked' });
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.error.code).toBe('PATH_NOT_ALLOWED');
    expect(existsSync(join(outsideRun, 'job.json'))).toBe(true);

    // A real run inside it is deleted.
    createRun(join(runs, 'real'), sentimentJob());
    expect(await h['jobs.delete']({ id: 'real' })).toEqual({ deleted: true });
    expect(existsSync(join(runs, 'real'))).toBe(false);
  });

  it('uploads land in DATA/uploads under a safe name, never replacing a file', async () => {
    const { h, data } = web();
    const content = Buffer.from('text,label\nhi,happy\n');
    const a = await h['datasets.upload']({ name: '../../evil name.CSV', contentBase64: content.toString('base64') });
    expect(a).toEqual({ path: join(data, 'uploads', 'evil-name.csv'), bytes: content.length });
    const b = await h['datasets.upload']({ name: 'evil name.csv', contentBase64: Buffer.from('other').toString('base64') });
    expect(b.path).toBe(join(data, 'uploads', 'evil-name-2.csv'));
    expect(readFileSync(a.path)).toEqual(content);
    // And the upload is readable through the API (it is under the data dir).
    expect((await h['datasets.preview']({ path: a.path })).rows[0]!.fields.text).toBe('hi');
  });
});

describe('request validators: own properties only, unknown job fields refused', () => {
  it('a field named like an Object.prototype member is not a known field', () => {
    expect(validateRequest('models.add', { path: '/x', constructor: 1 })).toEqual(['unexpected field "constructor"']);
    expect(validateRequest('models.add', { path: '/x', toString: 'y' })).toEqual(['unexpected field "toString"']);
    expect(validateRequest('system.setSettings', JSON.parse('{"__proto__": {"runsDir": "/etc"}}'))).toEqual(['unexpected field "__proto__"']);
    expect(validateRequest('constructor', {})).toEqual(['unknown method "constructor"']);
    expect(validateRequest('hasOwnProperty', {})).toEqual(['unknown method "hasOwnProperty"']);
  });

  it('a required field inherited from a prototype does not count as given', () => {
    const req = Object.create({ path: '/etc/passwd' }) as Record<string, unknown>;
    expect(validateRequest('datasets.preview', req)).toEqual(['"path" is required']);
  });

  it('unknown job fields are refused, naming them; a run written with extra fields is still read', () => {
    const job = sentimentJob() as unknown as Record<string, unknown>;
    expect(validateJob(job)).toEqual([]);
    const extra = { ...job, evil: 1, training: { ...(job.training as object), lr: 0.1 }, model: { path: '/m', revision: 'x' } };
    const fields = validateJob(extra).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['evil', 'training.lr', 'model.revision']));
    expect(validateJob(extra, { unknownFields: 'ignore' })).toEqual([]);
    expect(validateJob(JSON.parse(JSON.stringify({ ...job, constructor: 'x' }))).map((e) => e.field)).toEqual(['constructor']);
  });

  it('jobs.create with an unknown field creates nothing', async () => {
    const tmpRoot = join(process.env.TMPDIR ?? '/tmp', `sps-unknown-${process.pid}-${Date.now()}`);
    const { services } = makeServices(join(tmpRoot, 'data'));
    try {
      const r = await dispatch(services.handlers, 'jobs.create', { job: { ...sentimentJob(), sneaky: '<script>' } });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ code: 'INVALID_ARGUMENT', location: { field: 'job.sneaky' } });
      expect(existsSync(join(tmpRoot, 'data', 'runs'))).toBe(false);
    } finally {
      await services.shutdown();
    }
  });
});

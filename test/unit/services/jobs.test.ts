import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvents } from '../../../src/shared/api.js';
import { readState, writeStateAtomic } from '../../../src/engine/tuning/run_dir.js';
import { makeServices, sentimentJob, waitFor, type TestServices } from './service_helpers.js';

type JobEvent = ApiEvents['jobs.event'];

let root: string;
let t: TestServices;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sps-jobs-'));
  t = makeServices(join(root, 'data'));
});

afterAll(async () => {
  await t?.services.shutdown();
  if (root) rmSync(root, { recursive: true, force: true });
});

const finished = (id: string) => (p: JobEvent) => p.id === id && (p.event.type === 'finished' || p.event.type === 'failed');

describe('jobs service', () => {
  let doneId: string;

  it('create → start → events → completed; get returns metrics and the log; export and classify with it', async () => {
    const h = t.services.handlers;
    const created = await h['jobs.create']({ job: sentimentJob(), name: 'Sentiment: first try!' });
    expect(created.id).toMatch(/^\d{8}-\d{6}-sentiment-first-try$/);
    expect(created).toMatchObject({ status: 'created', task: 'classification', name: 'Sentiment: first try!', dir: join(root, 'data', 'runs', created.id) });
    const started = await h['jobs.start']({ id: created.id });
    expect(started.queued).toBeUndefined();
    const end = await t.waitEvent('jobs.event', finished(created.id), 'the first run to finish');
    expect(end.event).toMatchObject({ type: 'finished', status: 'completed', step: 4 });
    const types = t.events.filter((e) => e.event === 'jobs.event' && (e.payload as JobEvent).id === created.id).map((e) => (e.payload as JobEvent).event.type).filter((x) => x !== 'loading');
    expect(types[0]).toBe('started');
    expect(types).toContain('baseline');
    expect(types.filter((x) => x === 'progress').length).toBe(4);
    await waitFor(() => t.events.some((e) => e.event === 'jobs.changed' && (e.payload as ApiEvents['jobs.changed']).run.id === created.id && (e.payload as ApiEvents['jobs.changed']).run.status === 'completed'), 'jobs.changed completed');

    const detail = await h['jobs.get']({ id: created.id });
    expect(detail).toMatchObject({ status: 'completed', step: 4, totalSteps: 4 });
    expect(detail.best?.metric).toBe('accuracy');
    expect(detail.metrics.filter((m) => m.kind === 'train').map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect(detail.metrics[0]!.kind).toBe('baseline');
    expect(detail.log.length).toBeGreaterThan(0);
    expect(detail.log.length).toBeLessThanOrEqual(50);
    expect((await h['jobs.list']({})).map((r) => r.id)).toContain(created.id);
    doneId = created.id;

    // Predictions: every validation example with its label and prediction; the final prompt's
    // metrics are the run's last evaluation.
    const preds = await h['jobs.predictions']({ id: doneId, checkpoint: 'final' });
    const lastEval = detail.metrics.filter((m) => m.kind === 'evaluation').at(-1)!;
    expect(preds.checkpoint).toBe('final');
    expect(preds.metrics.accuracy).toBe(lastEval.accuracy);
    expect(preds.examples.length).toBeGreaterThan(0);
    for (const ex of preds.examples) {
      expect(typeof ex.line).toBe('number');
      expect(['happy', 'sad']).toContain(ex.label);
      expect(ex.correct).toBe(ex.label === ex.prediction);
    }
    const accuracy = preds.examples.filter((e) => e.correct).length / preds.examples.length;
    expect(accuracy).toBeCloseTo(Number(lastEval.accuracy), 12);
    await expect(h['jobs.predictions']({ id: 'no-such-run' })).rejects.toBeTruthy();

    // Exports: every format into RUN/exports by default; re-export replaces; import checks the file.
    for (const format of ['peft', 'safetensors', 'npy', 'json', 'card'] as const) {
      const r = await h['exports.export']({ id: doneId, format });
      expect(r.path.startsWith(join(detail.dir, 'exports'))).toBe(true);
      for (const f of r.files) expect(existsSync(f)).toBe(true);
    }
    await h['exports.export']({ id: doneId, format: 'json' });
    // Web mode: a named export goes inside the run's exports/ folder, nowhere else.
    await expect(h['exports.export']({ id: doneId, format: 'safetensors', checkpoint: 'final', out: join(root, 'p.safetensors') })).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED', location: { field: 'out' } });
    expect(existsSync(join(root, 'p.safetensors'))).toBe(false);
    const st = await h['exports.export']({ id: doneId, format: 'safetensors', checkpoint: 'final', out: join(detail.dir, 'exports', 'p.safetensors') });
    expect(st.path).toBe(join(detail.dir, 'exports', 'p.safetensors'));
    expect(await h['exports.import']({ path: st.path })).toEqual({ numVirtualTokens: 4, dim: 64 });
    expect(await h['exports.import']({ path: join(detail.dir, 'exports', 'best-peft') })).toEqual({ numVirtualTokens: 4, dim: 64 });
    await expect(h['exports.import']({ path: st.path, expectDim: 128 })).rejects.toMatchObject({ code: 'TENSOR_MISMATCH' });
    await expect(h['exports.export']({ id: doneId, format: 'safetensors', checkpoint: 'final', out: st.path })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    const c = await h['inference.classify']({ id: doneId, text: 'Tom got a new red car and smiled all day.' });
    expect(['happy', 'sad']).toContain(c.prediction);
    expect(Object.keys(c.scores).sort()).toEqual(['happy', 'sad']);
    expect(Object.values(c.scores).every((v) => Number.isFinite(v) && v < 0)).toBe(true);

    const near = await h['jobs.nearestTokens']({ id: doneId, k: 3 });
    expect(near.length).toBe(4);
    expect(near[0]!.tokens.length).toBe(3);

    // A bad id is refused before it reaches the file system.
    await expect(h['jobs.get']({ id: '../data' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(h['jobs.get']({ id: 'no-such-run' })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(h['jobs.start']({ id: doneId })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('one running job per device: a second waits queued; delete is refused while running or queued; pause / resume / cancel', async () => {
    const h = t.services.handlers;
    const a = await h['jobs.create']({ job: sentimentJob({ steps: 200, evalEvery: 100, checkpointEvery: 100 }), name: 'long' });
    const b = await h['jobs.create']({ job: sentimentJob(), name: 'second' });
    await h['jobs.start']({ id: a.id });
    const sb = await h['jobs.start']({ id: b.id });
    expect(sb.queued).toBe(true);
    expect((await h['jobs.list']({})).find((r) => r.id === b.id)?.queued).toBe(true);
    await expect(h['jobs.delete']({ id: a.id })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', hint: expect.stringMatching(/cancel/) });
    await expect(h['jobs.delete']({ id: b.id })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    await t.waitEvent('jobs.event', (p) => p.id === a.id && p.event.type === 'progress' && p.event.step >= 2, 'job A to make progress');
    expect(t.events.some((e) => e.event === 'jobs.event' && (e.payload as JobEvent).id === b.id)).toBe(false);
    expect(await h['jobs.pause']({ id: a.id })).toEqual({ ok: true });
    const paused = await t.waitEvent('jobs.event', (p) => p.id === a.id && p.event.type === 'paused', 'job A to pause');
    expect(readState((await h['jobs.get']({ id: a.id })).dir)?.status).toBe('paused');
    // Paused keeps the device: B still waits.
    expect((await h['jobs.get']({ id: b.id })).queued).toBe(true);
    await h['jobs.resume']({ id: a.id });
    await t.waitEvent('jobs.event', (p) => p.id === a.id && p.event.type === 'resumed', 'job A to resume');
    await t.waitEvent('jobs.event', (p) => p.id === a.id && p.event.type === 'progress' && p.event.step > (paused.event as { step: number }).step, 'progress after resume');
    expect(await h['jobs.cancel']({ id: a.id })).toEqual({ ok: true });
    const endA = await t.waitEvent('jobs.event', finished(a.id), 'job A to end');
    expect(endA.event).toMatchObject({ type: 'finished', status: 'cancelled' });

    // B starts once A has ended, and runs to completion.
    const endB = await t.waitEvent('jobs.event', finished(b.id), 'job B to finish');
    expect(endB.event).toMatchObject({ type: 'finished', status: 'completed' });
    expect((await h['jobs.get']({ id: b.id })).queued).toBeUndefined();

    // Deleting is allowed once nothing runs; the folder goes away.
    const dirB = (await h['jobs.get']({ id: b.id })).dir;
    expect(await h['jobs.delete']({ id: b.id })).toEqual({ deleted: true });
    expect(existsSync(dirB)).toBe(false);
    await expect(h['jobs.resume']({ id: doneId })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('a run left running by an earlier session (no live worker) is shown as interrupted and can be resumed', async () => {
    const h = t.services.handlers;
    const r = await h['jobs.create']({ job: sentimentJob(), name: 'crashed app' });
    // A pid that surely belongs to no process any more: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeStateAtomic(r.dir, { status: 'running', step: 2, totalSteps: 4, pid: dead });
    const next = makeServices(join(root, 'data'));
    try {
      expect(next.services.interrupted).toContain(r.id);
      const s = (await next.services.handlers['jobs.list']({})).find((x) => x.id === r.id);
      expect(s?.status).toBe('interrupted');
      // A run whose worker is alive is left alone (this process stands in for it).
      const live = await h['jobs.create']({ job: sentimentJob(), name: 'live' });
      writeStateAtomic(live.dir, { status: 'running', step: 1, totalSteps: 4, pid: process.pid });
      expect(makeServices(join(root, 'data')).services.interrupted).not.toContain(live.id);
      writeStateAtomic(live.dir, { status: 'created', step: 0 });

      await next.services.handlers['jobs.resume']({ id: r.id });
      const end = await next.waitEvent('jobs.event', finished(r.id), 'the interrupted run to finish');
      expect(end.event).toMatchObject({ type: 'finished', status: 'completed', step: 4 });
    } finally {
      await next.services.shutdown();
    }
  });

  it('quitting the app while a job runs checkpoints it and leaves it interrupted, resumable next start', async () => {
    const dataDir = join(root, 'quit');
    const first = makeServices(dataDir);
    const r = await first.services.handlers['jobs.create']({ job: sentimentJob({ steps: 400, evalEvery: 400, checkpointEvery: 400 }), name: 'quit mid-run' });
    await first.services.handlers['jobs.start']({ id: r.id });
    await first.waitEvent('jobs.event', (p) => p.id === r.id && p.event.type === 'progress' && p.event.step >= 3, 'a few steps');
    await first.services.shutdown();
    const state = readState(r.dir)!;
    expect(state.status).toBe('interrupted');
    expect(String(state.message)).toMatch(/app was closed/);
    const next = makeServices(dataDir);
    try {
      const s = (await next.services.handlers['jobs.list']({})).find((x) => x.id === r.id);
      expect(s?.status).toBe('interrupted');
      expect(s!.step).toBeGreaterThanOrEqual(3);
      await next.services.handlers['jobs.resume']({ id: r.id });
      const started = await next.waitEvent('jobs.event', (p) => p.id === r.id && p.event.type === 'started', 'the resumed run to start');
      expect(started.event).toMatchObject({ type: 'started', resumed: true });
      await next.services.handlers['jobs.cancel']({ id: r.id });
      await next.waitEvent('jobs.event', finished(r.id), 'the resumed run to stop');
    } finally {
      await next.services.shutdown();
    }
  });
});

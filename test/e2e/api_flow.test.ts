/**
 * End to end through web mode's transport: the real server (`sps serve`), the renderer's own
 * WebSocket client, a real worker process and the real stories260K model. Add the model,
 * create and start a job, watch its events, pause and resume it, let it finish, export PEFT.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiError, type ApiEvents } from '../../src/shared/api.js';
import type { TrainingEvent } from '../../src/shared/training_events.js';
import { createWsClient, type WebSocketConstructor, type WsApiClient } from '../../src/renderer/api/ws_client.js';
import { storiesModelDir } from '../helpers/fixtures.js';
import { quickSentimentJob, startE2eServer, waitFor, type E2eServer } from './e2e_helpers.js';
import { tryConnect } from '../helpers/ws.js';

const WS = WebSocket as unknown as WebSocketConstructor;

let e2e: E2eServer;
let client: WsApiClient;
/** Why the setup failed (e.g. no built renderer): every test fails with it, none is skipped. */
let setupError: Error | undefined;

beforeAll(async () => {
  try {
    e2e = await startE2eServer('sps-e2e-api-');
    client = createWsClient(e2e.server.url, e2e.server.token, WS);
  } catch (err) {
    setupError = err as Error;
  }
});

beforeEach(() => {
  if (setupError) throw setupError;
});

afterAll(async () => {
  client?.close();
  await e2e?.close();
});

describe('web mode API, end to end (real server, worker and model)', () => {
  it('refuses a connection without the token (or with a wrong one)', async () => {
    const base = `ws://${e2e.server.host}:${e2e.server.port}/api`;
    expect(await tryConnect(base)).toBe(401);
    expect(await tryConnect(base, [`sps-token.${'x'.repeat(e2e.server.token.length)}`])).toBe(401);
    expect(await tryConnect(base, [`sps-token.${e2e.server.token}`])).toBe('open');
    // Never in the query string, even when right.
    expect(await tryConnect(`${base}?token=${e2e.server.token}`)).toBe(400);
    // The renderer's client with no / a wrong token: its calls fail as DISCONNECTED, never answered.
    for (const token of ['', 'not-the-token-at-all']) {
      const bad = createWsClient(e2e.server.url, token, WS);
      const err = await bad.call('system.info', {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).error.code).toBe('DISCONNECTED');
      bad.close();
    }
    // The page itself is served (the built renderer).
    const page = await fetch(e2e.server.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root"');
  });

  it('adds stories260K, trains a job with progress, pause/resume and finish, exports a PEFT adapter', async () => {
    const info = await client.call('system.info', {});
    expect(info.mode).toBe('web');

    const model = await client.call('models.add', { path: storiesModelDir() });
    expect(model).toMatchObject({ supported: true, modelType: 'llama' });
    expect((await client.call('models.list', {})).map((m) => m.id)).toContain(model.id);

    const events: TrainingEvent[] = [];
    const changes: ApiEvents['jobs.changed'][] = [];
    let runId = '';
    const offEvents = client.subscribe('jobs.event', (p) => {
      if (p.id === runId) events.push(p.event);
    });
    const offChanges = client.subscribe('jobs.changed', (p) => changes.push(p));
    const of = <T extends TrainingEvent['type']>(type: T) => events.filter((e): e is Extract<TrainingEvent, { type: T }> => e.type === type);

    const job = quickSentimentJob({ steps: 60, evalEvery: 20, checkpointEvery: 20, batchSize: 4 });
    job.prompt.numVirtualTokens = 6;
    const created = await client.call('jobs.create', { job, name: 'e2e api flow' });
    runId = created.id;
    expect(created).toMatchObject({ status: 'created', totalSteps: 60, task: 'classification', name: 'e2e api flow' });

    const started = await client.call('jobs.start', { id: runId });
    expect(['running', 'created']).toContain(started.status);

    // Pause as soon as training makes progress: the run stops at a step short of the end.
    await waitFor(() => of('progress').length >= 2, 'two progress events', 45_000);
    expect(await client.call('jobs.pause', { id: runId })).toEqual({ ok: true });
    await waitFor(() => of('paused').length === 1, 'the paused event');
    const paused = of('paused')[0]!;
    expect(paused.step).toBeLessThan(60);
    await waitFor(() => changes.some((c) => c.run.id === runId && c.run.status === 'paused'), 'jobs.changed → paused');
    expect((await client.call('jobs.get', { id: runId })).status).toBe('paused');
    // No training while paused.
    const progressWhilePaused = of('progress').length;
    await new Promise((r) => setTimeout(r, 400));
    expect(of('progress').length).toBe(progressWhilePaused);

    const resumed = await client.call('jobs.resume', { id: runId });
    expect(resumed.id).toBe(runId);
    await waitFor(() => of('resumed').length === 1, 'the resumed event');
    expect(of('resumed')[0]!.step).toBe(paused.step);

    await waitFor(() => of('finished').length === 1 || of('failed').length > 0, 'the finished event', 90_000);
    expect(of('failed')).toEqual([]);
    const finished = of('finished')[0]!;
    expect(finished).toMatchObject({ status: 'completed', step: 60 });
    expect(finished.best).toMatchObject({ metric: 'accuracy' });

    // Progress: several events, steps strictly increasing, up to the last step, continuing after the pause.
    const steps = of('progress').map((e) => e.step);
    expect(steps.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeGreaterThan(steps[i - 1]!);
    expect(steps.at(-1)).toBe(60);
    expect(steps.some((s) => s > paused.step)).toBe(true);
    for (const p of of('progress')) {
      expect(p.totalSteps).toBe(60);
      expect(Number.isFinite(p.loss)).toBe(true);
    }
    expect(of('started')[0]).toMatchObject({ totalSteps: 60, device: 'cpu', resumed: false });
    expect(of('baseline').length).toBe(1);
    expect(of('evaluation').map((e) => e.step)).toEqual([20, 40, 60]);
    // Event order: started < paused < resumed < finished.
    const at = (t: TrainingEvent['type']) => events.findIndex((e) => e.type === t);
    expect(at('started')).toBeLessThan(at('paused'));
    expect(at('paused')).toBeLessThan(at('resumed'));
    expect(at('resumed')).toBeLessThan(at('finished'));

    await waitFor(() => changes.some((c) => c.run.id === runId && c.run.status === 'completed'), 'jobs.changed → completed');
    const detail = await client.call('jobs.get', { id: runId });
    expect(detail).toMatchObject({ status: 'completed', step: 60, totalSteps: 60 });
    expect(detail.metrics.filter((m) => m.kind === 'evaluation').length).toBe(3);

    // Export a PEFT adapter (default: inside the run folder).
    const exported = await client.call('exports.export', { id: runId, format: 'peft' });
    expect(exported.path.startsWith(detail.dir)).toBe(true);
    const files = exported.files.map((f) => (f.startsWith('/') ? f : join(exported.path, f)));
    const byName = (n: string) => files.find((f) => f.endsWith(`/${n}`) || f === n);
    const cfgPath = byName('adapter_config.json');
    const weightsPath = byName('adapter_model.safetensors');
    expect(cfgPath, `files: ${exported.files.join(', ')}`).toBeDefined();
    expect(weightsPath, `files: ${exported.files.join(', ')}`).toBeDefined();
    expect(existsSync(cfgPath!) && existsSync(weightsPath!)).toBe(true);
    const cfg = JSON.parse(readFileSync(cfgPath!, 'utf8')) as Record<string, unknown>;
    expect(cfg).toMatchObject({ peft_type: 'PROMPT_TUNING', num_virtual_tokens: 6 });
    // A safetensors file: an 8-byte header length, a JSON header, then 6 × hidden float32 values.
    const buf = readFileSync(weightsPath!);
    const headerLen = Number(buf.readBigUInt64LE(0));
    const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, { dtype: string; shape: number[] }>;
    const tensor = Object.entries(header).find(([k]) => k !== '__metadata__')![1];
    expect(tensor.shape).toEqual([6, model.hiddenSize]);
    expect(statSync(weightsPath!).size).toBe(8 + headerLen + 6 * model.hiddenSize! * (tensor.dtype === 'F32' ? 4 : 2));
    // The exported adapter reads back as a soft prompt of the model's width.
    expect(await client.call('exports.import', { path: exported.path, expectDim: model.hiddenSize })).toEqual({ numVirtualTokens: 6, dim: model.hiddenSize });

    offEvents();
    offChanges();
  }, 150_000);
});

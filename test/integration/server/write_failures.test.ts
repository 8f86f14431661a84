import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiEvents } from '../../../src/shared/api.js';
import { createWsClient, type WebSocketConstructor, type WsApiClient } from '../../../src/renderer/api/ws_client.js';
import { startServer, type RunningServer } from '../../../src/server/server.js';
import { runPaths } from '../../../src/engine/tuning/run_dir.js';
import { storiesModelDir } from '../../helpers/fixtures.js';
import { sentimentJob, waitFor } from '../../unit/services/service_helpers.js';

/**
 * A failed write of worker.log or of the run state (disk full, a directory in the way) never
 * takes the server down: the job fails with the reason and everything else keeps answering.
 */
let root: string;
let server: RunningServer;
let client: WsApiClient;
const events: ApiEvents['jobs.event'][] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sps-writefail-'));
  server = await startServer({ dataDir: join(root, 'data'), allowDirs: [dirname(storiesModelDir())], rendererDir: join(root, 'none'), warn: () => {}, shutdownTimeoutMs: 10_000 });
  client = createWsClient(server.url, server.token, WebSocket as unknown as WebSocketConstructor);
  client.subscribe('jobs.event', (p) => events.push(p));
});

afterAll(async () => {
  client?.close();
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const failedEvent = (id: string) => events.find((e) => e.id === id && e.event.type === 'failed')?.event as Extract<ApiEvents['jobs.event']['event'], { type: 'failed' }> | undefined;

async function stillAnswering(): Promise<void> {
  expect((await client.call('system.info', {})).mode).toBe('web');
  expect(Array.isArray(await client.call('jobs.list', {}))).toBe(true);
}

describe('write failures never kill the server', () => {
  it('worker.log with a directory in the way: the job fails with the reason, the server answers', async () => {
    const run = await client.call('jobs.create', { job: sentimentJob({ steps: 200, evalEvery: 100, checkpointEvery: 10 }), name: 'log dir' });
    mkdirSync(join(run.dir, 'worker.log'));
    await client.call('jobs.start', { id: run.id });
    await waitFor(() => failedEvent(run.id) !== undefined, 'the failed event');
    expect(failedEvent(run.id)!.error).toMatchObject({ code: 'LOG_WRITE_FAILED', message: expect.stringMatching(/cannot write .*worker\.log: EISDIR/) });
    await stillAnswering();
    await waitFor(() => server.services.workerPid(run.id) === undefined, 'the worker to exit');
    const detail = await client.call('jobs.get', { id: run.id });
    expect(detail.status).toBe('failed');
    expect(detail.error?.message).toMatch(/worker\.log/);
  });

  it('worker.log on a full disk (/dev/full): the job fails with ENOSPC, the server answers', async () => {
    expect(existsSync('/dev/full'), 'this test needs Linux /dev/full').toBe(true);
    const run = await client.call('jobs.create', { job: sentimentJob({ steps: 200, evalEvery: 100, checkpointEvery: 10 }), name: 'disk full' });
    symlinkSync('/dev/full', join(run.dir, 'worker.log'));
    await client.call('jobs.start', { id: run.id });
    await waitFor(() => failedEvent(run.id) !== undefined, 'the failed event');
    expect(failedEvent(run.id)!.error).toMatchObject({ code: 'LOG_WRITE_FAILED', message: expect.stringMatching(/ENOSPC/) });
    await stillAnswering();
    await waitFor(() => server.services.workerPid(run.id) === undefined, 'the worker to exit');
    expect((await client.call('jobs.get', { id: run.id })).status).toBe('failed');
  });

  // The trainer writes state.json at start, pause and end: here the end's write fails.
  it('state.json with a directory in the way mid-run: the job fails, the server answers and other runs work', async () => {
    const run = await client.call('jobs.create', { job: sentimentJob({ steps: 60, evalEvery: 60, checkpointEvery: 10 }), name: 'state dir' });
    await client.call('jobs.start', { id: run.id });
    await waitFor(() => events.some((e) => e.id === run.id && e.event.type === 'progress' && e.event.step >= 2), 'training to start');
    const state = runPaths(run.dir).state;
    unlinkSync(state);
    mkdirSync(state);
    writeFileSync(join(state, 'blocker'), 'x');
    await waitFor(() => failedEvent(run.id) !== undefined, 'the failed event', 60_000);
    expect(failedEvent(run.id)!.error.message).toMatch(/state\.json|EISDIR|ENOTEMPTY|directory/i);
    await stillAnswering();
    await waitFor(() => server.services.workerPid(run.id) === undefined, 'the worker to exit');
    // Another job runs to the end on the same server.
    const ok = await client.call('jobs.create', { job: sentimentJob(), name: 'after' });
    await client.call('jobs.start', { id: ok.id });
    await waitFor(() => events.some((e) => e.id === ok.id && e.event.type === 'finished'), 'the next job to finish', 60_000);
  });
});

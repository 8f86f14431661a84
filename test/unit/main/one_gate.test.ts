import { describe, expect, it } from 'vitest';
import type { ApiHandlers, ApiResult } from '../../../src/shared/api.js';
import { METHODS } from '../../../src/shared/api.js';
import { REQUEST_VALIDATORS } from '../../../src/shared/api_validate.js';
import { SpsError } from '../../../src/shared/errors.js';
import { appFrameCheck, createIpcGate, type FrameLike } from '../../../src/main/ipc_gate.js';
import { dispatch, type GateLog } from '../../../src/services/dispatch.js';

const mainFrame: FrameLike = { url: 'app://sps/index.html', parent: null };
const quiet: GateLog & { warn(m: string): void } = { error: () => {}, warn: () => {} };

/** Handlers that fail the ways a real one can: a user error (SpsError) and a bug. */
const handlers = new Proxy({} as ApiHandlers, {
  get: (_t, name: string) => async (req: { id?: string }) => {
    if (name === 'jobs.get') throw new SpsError('FILE_NOT_FOUND', `no run "${req.id}"`, { location: { field: 'id' }, hint: 'list the runs with jobs.list' });
    if (name === 'jobs.list') throw new TypeError('cannot read properties of undefined (secret /home/u/.ssh/id_rsa)');
    return { handled: name };
  },
});

/** The same request through the desktop (IPC, trusted sender) and the web (dispatch) transports. */
async function both(method: unknown, req: unknown): Promise<[ApiResult<unknown>, ApiResult<unknown>]> {
  const ipc = createIpcGate({ handlers, isTrustedSender: appFrameCheck(() => [mainFrame]), log: quiet });
  return [await ipc({ senderFrame: mainFrame }, method, req), await dispatch(handlers, method, req, quiet)];
}

describe('one gate for IPC and the web', () => {
  it.each([
    ['a valid call', 'models.add', { path: '/m' }],
    ['an unknown method', 'models.steal', {}],
    ['a prototype name as method', 'constructor', {}],
    ['a method that is not a string', 42, {}],
    ['a missing field', 'models.add', {}],
    ['a field of the wrong type', 'jobs.nearestTokens', { id: 'r', k: 'five' }],
    ['an unknown field', 'models.add', { path: '/m', evil: true }],
    ['a payload that is not an object', 'models.add', 'x'],
    ['a bad job field', 'jobs.create', { job: { version: 1 } }],
    ['a handler that throws an SpsError', 'jobs.get', { id: 'r9' }],
    ['a handler with a bug', 'jobs.list', {}],
  ])('%s: desktop and web answer word for word the same', async (_what, method, req) => {
    const [ipc, web] = await both(method, req);
    expect(ipc).toEqual(web);
  });

  it('a bug reaches the caller as INTERNAL without its message', async () => {
    const [, web] = await both('jobs.list', {});
    expect(web).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'an unexpected error happened in jobs.list', hint: 'the details are in the app log; please report it' } });
  });

  it('METHODS are the validator table’s keys, every one of them', () => {
    expect([...METHODS]).toEqual(Object.keys(REQUEST_VALIDATORS));
    expect(new Set(METHODS).size).toBe(METHODS.length);
  });
});

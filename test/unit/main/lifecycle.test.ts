import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { acquireSingleInstance, installQuitHandler } from '../../../src/main/lifecycle.js';

class FakeApp extends EventEmitter {
  quits = 0;
  exited = false;
  quit() {
    this.quits++;
    const e = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    this.emit('before-quit', e);
    if (!e.defaultPrevented) this.exited = true;
  }
}
const quiet = () => ({ error: vi.fn(), warn: vi.fn() });

describe('quitting', () => {
  it('holds the quit until services.shutdown() has finished, then quits', async () => {
    const app = new FakeApp();
    let finish!: () => void;
    const shutdown = vi.fn(() => new Promise<void>((r) => (finish = r)));
    const q = installQuitHandler({ app, shutdown, timeoutMs: 60_000, log: quiet() });
    app.quit();
    await Promise.resolve();
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(app.exited).toBe(false);
    expect(q.state()).toBe('shutting-down');
    app.quit(); // a second request while the workers checkpoint
    await Promise.resolve();
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(app.exited).toBe(false);
    finish();
    await q.done;
    expect(app.exited).toBe(true);
    expect(q.state()).toBe('done');
  });

  it('quits after the timeout when shutdown hangs', async () => {
    vi.useFakeTimers();
    try {
      const app = new FakeApp();
      const log = quiet();
      const q = installQuitHandler({ app, shutdown: () => new Promise(() => {}), timeoutMs: 5000, log });
      app.quit();
      await vi.advanceTimersByTimeAsync(4999);
      expect(app.exited).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await q.done;
      expect(app.exited).toBe(true);
      expect(log.warn).toHaveBeenCalledWith(expect.stringContaining('5000 ms'));
    } finally {
      vi.useRealTimers();
    }
  });

  it('quits when shutdown fails, and logs it', async () => {
    const app = new FakeApp();
    const log = quiet();
    const q = installQuitHandler({ app, shutdown: () => Promise.reject(new Error('disk full')), log });
    app.quit();
    await q.done;
    expect(app.exited).toBe(true);
    expect(log.error).toHaveBeenCalled();
  });
});

describe('single instance', () => {
  it('the second instance quits; the first focuses on second-instance', () => {
    const second = { requestSingleInstanceLock: () => false, quit: vi.fn(), on: vi.fn() };
    expect(acquireSingleInstance(second, vi.fn())).toBe(false);
    expect(second.quit).toHaveBeenCalled();

    const app = new EventEmitter();
    const first = { requestSingleInstanceLock: () => true, quit: vi.fn(), on: (e: 'second-instance', l: () => void) => app.on(e, l) };
    const focus = vi.fn();
    expect(acquireSingleInstance(first, focus)).toBe(true);
    app.emit('second-instance');
    expect(focus).toHaveBeenCalledTimes(1);
    expect(first.quit).not.toHaveBeenCalled();
  });
});

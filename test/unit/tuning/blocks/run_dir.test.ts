import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendMetrics, readMetrics, readState, runPaths, writeStateAtomic } from '../../../../src/engine/tuning/run_dir.js';
import { expectSpsError } from '../../../helpers/errors.js';
import { useTempDir } from '../../../helpers/fixtures.js';

describe('run directory', () => {
  const tmp = useTempDir();

  it('runPaths names the DESIGN.md layout', () => {
    const p = runPaths('/r');
    expect(p).toEqual({
      root: '/r',
      job: join('/r', 'job.json'),
      state: join('/r', 'state.json'),
      metrics: join('/r', 'metrics.jsonl'),
      checkpoints: join('/r', 'checkpoints'),
      best: join('/r', 'best'),
      final: join('/r', 'final'),
      exports: join('/r', 'exports'),
      log: join('/r', 'worker.log'),
    });
  });

  it('appends metrics as JSONL and reads them back in order (single and batched)', () => {
    const dir = tmp();
    expect(readMetrics(dir)).toEqual([]);
    appendMetrics(dir, { step: 1, loss: 2.5 });
    appendMetrics(dir, [{ step: 2, loss: 2.25 }, { step: 3, loss: 2 }]);
    appendMetrics(dir, []);
    expect(readFileSync(runPaths(dir).metrics, 'utf8')).toBe('{"step":1,"loss":2.5}\n{"step":2,"loss":2.25}\n{"step":3,"loss":2}\n');
    expect(readMetrics(dir)).toEqual([{ step: 1, loss: 2.5 }, { step: 2, loss: 2.25 }, { step: 3, loss: 2 }]);
  });

  it('ignores a torn last line, and the next append repairs it instead of gluing onto it', () => {
    const dir = tmp();
    appendMetrics(dir, { step: 1 });
    appendFileSync(runPaths(dir).metrics, '{"step":2,"lo'); // crash mid-append
    expect(readMetrics(dir)).toEqual([{ step: 1 }]);
    appendMetrics(dir, { step: 3 });
    expect(readFileSync(runPaths(dir).metrics, 'utf8')).toBe('{"step":1}\n{"step":3}\n');
    expect(readMetrics(dir)).toEqual([{ step: 1 }, { step: 3 }]);
  });

  it('keeps a complete last record that only lost its newline', () => {
    const dir = tmp();
    writeFileSync(runPaths(dir).metrics, '{"step":1}\n{"step":2}');
    expect(readMetrics(dir)).toEqual([{ step: 1 }, { step: 2 }]);
    appendMetrics(dir, { step: 3 });
    expect(readMetrics(dir)).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
  });

  it('repairs a torn line longer than the scan chunk, and a file that is only a torn line', () => {
    const dir = tmp();
    writeFileSync(runPaths(dir).metrics, '{"step":1}\n{"x":"' + 'a'.repeat(10000));
    appendMetrics(dir, { step: 2 });
    expect(readMetrics(dir)).toEqual([{ step: 1 }, { step: 2 }]);
    writeFileSync(runPaths(dir).metrics, '{"ste');
    appendMetrics(dir, { step: 9 });
    expect(readFileSync(runPaths(dir).metrics, 'utf8')).toBe('{"step":9}\n');
  });

  it('reports a damaged line in the middle with its line number', () => {
    const dir = tmp();
    writeFileSync(runPaths(dir).metrics, '{"step":1}\nnot json\n{"step":3}\n');
    expectSpsError(() => readMetrics(dir), 'INVALID_DATA', 'metrics.jsonl:2', 'line 2');
  });

  it('writes state atomically (no temp files left) and reads it back', () => {
    const dir = tmp();
    expect(readState(dir)).toBeUndefined();
    writeStateAtomic(dir, { status: 'running', step: 3 });
    writeStateAtomic(dir, { status: 'paused', step: 4, note: 'ok' });
    expect(readState(dir)).toEqual({ status: 'paused', step: 4, note: 'ok' });
    expect(readdirSync(dir)).toEqual(['state.json']);
    writeFileSync(runPaths(dir).state, '{"status":"exploded"}');
    expectSpsError(() => readState(dir), 'INVALID_DATA', 'status');
    expect(existsSync(runPaths(dir).state)).toBe(true);
  });
});

import { freemem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ASSUMED_DEVICE_BYTES, deviceMemory, parseNvidiaSmi } from '../../../src/engine/runtime/device_memory.js';
import { expectSpsError } from '../../helpers/errors.js';

const GiB = 2 ** 30;

describe('device memory', () => {
  it('reads the first GPU from nvidia-smi (MiB: total, used)', () => {
    expect(parseNvidiaSmi('81559, 1024\n81559, 0\n')).toEqual({ totalBytes: 81559 * 2 ** 20, freeBytes: (81559 - 1024) * 2 ** 20 });
    expect(parseNvidiaSmi('')).toBeUndefined();
    expect(parseNvidiaSmi('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.')).toBeUndefined();
    expect(parseNvidiaSmi(undefined)).toBeUndefined();
  });

  it('asks nvidia-smi for a GPU provider, and says so', () => {
    const calls: string[][] = [];
    const m = deviceMemory('webgpu', {}, (cmd, args) => {
      calls.push([cmd, ...args]);
      return '24564, 564\n';
    });
    expect(calls).toEqual([['nvidia-smi', '--query-gpu=memory.total,memory.used', '--format=csv,noheader,nounits']]);
    expect(m).toEqual({ totalBytes: 24564 * 2 ** 20, freeBytes: 24000 * 2 ** 20, source: 'nvidia-smi' });
  });

  it('without nvidia-smi assumes the smallest card the product targets, and says how to tell it', () => {
    const m = deviceMemory('dml', {}, () => undefined);
    expect(m.freeBytes).toBe(ASSUMED_DEVICE_BYTES);
    expect(m.source).toMatch(/assumed.*SPS_DEVICE_MEMORY_GB/);
  });

  it('SPS_DEVICE_MEMORY_GB overrides the probe on any device (software adapters too), and is checked', () => {
    const never = () => {
      throw new Error('must not run nvidia-smi');
    };
    expect(deviceMemory('cuda', { SPS_DEVICE_MEMORY_GB: '12' }, never)).toMatchObject({ freeBytes: 12 * GiB, source: 'SPS_DEVICE_MEMORY_GB' });
    expect(deviceMemory('webgpu-software', { SPS_DEVICE_MEMORY_GB: '0.5' }, never).freeBytes).toBe(0.5 * GiB);
    expectSpsError(() => deviceMemory('webgpu', { SPS_DEVICE_MEMORY_GB: 'lots' }, never), 'INVALID_ARGUMENT', 'SPS_DEVICE_MEMORY_GB', 'lots');
  });

  it('the CPU provider and software adapters use host memory', () => {
    const never = () => {
      throw new Error('must not run nvidia-smi');
    };
    const host = deviceMemory('webgpu-software', {}, never);
    expect(host.source).toMatch(/host memory/);
    expect(Math.abs(host.freeBytes - freemem())).toBeLessThan(2 * GiB);
    expect(deviceMemory('cpu', { SPS_DEVICE_MEMORY_GB: '1' }, never).source).toBe('host memory');
  });
});

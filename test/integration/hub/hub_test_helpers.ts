import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HubConnection } from '../../../src/engine/hub/hub_api.js';
import { mulberry32 } from '../../../src/shared/mulberry32.js';

/** Deterministic pseudo-random bytes (weights stand-ins). */
export function randomBytes(n: number, seed: number): Buffer {
  const rand = mulberry32(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** Fast retries for tests: the policy is the same, the waits are short. */
export function testConn(endpoint: string, extra: Partial<HubConnection> = {}): HubConnection {
  return { endpoint, retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 50 }, ...extra };
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

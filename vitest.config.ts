import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Component tests (.tsx) use React's automatic JSX runtime, as the renderer build does.
  esbuild: { jsx: 'automatic' },
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // onnxruntime sessions are native and use threads; forks isolate them per file.
    pool: 'forks',
    // Tests share one token cache of their own (never the user's), kept small.
    env: { SPS_TOKEN_CACHE: process.env.SPS_TOKEN_CACHE ?? join(tmpdir(), `sps-test-token-cache-${process.getuid?.() ?? 'user'}`), SPS_TOKEN_CACHE_MAX_GB: '1' },
  },
});

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
  },
});

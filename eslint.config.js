// Lint, including the architecture's fences (DESIGN.md §2): process boundaries are folder
// boundaries, and each layer may only import what sits below it.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'url', 'util'];

const fence = (files, patterns, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/.cache/**', 'bench/results/**', '.tmp/**', '.dev/**', 'release/**', 'test-artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  fence(['src/shared/**'], [...nodeBuiltins, 'electron', '**/engine/**', '**/main/**', '**/renderer/**', '**/preload/**', '**/worker/**', '**/cli/**', '**/server/**'], 'src/shared is pure TypeScript: no Node, no DOM, no other layer.'),
  fence(['src/engine/**'], ['electron', '**/main/**', '**/renderer/**', '**/preload/**', '**/worker/**', '**/cli/**', '**/server/**'], 'src/engine is pure Node: it never imports Electron or the layers above it.'),
  fence(['src/renderer/**'], [...nodeBuiltins, 'electron', '**/engine/**', '**/main/**', '**/worker/**', '**/cli/**', '**/server/**', 'onnxruntime-node'], 'the renderer talks to the API contract in src/shared only.'),
  fence(['src/cli/**', 'src/worker/**', 'src/server/**'], ['electron', '**/main/**', '**/renderer/**', '**/preload/**'], 'headless processes never import Electron or the desktop layers.'),
);

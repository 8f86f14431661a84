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
  fence(['src/shared/**'], [...nodeBuiltins, 'electron', '**/engine/**', '**/services/**', '**/main/**', '**/renderer/**', '**/preload/**', '**/worker/**', '**/cli/**', '**/server/**'], 'src/shared is pure TypeScript: no Node, no DOM, no other layer.'),
  fence(['src/engine/**'], ['electron', '**/services/**', '**/main/**', '**/renderer/**', '**/preload/**', '**/worker/**', '**/cli/**', '**/server/**'], 'src/engine is pure Node: it never imports Electron or the layers above it.'),
  fence(['src/renderer/**'], [...nodeBuiltins, 'electron', '**/engine/**', '**/services/**', '**/main/**', '**/preload/**', '**/worker/**', '**/cli/**', '**/server/**', 'onnxruntime-node'], 'the renderer talks to the API contract in src/shared only.'),
  // The process serving the API only routes (DESIGN.md §2, §4): sessions, model loading and
  // weight reads run in the inference and training workers (src/worker).
  fence(
    ['src/services/**'],
    ['electron', '**/main/**', '**/renderer/**', '**/preload/**', '**/cli/**', '**/server/**', 'onnxruntime-node', '**/engine/runtime/**', '**/engine/inference/**', '**/engine/graphs/**', '**/engine/models/load_model*', '**/engine/models/inspect_model*', '**/engine/tuning/trainer*', '**/engine/tuning/evaluate*', '**/engine/export/**', '**/worker/inference/ops*'],
    'src/services only routes: no Electron, server or renderer, and nothing that opens a model or runs a session (that runs in src/worker).',
  ),
  fence(['src/preload/**'], [...nodeBuiltins, '**/engine/**', '**/services/**', '**/main/**', '**/renderer/**', '**/worker/**', '**/cli/**', '**/server/**', 'onnxruntime-node'], 'the preload exposes the typed API over IPC and nothing else.'),
  fence(['src/cli/**', 'src/worker/**', 'src/server/**'], ['electron', '**/main/**', '**/renderer/**', '**/preload/**'], 'headless processes never import Electron or the desktop layers.'),
);

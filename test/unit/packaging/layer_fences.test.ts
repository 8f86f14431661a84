import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** [a file in a layer, an import from it, whether the layer's fence refuses it]. */
const CASES: Array<[file: string, spec: string, refused: boolean]> = [
  // services route; they never open a model or run a session, and know no transport.
  ['src/services/x.ts', '../engine/runtime/session.js', true],
  ['src/services/x.ts', '../engine/inference/cached_generator.js', true],
  ['src/services/x.ts', '../engine/graphs/decode.js', true],
  ['src/services/x.ts', '../engine/models/load_model.js', true],
  ['src/services/x.ts', '../engine/tuning/trainer.js', true],
  ['src/services/x.ts', 'onnxruntime-node', true],
  ['src/services/x.ts', 'electron', true],
  ['src/services/x.ts', '../server/api.js', true],
  ['src/services/x.ts', '../renderer/App.js', true],
  ['src/services/x.ts', '../main/app_main.js', true],
  ['src/services/x.ts', '../worker/inference/pool.js', false],
  ['src/services/x.ts', '../engine/tuning/run_dir.js', false],
  // every lower layer names services and preload
  ['src/engine/x.ts', '../services/index.js', true],
  ['src/engine/x.ts', '../preload/api.js', true],
  ['src/shared/x.ts', '../services/index.js', true],
  ['src/shared/x.ts', '../preload/api.js', true],
  ['src/renderer/x.ts', '../services/index.js', true],
  ['src/renderer/x.ts', '../preload/api.js', true],
  ['src/renderer/x.ts', '../shared/api.js', false],
  // the preload exposes the API and nothing else
  ['src/preload/x.ts', 'node:fs', true],
  ['src/preload/x.ts', '../engine/files.js', true],
  ['src/preload/x.ts', '../services/index.js', true],
  ['src/preload/x.ts', 'electron', false],
];

describe('lint fences between layers (eslint.config.js)', () => {
  it.each(CASES)('%s importing %s: refused = %s', async (file, spec, refused) => {
    const eslint = new ESLint({ cwd: root });
    const [result] = await eslint.lintText(`import '${spec}';\n`, { filePath: join(root, file) });
    const fenced = result!.messages.some((m) => m.ruleId === 'no-restricted-imports');
    expect(fenced).toBe(refused);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GRAD_RULES } from '../../src/engine/autodiff/registry.js';
import { buildTrainStepGraph } from '../../src/engine/graphs/train_step.js';
import { INPUT } from '../../src/engine/graphs/transformer.js';
import { isFloat } from '../../src/engine/onnx/dtype.js';
import type { Graph } from '../../src/engine/onnx/graph.js';
import { loadModel } from '../../src/engine/models/load_model.js';
import { TINY_ARCHS, writeTinyModel } from '../fixtures/tiny/tiny_models.js';

const root = mkdtempSync(join(tmpdir(), 'sps-rules-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Op types of the forward nodes that lie on a path from the soft prompt to the loss. */
function opsOnPromptPath(g: Graph): Set<string> {
  const reached = new Set<string>([INPUT.prompt]);
  const ops = new Set<string>();
  const loss = g.outputs.find((o) => o.name === 'loss')!;
  const lossIndex = g.nodes.indexOf(loss.producer!);
  g.nodes.slice(0, lossIndex + 1).forEach((node) => {
    if (node.inputs.some((i) => i && reached.has(i.name))) {
      node.outputs.forEach((o) => isFloat(o.dtype) && reached.add(o.name));
      ops.add(node.opType);
    }
  });
  return ops;
}

describe('every op the architectures put on the prompt → loss path has a gradient rule', () => {
  it.each(TINY_ARCHS.map((v) => [v]))('%s', (variant) => {
    const dir = join(root, variant);
    writeTinyModel(variant, dir);
    const g = buildTrainStepGraph(loadModel(dir), { numVirtualTokens: 2, dtype: 'float32' });
    const ops = opsOnPromptPath(g);
    expect(ops.size).toBeGreaterThan(8);
    for (const opType of ops) expect(GRAD_RULES.has(opType), `missing gradient rule for ${opType}`).toBe(true);
  });
});

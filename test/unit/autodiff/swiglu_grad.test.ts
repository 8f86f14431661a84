/**
 * The SwiGLU composite rule (autodiff/rules/swiglu_grad.ts) against finite differences,
 * through gatedActivation exactly as the llama-family MLP builds it.
 */
import { describe, it } from 'vitest';
import type { Value } from '../../../src/engine/onnx/graph.js';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { gatedActivation } from '../../../src/engine/models/parts/activations.js';
import { checkGradients } from '../../helpers/finite_diff.js';

const swiglu = (g: Value, u: Value) => gatedActivation('silu', g, u);

describe('SwiGLU composite gradient', () => {
  it('gate and up', async () => {
    await checkGradients({ build: (_g, [g, u]) => swiglu(g!, u!), inputs: [{ name: 'g', shape: [3, 6] }, { name: 'u', shape: [3, 6] }] });
  });

  it('wide gates (scaled by 6: both tails of the sigmoid)', async () => {
    await checkGradients({ build: (_g, [g, u]) => swiglu(op.mul(g!, 6), u!), inputs: [{ name: 'g', shape: [2, 7] }, { name: 'u', shape: [2, 7] }] });
  });

  it('gate only, and up only', async () => {
    await checkGradients({ build: (_g, [g, u]) => swiglu(g!, u!), inputs: [{ name: 'g', shape: [2, 4] }, { name: 'u', shape: [2, 4] }], wrt: [0] });
    // Nothing but silu reads the sigmoid here, so onnxruntime's 'all' level would fuse them into
    // QuickGelu, which has no float64 kernel.
    await checkGradients({ build: (_g, [g, u]) => swiglu(g!, u!), inputs: [{ name: 'g', shape: [2, 4] }, { name: 'u', shape: [2, 4] }], wrt: [1], optimizationLevel: 'basic' });
  });

  it('the same value as gate and up: silu(x)·x', async () => {
    await checkGradients({ build: (_g, [x]) => swiglu(x!, x!), inputs: [{ name: 'x', shape: [9] }] });
  });

  it('internal values read outside the region (the sigmoid, the silu) and the gate read again', async () => {
    await checkGradients({
      build: (_g, [g, u]) => {
        const y = swiglu(g!, u!);
        const silu = y.producer!.inputs[0]!;
        const sigmoid = silu.producer!.inputs[1]!;
        return op.add(op.add(op.mul(y, op.tanh(silu)), op.mul(sigmoid, 2)), op.mul(g!, g!));
      },
      inputs: [{ name: 'g', shape: [3, 4] }, { name: 'u', shape: [3, 4] }],
    });
  });

  it('other activations are not marked and differentiate through their ops', async () => {
    await checkGradients({ build: (_g, [g, u]) => gatedActivation('gelu_new', g!, u!), inputs: [{ name: 'g', shape: [2, 3] }, { name: 'u', shape: [2, 3] }] });
  });
});

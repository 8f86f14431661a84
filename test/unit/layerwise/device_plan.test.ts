import { describe, expect, it } from 'vitest';
import { DEVICE_MARGIN_BYTES, planDeviceInference, planDeviceTrain } from '../../../src/engine/layerwise/device_plan.js';
import { layerParameters, type MemoryShape } from '../../../src/shared/memory_estimate.js';

function shape(h: number, L: number, H: number, KV: number, hd: number, I: number, V: number, tied: boolean, bytesPerParam: number): MemoryShape {
  const layer = h * H * hd + 2 * h * KV * hd + H * hd * h + 3 * h * I;
  return { hiddenSize: h, numLayers: L, numHeads: H, numKvHeads: KV, headDim: hd, intermediateSize: I, vocabSize: V, tiedEmbeddings: tied, storedBytesPerParam: bytesPerParam, parameters: L * layer + V * h * (tied ? 1 : 2) };
}

const GiB = 2 ** 30;
const SMOL = shape(576, 30, 9, 3, 64, 1536, 49152, true, 4);
const QWEN15_BF16 = shape(1536, 28, 12, 2, 128, 8960, 151936, true, 2);
const QWEN7_BF16 = shape(3584, 28, 28, 4, 128, 18944, 152064, false, 2);
const gpu = (gb: number) => ({ freeBytes: gb * GiB, totalBytes: gb * GiB, source: 'test' });
const lm = (batch: number, seqLen: number) => ({ batch, seqLen, labelRows: batch * (seqLen - 1) });

describe('the GPU plan: strategy and the weights device budget from the device memory', () => {
  it('a 1.5B bf16 model on an 8 GB card: layer by layer, with the float32 weights kept only as far as they fit', () => {
    const p = planDeviceTrain(QWEN15_BF16, 20, lm(4, 128), gpu(8));
    expect(p.strategy).toBe('layerwise-saved');
    expect(p.fits).toBe(true);
    // What the step's activations leave, less the margin: not all 5.75 GiB of float32 weights
    // (the layers' and the head's), which would not leave room for the step.
    expect(p.deviceWeightBudget).toBe(8 * GiB - p.estimate.totalBytes - DEVICE_MARGIN_BYTES);
    const float32Weights = (QWEN15_BF16.numLayers * layerParameters(QWEN15_BF16) + QWEN15_BF16.vocabSize * QWEN15_BF16.hiddenSize) * 4;
    expect(float32Weights / GiB).toBeCloseTo(5.75, 1);
    expect(p.deviceWeightBudget).toBeLessThan(float32Weights);
    expect(p.deviceWeightBudget + p.estimate.totalBytes).toBeLessThanOrEqual(8 * GiB);
  });

  it('a 7B bf16 model on a 24 GB card: its 28 GiB of float32 weights cannot all stay; on a 1 GB one nothing stays and the plan says it does not fit', () => {
    const p = planDeviceTrain(QWEN7_BF16, 20, lm(1, 64), gpu(24));
    expect(p.strategy).toBe('layerwise-saved');
    expect(p.deviceWeightBudget).toBeGreaterThan(16 * GiB);
    expect(p.deviceWeightBudget).toBeLessThan(24 * GiB - p.estimate.totalBytes);
    const tiny = planDeviceTrain(QWEN7_BF16, 20, lm(1, 64), gpu(1));
    expect(tiny.strategy).toBe('layerwise-recompute');
    expect(tiny.deviceWeightBudget).toBe(0);
    expect(tiny.fits).toBe(false);
  });

  it('a small model on a big card keeps everything (no budget needed)', () => {
    const tinyModel = shape(64, 5, 8, 4, 8, 172, 512, true, 4);
    expect(planDeviceTrain(tinyModel, 20, lm(8, 64), gpu(80))).toMatchObject({ strategy: 'keep', deviceWeightBudget: Infinity });
    expect(planDeviceTrain(SMOL, 20, { batch: 8, seqLen: 128, labelRows: 256 }, gpu(80)).strategy).toBe('layerwise-saved');
  });

  it('inference: whole-model graphs while they take under a quarter of the card, else layer by layer within the budget', () => {
    expect(planDeviceInference(SMOL, gpu(24))).toMatchObject({ strategy: 'keep', deviceWeightBudget: Infinity });
    const big = planDeviceInference(QWEN7_BF16, gpu(24));
    expect(big.strategy).toBe('layerwise');
    expect(big.deviceWeightBudget).toBeLessThan(24 * GiB - DEVICE_MARGIN_BYTES);
    expect(big.fits).toBe(true);
  });
});

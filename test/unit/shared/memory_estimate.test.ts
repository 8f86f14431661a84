import { describe, expect, it } from 'vitest';
import { estimateInferenceMemory, estimateTrainMemory, hostWeightBudgetFor, inferenceHostWeightBudget, KEEP_SHARE, planTrainMemory, residentWeightBytes, SAVED_SHARE, stepShapeOf, type MemoryShape } from '../../../src/shared/memory_estimate.js';

function shape(h: number, L: number, H: number, KV: number, hd: number, I: number, V: number, tied: boolean, bytesPerParam: number): MemoryShape {
  const layer = h * H * hd + 2 * h * KV * hd + H * hd * h + 3 * h * I;
  return { hiddenSize: h, numLayers: L, numHeads: H, numKvHeads: KV, headDim: hd, intermediateSize: I, vocabSize: V, tiedEmbeddings: tied, storedBytesPerParam: bytesPerParam, parameters: L * layer + V * h * (tied ? 1 : 2) };
}

const SMOL = shape(576, 30, 9, 3, 64, 1536, 49152, true, 4);
const QWEN05_BF16 = shape(896, 24, 14, 2, 64, 4864, 151936, true, 2);
const QWEN7_BF16 = shape(3584, 28, 28, 4, 128, 18944, 152064, false, 2);
const GB = 2 ** 30;

describe('memory estimate', () => {
  it('keep-everything grows with layers × batch; layer-wise holds one layer and L hidden states', () => {
    const w = { batch: 8, seqLen: 128, virtualTokens: 20, labelRows: 256 };
    const keep = estimateTrainMemory(SMOL, { ...w, strategy: 'keep', prepack: true });
    const lw = estimateTrainMemory(SMOL, { ...w, strategy: 'layerwise-recompute' });
    expect(lw.totalBytes).toBeLessThan(keep.totalBytes / 4);
    const deeper = { ...SMOL, numLayers: 60 };
    const keepDeeper = estimateTrainMemory(deeper, { ...w, strategy: 'keep', prepack: true });
    const lwDeeper = estimateTrainMemory(deeper, { ...w, strategy: 'layerwise-recompute' });
    expect(keepDeeper.activationBytes).toBeCloseTo(2 * keep.activationBytes, -3);
    // Layer-wise: only the saved hidden states grow with depth ((n + B·L)·d floats per layer:
    // the prompt's rows once, then every sequence's tokens).
    expect(lwDeeper.activationBytes - lw.activationBytes).toBeCloseTo(30 * (20 + 8 * 128) * 576 * 4, -3);
  });

  it('half weights: keep-everything adds a float32 copy, layer-wise does not hold the model', () => {
    const w = { batch: 4, seqLen: 90, virtualTokens: 20, labelRows: 356 };
    const f32 = { ...QWEN05_BF16, storedBytesPerParam: 4 };
    expect(estimateTrainMemory(QWEN05_BF16, { ...w, strategy: 'keep' }).weightBytes).toBeGreaterThan(estimateTrainMemory(f32, { ...w, strategy: 'keep' }).weightBytes);
    const lw = estimateTrainMemory(QWEN7_BF16, { batch: 1, seqLen: 64, virtualTokens: 20, labelRows: 63, strategy: 'layerwise-recompute' });
    // One layer as float32, a packed matrix and one vocabulary slice of the head (never the 2.2 GB float32 head).
    expect(lw.weightBytes).toBeLessThan(0.1 * QWEN7_BF16.parameters * 2);
    expect(lw.weightBytes).toBeLessThan(1.3 * GB);
  });

  it('the chunked head bounds the logits whatever the number of labelled rows', () => {
    const a = estimateTrainMemory(QWEN05_BF16, { batch: 4, seqLen: 90, virtualTokens: 20, labelRows: 356, strategy: 'layerwise-recompute' });
    const b = estimateTrainMemory(QWEN05_BF16, { batch: 64, seqLen: 90, virtualTokens: 20, labelRows: 64 * 89, strategy: 'layerwise-recompute' });
    expect(b.logitBytes).toBe(a.logitBytes);
  });

  it('plans keep-everything only when tiny, then layer-wise with saved products while they fit in half the free memory, then recomputation, and says when even that does not fit', () => {
    const w = stepShapeOf('classification', 8, 128, 20);
    const TINY = shape(64, 5, 8, 4, 8, 172, 512, true, 4);
    expect(planTrainMemory(TINY, stepShapeOf('classification', 8, 64, 20), { freeBytes: 8 * GB, totalBytes: 16 * GB }).strategy).toBe('keep');
    // SmolLM2-135M: keep-everything would take ~5 GB; the saved products ~1.2 GB.
    expect(planTrainMemory(SMOL, w, { freeBytes: 64 * GB, totalBytes: 64 * GB }).strategy).toBe('layerwise-saved');
    expect(planTrainMemory(SMOL, w, { freeBytes: 8 * GB, totalBytes: 16 * GB })).toMatchObject({ strategy: 'layerwise-saved', fits: true });
    expect(planTrainMemory(SMOL, w, { freeBytes: 1.5 * GB, totalBytes: 4 * GB })).toMatchObject({ strategy: 'layerwise-recompute', fits: true });
    const big = planTrainMemory(QWEN7_BF16, stepShapeOf('lm', 1, 64, 20), { freeBytes: 20 * GB, totalBytes: 24 * GB });
    expect(big).toMatchObject({ strategy: 'layerwise-saved', fits: true });
    expect(planTrainMemory(QWEN7_BF16, stepShapeOf('lm', 1, 64, 20), { freeBytes: 1 * GB, totalBytes: 24 * GB })).toMatchObject({ strategy: 'layerwise-recompute', fits: false });
  });

  it('keeps the layer-wise weights on the host while the step with them fits half the free memory, and counts them in the estimate', () => {
    const w = stepShapeOf('classification', 8, 128, 20);
    // SmolLM2-135M, tied: every weight is fed (the head is the embedding), 4 bytes each.
    expect(residentWeightBytes(SMOL)).toBe(SMOL.parameters * 4);
    // Untied: the input embedding is read by rows, never fed; F16 is fed (and kept) as float16, BF16 widened to float32.
    expect(residentWeightBytes(QWEN7_BF16)).toBe((QWEN7_BF16.parameters - 152064 * 3584) * 4);
    expect(residentWeightBytes({ ...QWEN7_BF16, feedBytesPerParam: 2 })).toBe((QWEN7_BF16.parameters - 152064 * 3584) * 2);
    const streamed = estimateTrainMemory(SMOL, { ...w, strategy: 'layerwise-saved' });
    const kept = estimateTrainMemory(SMOL, { ...w, strategy: 'layerwise-saved', residentWeights: true });
    // The whole fed model instead of one layer's stream buffers and one head slice.
    expect(kept.weightBytes - streamed.weightBytes).toBeGreaterThan(0.8 * SMOL.parameters * 4);
    expect(kept.weightBytes).toBeLessThan(1.1 * SMOL.parameters * 4);
    expect(kept.totalBytes - streamed.totalBytes).toBe(kept.weightBytes - streamed.weightBytes);

    const roomy = planTrainMemory(SMOL, w, { freeBytes: 8 * GB, totalBytes: 16 * GB });
    expect(roomy).toMatchObject({ strategy: 'layerwise-saved', fits: true, hostWeightBudget: SMOL.parameters * 4 });
    expect(roomy.estimate.totalBytes).toBe(kept.totalBytes);
    // Just room for the saved products streaming, not for the weights too: stream (saved products come first).
    const tight = { freeBytes: (streamed.totalBytes + 1e6) / SAVED_SHARE, totalBytes: 16 * GB };
    expect(planTrainMemory(SMOL, w, tight)).toMatchObject({ strategy: 'layerwise-saved', hostWeightBudget: 0 });
    expect(planTrainMemory(SMOL, w, tight).estimate.totalBytes).toBe(streamed.totalBytes);
    // Recomputation: its ~0.5 GB step is smaller than the weights, so they stream however much is free.
    expect(planTrainMemory(SMOL, w, { freeBytes: 1.5 * GB, totalBytes: 4 * GB })).toMatchObject({ strategy: 'layerwise-recompute', hostWeightBudget: 0 });
    expect(estimateTrainMemory(SMOL, { ...w, strategy: 'layerwise-recompute' }).totalBytes).toBeLessThan(SMOL.parameters * 4);
    expect(hostWeightBudgetFor(SMOL, { ...w, strategy: 'layerwise-recompute' }, { freeBytes: 256 * GB })).toBe(0);
    // A batch whose step outweighs the weights keeps them.
    expect(hostWeightBudgetFor(SMOL, { ...stepShapeOf('classification', 32, 128, 20), strategy: 'layerwise-recompute' }, { freeBytes: 256 * GB })).toBe(SMOL.parameters * 4);
    // Where the weights outweigh the streamed step (Qwen2.5-0.5B: 2 GB as float32 against a ~1 GB step), they stream however much is free.
    expect(planTrainMemory(QWEN05_BF16, stepShapeOf('lm', 4, 90, 20), { freeBytes: 256 * GB, totalBytes: 256 * GB })).toMatchObject({ strategy: 'layerwise-saved', hostWeightBudget: 0 });
    expect(planTrainMemory(QWEN7_BF16, stepShapeOf('lm', 1, 64, 20), { freeBytes: 256 * GB, totalBytes: 256 * GB }).hostWeightBudget).toBe(0);
    expect(hostWeightBudgetFor(SMOL, { ...w, strategy: 'keep' }, { freeBytes: 64 * GB })).toBe(0);
    // Inference: the whole-model graph's share of free memory.
    expect(inferenceHostWeightBudget(SMOL, { freeBytes: 8 * GB })).toBe(SMOL.parameters * 4);
    expect(inferenceHostWeightBudget(SMOL, { freeBytes: 1 * GB })).toBe(0);
  });

  it('saved products cost layers × tokens × (q + k + v + o + gate + up) floats over recomputation', () => {
    const w = { batch: 8, seqLen: 128, virtualTokens: 20, labelRows: 256 };
    const saved = estimateTrainMemory(SMOL, { ...w, strategy: 'layerwise-saved' });
    const recompute = estimateTrainMemory(SMOL, { ...w, strategy: 'layerwise-recompute' });
    expect(saved.totalBytes - recompute.totalBytes).toBeCloseTo(4 * 30 * (20 + 8 * 128) * (576 + 2 * 192 + 576 + 2 * 1536), 0);
  });

  it('inference on a big half-precision model goes layer by layer and holds no float32 copy of it (sps generate, the playground)', () => {
    const QWEN15_BF16 = shape(1536, 28, 12, 2, 128, 8960, 151936, true, 2);
    for (const s of [QWEN15_BF16, QWEN7_BF16]) {
      // The whole-model graph casts half weights once into float32: over a quarter of even 24 GB free (chooseInferenceStrategy).
      const keep = estimateInferenceMemory(s, { strategy: 'keep', prepack: true });
      expect(keep.weightBytes).toBeGreaterThan(s.parameters * 4);
      expect(keep.totalBytes).toBeGreaterThan(24 * GB * KEEP_SHARE);
      // Layer by layer: one layer as float32 and one slice of the head.
      expect(estimateInferenceMemory(s, { strategy: 'layerwise' }).totalBytes).toBeLessThan(0.1 * s.parameters * 4 + 0.2 * GB);
    }
  });

  it('label rows follow the task', () => {
    expect(stepShapeOf('lm', 4, 100, 10).labelRows).toBe(400);
    expect(stepShapeOf('generation', 4, 100, 10).labelRows).toBe(200);
    expect(stepShapeOf('classification', 4, 100, 10).labelRows).toBe(16);
  });
});

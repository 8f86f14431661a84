/**
 * The wizard's memory estimate (src/shared/memory_estimate.ts) next to peaks measured by
 * `npm run bench` (bench/README.md, "Memory model"): prints estimate, measured and the error
 * for each shape and strategy, so a change to the model or the engine shows where it drifts.
 * The measured peaks are typed in from bench/results (they need minutes to hours to re-measure).
 *
 *   npx tsx bench/estimate_check.ts
 */
import { estimateTrainMemory, prepackFits, stepShapeOf, type MemoryShape, type TrainStrategy } from '../src/shared/memory_estimate.js';
import { QWEN05_SHAPE, QWEN15_SHAPE, QWEN7_SHAPE, SMOLLM_SHAPE, type BenchShape } from './synthetic_model.js';

function memoryShape(b: BenchShape, storedBytesPerParam: number): MemoryShape {
  const hd = b.headDim;
  const layer = b.hidden * b.heads * hd + 2 * b.hidden * b.kvHeads * hd + b.heads * hd * b.hidden + 3 * b.hidden * b.intermediate;
  return { hiddenSize: b.hidden, numLayers: b.layers, numHeads: b.heads, numKvHeads: b.kvHeads, headDim: hd, intermediateSize: b.intermediate, vocabSize: b.vocab, tiedEmbeddings: b.tied, storedBytesPerParam, parameters: b.layers * layer + b.vocab * b.hidden * (b.tied ? 1 : 2) };
}

interface Row {
  shape: BenchShape;
  bytes: number;
  task: 'classification' | 'lm';
  batch: number;
  seqLen: number;
  labels?: number;
  strategy: TrainStrategy;
  /** Layer-wise weights kept on the host (the plan's choice where they fit; memory_estimate.ts hostWeightBudgetFor). */
  resident?: boolean;
  measuredMB: number;
  when: string;
}

const BENCH_MACHINE_BYTES = 23.5 * 2 ** 30;

/**
 * Peaks measured on the 2-core, 24 GB bench machine (maxRSS of the bench's child process), on
 * the quiet machine with the workers' malloc tunables, after the composite gradient rules, the
 * handed-over attention operands and the last layer on kept rows (the 7B row is from before
 * them); "kept": the plan kept the layer-wise weights on the host (SmolLM2 only).
 */
const MEASURED: Row[] = [
  { shape: SMOLLM_SHAPE, bytes: 4, task: 'classification', batch: 8, seqLen: 128, labels: 256, strategy: 'keep', measuredMB: 4150, when: '2026-11-29 07:14' },
  { shape: SMOLLM_SHAPE, bytes: 4, task: 'classification', batch: 8, seqLen: 128, labels: 256, strategy: 'layerwise-saved', resident: true, measuredMB: 1623, when: '2026-11-29 07:14' },
  { shape: SMOLLM_SHAPE, bytes: 4, task: 'classification', batch: 8, seqLen: 128, labels: 256, strategy: 'layerwise-recompute', resident: true, measuredMB: 1115, when: '2026-11-29 07:14' },
  { shape: SMOLLM_SHAPE, bytes: 4, task: 'lm', batch: 8, seqLen: 128, strategy: 'layerwise-saved', resident: true, measuredMB: 1586, when: '2026-11-29 07:14' },
  { shape: SMOLLM_SHAPE, bytes: 4, task: 'lm', batch: 8, seqLen: 128, strategy: 'layerwise-recompute', resident: true, measuredMB: 1064, when: '2026-11-29 07:14' },
  { shape: QWEN05_SHAPE, bytes: 4, task: 'lm', batch: 4, seqLen: 90, strategy: 'keep', measuredMB: 5156, when: '2026-11-29 07:03' },
  { shape: QWEN05_SHAPE, bytes: 4, task: 'lm', batch: 4, seqLen: 90, strategy: 'layerwise-saved', measuredMB: 920, when: '2026-11-29 07:03' },
  { shape: QWEN05_SHAPE, bytes: 4, task: 'lm', batch: 4, seqLen: 90, strategy: 'layerwise-recompute', measuredMB: 545, when: '2026-11-29 07:03' },
  { shape: QWEN05_SHAPE, bytes: 2, task: 'lm', batch: 4, seqLen: 90, strategy: 'layerwise-saved', measuredMB: 923, when: '2026-11-29 07:03' },
  { shape: QWEN05_SHAPE, bytes: 2, task: 'lm', batch: 4, seqLen: 90, strategy: 'layerwise-recompute', measuredMB: 550, when: '2026-11-29 07:03' },
  { shape: QWEN15_SHAPE, bytes: 2, task: 'lm', batch: 4, seqLen: 128, strategy: 'layerwise-saved', measuredMB: 2128, when: '2026-11-29 07:03' },
  // Train step only (1635 MB); with evaluation and 20 generated tokens after it, 1702 MB.
  { shape: QWEN7_SHAPE, bytes: 2, task: 'lm', batch: 1, seqLen: 64, strategy: 'layerwise-saved', measuredMB: 1635, when: '2026-11-29 04:58' },
];

const line = (r: Row): string => {
  const w = stepShapeOf(r.task, r.batch, r.seqLen, 20);
  const shape = memoryShape(r.shape, r.bytes);
  // As the engine decides it (strategy.ts shouldPrepack) on the 23.5 GB bench machine.
  const e = estimateTrainMemory(shape, { ...w, ...(r.labels ? { labelRows: r.labels } : {}), strategy: r.strategy, prepack: prepackFits(shape, BENCH_MACHINE_BYTES), residentWeights: r.resident === true });
  const mb = e.totalBytes / 2 ** 20;
  return `${`${r.shape.name} ${r.bytes === 2 ? 'bf16' : 'f32'} ${r.batch}×(20+${r.seqLen}) ${r.task}`.padEnd(38)} ${(r.strategy + (r.resident ? ' kept' : '')).padEnd(25)} estimate ${mb.toFixed(0).padStart(6)} MB  measured ${String(r.measuredMB).padStart(6)} MB  ${(((mb - r.measuredMB) / r.measuredMB) * 100).toFixed(0).padStart(4)}%`;
};
for (const r of MEASURED) console.log(line(r));

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

/** Peaks measured on the 2-core, 24 GB bench machine (maxRSS of the bench's child process). */
const MEASURED: Row[] = [
  { shape: SMOLLM_SHAPE, bytes: 4, task: 'classification', batch: 8, seqLen: 128, labels: 256, strategy: 'keep', measuredMB: 5110, when: '2026-11-29 02:20' },
  { shape: SMOLLM_SHAPE, bytes: 4, task: 'classification', batch: 8, seqLen: 128, labels: 256, strategy: 'layerwise-saved', measuredMB: 1149, when: '2026-11-29 02:20' },
  { shape: SMOLLM_SHAPE, bytes: 4, task: 'classification', batch: 8, seqLen: 128, labels: 256, strategy: 'layerwise-recompute', measuredMB: 593, when: '2026-11-29 02:20' },
  // Weights kept on the host, as the plan chooses on this machine (`npm run bench -- --only smol`, soft-prompt rows once per batch, the workers' malloc tunables).
  { shape: SMOLLM_SHAPE, bytes: 4, task: 'classification', batch: 8, seqLen: 128, labels: 256, strategy: 'layerwise-saved', resident: true, measuredMB: 1529, when: '2026-11-29 04:40' },
  { shape: SMOLLM_SHAPE, bytes: 4, task: 'lm', batch: 8, seqLen: 128, strategy: 'layerwise-saved', measuredMB: 1200, when: '2026-11-29 02:20' },
  { shape: SMOLLM_SHAPE, bytes: 4, task: 'lm', batch: 8, seqLen: 128, strategy: 'layerwise-recompute', measuredMB: 646, when: '2026-11-29 02:20' },
  { shape: QWEN05_SHAPE, bytes: 4, task: 'lm', batch: 4, seqLen: 90, strategy: 'keep', measuredMB: 5923, when: '2026-11-29 02:40' },
  { shape: QWEN05_SHAPE, bytes: 4, task: 'lm', batch: 4, seqLen: 90, strategy: 'layerwise-saved', measuredMB: 1012, when: '2026-11-29 02:40' },
  { shape: QWEN05_SHAPE, bytes: 4, task: 'lm', batch: 4, seqLen: 90, strategy: 'layerwise-recompute', measuredMB: 560, when: '2026-11-29 02:40' },
  { shape: QWEN05_SHAPE, bytes: 2, task: 'lm', batch: 4, seqLen: 90, strategy: 'layerwise-saved', measuredMB: 1009, when: '2026-11-29 02:40' },
  { shape: QWEN05_SHAPE, bytes: 2, task: 'lm', batch: 4, seqLen: 90, strategy: 'layerwise-recompute', measuredMB: 561, when: '2026-11-29 02:40' },
  { shape: QWEN15_SHAPE, bytes: 2, task: 'lm', batch: 4, seqLen: 128, strategy: 'layerwise-saved', measuredMB: 2298, when: '2026-11-29 02:54' },
  // Measured by the bench's q15 / q7 groups in another session (bench/README.md, 1.08 / 2.37 / 1.64 GB).
  { shape: QWEN15_SHAPE, bytes: 2, task: 'lm', batch: 4, seqLen: 128, strategy: 'layerwise-recompute', measuredMB: 1106, when: '2026-11-29' },
  { shape: QWEN15_SHAPE, bytes: 2, task: 'lm', batch: 4, seqLen: 128, strategy: 'layerwise-saved', measuredMB: 2427, when: '2026-11-29' },
  { shape: QWEN7_SHAPE, bytes: 2, task: 'lm', batch: 1, seqLen: 64, strategy: 'layerwise-saved', measuredMB: 1679, when: '2026-11-29' },
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

/**
 * onnxruntime profile traces (Chrome trace JSON written by `enableProfiling`): find the
 * file, and aggregate kernel time by op type over the last `model_run`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface TraceEvent {
  cat?: string;
  name?: string;
  ts?: number;
  dur?: number;
  args?: { op_name?: string; provider?: string };
}

export interface OpTypeTime {
  opType: string;
  ms: number;
  percent: number;
  calls: number;
}

export interface ProfileSummary {
  /** Wall time of the profiled run (ORT's model_run event), ms. */
  runMs: number;
  /** Sum of kernel times in that run, ms. */
  kernelMs: number;
  byOpType: OpTypeTime[];
  /** Distinct op types in the run (the optimised graph's). */
  opTypes: number;
  nodes: number;
}

/** Trace files ORT wrote into `dir` since `sinceMs` (epoch ms). */
export function findTraceFiles(dir: string, sinceMs: number): string[] {
  return readdirSync(dir)
    .filter((f) => /^onnxruntime_profile_.*\.json$/.test(f))
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).mtimeMs >= sinceMs - 1000);
}

/** Aggregates the kernel events of the last model_run in the trace. */
export function summariseTrace(path: string): ProfileSummary {
  const events = JSON.parse(readFileSync(path, 'utf8')) as TraceEvent[];
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run' && e.ts !== undefined && e.dur !== undefined);
  const last = runs[runs.length - 1];
  const from = last?.ts ?? -Infinity;
  const to = last ? (last.ts ?? 0) + (last.dur ?? 0) : Infinity;
  const acc = new Map<string, { us: number; calls: number }>();
  let total = 0;
  let nodes = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || e.ts === undefined || e.ts < from || e.ts > to) continue;
    const opType = e.args?.op_name ?? '?';
    const a = acc.get(opType) ?? { us: 0, calls: 0 };
    a.us += e.dur ?? 0;
    a.calls += 1;
    acc.set(opType, a);
    total += e.dur ?? 0;
    nodes += 1;
  }
  const byOpType = [...acc.entries()]
    .map(([opType, a]) => ({ opType, ms: a.us / 1000, percent: total > 0 ? (100 * a.us) / total : 0, calls: a.calls }))
    .sort((x, y) => y.ms - x.ms);
  return { runMs: (last?.dur ?? 0) / 1000, kernelMs: total / 1000, byOpType, opTypes: acc.size, nodes };
}

/**
 * Bytes that cross the session boundary between host memory and the execution provider: host
 * tensors fed to a run (activations, and weights on the fed layer-wise path) and host outputs
 * fetched back. On a GPU provider each of these is a copy over the bus; on the CPU provider no
 * copy happens, but the count is the same, so it is measured on any provider (bench/device).
 * Tensors kept on the device between runs (DeviceTensor) cross nothing and count nothing.
 */
export interface Traffic {
  /** Host → device bytes. */
  sentBytes: number;
  /** Device → host bytes. */
  fetchedBytes: number;
  runs: number;
}

const total: Traffic = { sentBytes: 0, fetchedBytes: 0, runs: 0 };

export function countRun(sentBytes: number, fetchedBytes: number): void {
  total.sentBytes += sentBytes;
  total.fetchedBytes += fetchedBytes;
  total.runs += 1;
}

/** The process's totals so far (take one before and one after a step; see trafficSince). */
export function trafficSnapshot(): Traffic {
  return { ...total };
}

export function trafficSince(before: Traffic): Traffic {
  return { sentBytes: total.sentBytes - before.sentBytes, fetchedBytes: total.fetchedBytes - before.fetchedBytes, runs: total.runs - before.runs };
}

/** Download speed over a sliding window, and the time left at that speed. */
export class SpeedMeter {
  private samples: { t: number; bytes: number }[] = [];

  constructor(
    private readonly windowMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records the bytes done so far; returns bytes per second over the window (0 until two samples). */
  update(bytesDone: number): number {
    const t = this.now();
    this.samples.push({ t, bytes: bytesDone });
    while (this.samples.length > 2 && t - (this.samples[1] as { t: number }).t >= this.windowMs) this.samples.shift();
    const first = this.samples[0] as { t: number; bytes: number };
    const dt = (t - first.t) / 1000;
    return dt > 0 ? Math.max(0, (bytesDone - first.bytes) / dt) : 0;
  }
}

export function etaSeconds(remaining: number, bytesPerSecond: number): number | undefined {
  if (remaining <= 0) return 0;
  return bytesPerSecond > 0 ? remaining / bytesPerSecond : undefined;
}

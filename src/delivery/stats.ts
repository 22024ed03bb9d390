// Bounded latency samples (a ring of the most recent ones) and their percentiles.
import type { Percentiles } from "./types";

export class LatencyWindow {
  private readonly samples: Float64Array;
  private next = 0;
  private filled = 0;
  constructor(size = 8192) {
    this.samples = new Float64Array(size);
  }
  add(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    if (this.filled < this.samples.length) this.filled++;
  }
  percentiles(): Percentiles {
    if (this.filled === 0) return { p50: 0, p90: 0, p99: 0, count: 0 };
    const sorted = this.samples.slice(0, this.filled).sort();
    const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 1000) / 1000;
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), count: this.filled };
  }
}

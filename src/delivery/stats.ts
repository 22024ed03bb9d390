// Bounded latency samples (a ring of the most recent ones) and their percentiles.
import type { Fields } from "../log";
import type { DeliveryStats, Percentiles } from "./types";

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

/**
 * What the engine did between two readings of its stats, for the info line logged once a minute
 * (each SQS request is logged at debug only: at saturation that is ~1,500 lines a second).
 * Undefined when it did nothing.
 */
export function activity(before: DeliveryStats, after: DeliveryStats): Fields | undefined {
  const d = (k: "accepted" | "sent" | "retried" | "dead" | "upstreamRequests") => after[k] - before[k];
  const fields = {
    accepted: d("accepted"),
    sent: d("sent"),
    requests: d("upstreamRequests"),
    retried: d("retried"),
    dead: d("dead"),
  };
  if (Object.values(fields).every((n) => n === 0)) return undefined;
  return { ...fields, pending: after.pending };
}

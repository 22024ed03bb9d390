// LatencyWindow: percentiles of the most recent samples, in a bounded ring.
import { describe, expect, test } from "bun:test";
import { activity, LatencyWindow } from "../../src/delivery/stats";
import type { DeliveryStats } from "../../src/delivery/types";

describe("LatencyWindow", () => {
  test("empty window reports zeros", () => {
    expect(new LatencyWindow(8).percentiles()).toEqual({ p50: 0, p90: 0, p99: 0, count: 0 });
  });

  test("one sample is every percentile", () => {
    const w = new LatencyWindow(8);
    w.add(3.25);
    expect(w.percentiles()).toEqual({ p50: 3.25, p90: 3.25, p99: 3.25, count: 1 });
  });

  test("percentiles of 1..101 in shuffled order (nearest rank)", () => {
    const w = new LatencyWindow(1000);
    // a fixed permutation of 1..101 (37 is coprime with 101)
    for (let i = 0; i < 101; i++) w.add(((i * 37) % 101) + 1);
    expect(w.percentiles()).toEqual({ p50: 51, p90: 91, p99: 100, count: 101 });
  });

  test("sorts numerically, not as text", () => {
    const w = new LatencyWindow(8);
    for (const v of [10, 9, 100]) w.add(v);
    const p = w.percentiles();
    expect(p.p50).toBe(10);
    expect(p.p99).toBe(100);
  });

  test("values are rounded to 3 decimals", () => {
    const w = new LatencyWindow(8);
    w.add(1.23456);
    expect(w.percentiles().p50).toBe(1.235);
  });

  test("the ring keeps only the most recent samples", () => {
    const w = new LatencyWindow(5);
    for (let v = 1; v <= 8; v++) w.add(v); // keeps 4..8
    expect(w.percentiles()).toEqual({ p50: 6, p90: 8, p99: 8, count: 5 });
    for (let i = 0; i < 5; i++) w.add(1000); // old samples all overwritten
    expect(w.percentiles()).toEqual({ p50: 1000, p90: 1000, p99: 1000, count: 5 });
    w.add(1); // one small one back: 1, 1000 ×4
    expect(w.percentiles()).toEqual({ p50: 1000, p90: 1000, p99: 1000, count: 5 });
    w.add(1);
    w.add(1); // 1 ×3, 1000 ×2
    expect(w.percentiles()).toEqual({ p50: 1, p90: 1000, p99: 1000, count: 5 });
  });
});

describe("activity: the once-a-minute info line", () => {
  const stats = (over: Partial<DeliveryStats>): DeliveryStats => ({
    accepted: 0,
    sent: 0,
    retried: 0,
    dead: 0,
    pending: 0,
    inMemory: 0,
    inflight: 0,
    upstreamRequests: 0,
    averageBatchSize: 0,
    ackLatencyMs: { p50: 0, p90: 0, p99: 0, count: 0 },
    deliveryLatencyMs: { p50: 0, p90: 0, p99: 0, count: 0 },
    ...over,
  });

  test("counts what happened between two readings, and what is pending now", () => {
    const before = stats({ accepted: 100, sent: 90, upstreamRequests: 9, retried: 1, dead: 0, pending: 10 });
    const after = stats({ accepted: 1100, sent: 1080, upstreamRequests: 109, retried: 4, dead: 2, pending: 18 });
    expect(activity(before, after)).toEqual({ accepted: 1000, sent: 990, requests: 100, retried: 3, dead: 2, pending: 18 });
  });

  test("nothing is logged for a quiet minute, even with messages waiting", () => {
    const s = stats({ accepted: 5, sent: 3, pending: 2 });
    expect(activity(s, { ...s })).toBeUndefined();
  });
});

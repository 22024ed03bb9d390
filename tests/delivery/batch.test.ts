// Pure batch assembly: entry and byte limits, oversize singles, one message per FIFO group.
import { describe, expect, test } from "bun:test";
import { type Batchable, pickBatch } from "../../src/delivery/batch";
import { MAX_BATCH_BYTES } from "../../src/sqs/limits";

const sized = (...bytes: number[]): Batchable[] => bytes.map((b) => ({ bytes: b }));
const grouped = (...groups: string[]): Batchable[] => groups.map((g) => ({ bytes: 10, groupId: g }));

describe("pickBatch", () => {
  test("at most 10 entries, in order", () => {
    const items = sized(...Array.from({ length: 25 }, () => 1));
    expect(pickBatch(items, { maxEntries: 10 })).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(pickBatch(items, { maxEntries: 50 })).toHaveLength(10);
    expect(pickBatch(sized(1, 1, 1), { maxEntries: 10 })).toEqual([0, 1, 2]);
    expect(pickBatch([], { maxEntries: 10 })).toEqual([]);
  });

  test("maxEntries 1 takes one", () => {
    expect(pickBatch(sized(1, 1, 1), { maxEntries: 1 })).toEqual([0]);
  });

  test("bodies together at most 1 MiB", () => {
    const half = MAX_BATCH_BYTES / 2;
    expect(pickBatch(sized(half, half, 1), { maxEntries: 10 })).toEqual([0, 1]);
    expect(pickBatch(sized(half, half + 1, 1), { maxEntries: 10 })).toEqual([0]);
    // a larger maxBytes is capped at 1 MiB; a smaller one applies
    expect(pickBatch(sized(half, half, 1), { maxEntries: 10, maxBytes: 10 * MAX_BATCH_BYTES })).toEqual([0, 1]);
    expect(pickBatch(sized(40, 40, 40), { maxEntries: 10, maxBytes: 100 })).toEqual([0, 1]);
  });

  test("a single oversize item is still taken alone", () => {
    expect(pickBatch(sized(MAX_BATCH_BYTES + 5, 1, 1), { maxEntries: 10 })).toEqual([0]);
    expect(pickBatch(sized(150, 1), { maxEntries: 10, maxBytes: 100 })).toEqual([0]);
    // but not added to a batch that already has something
    expect(pickBatch(sized(1, 150, 1), { maxEntries: 10, maxBytes: 100 })).toEqual([0]);
  });

  test("FIFO: one message per group", () => {
    expect(pickBatch(grouped("a", "a", "b", "c", "b", "d"), { maxEntries: 10 }, new Set())).toEqual([0, 2, 3, 5]);
  });

  test("FIFO: busy groups are skipped, with all their later items", () => {
    expect(pickBatch(grouped("a", "b", "a", "c"), { maxEntries: 10 }, new Set(["a"]))).toEqual([1, 3]);
    expect(pickBatch(grouped("a", "a", "a"), { maxEntries: 10 }, new Set(["a"]))).toEqual([]);
  });

  test("FIFO: entries limit still applies across groups", () => {
    const items = grouped(...Array.from({ length: 15 }, (_, i) => `g${i}`));
    expect(pickBatch(items, { maxEntries: 10 }, new Set())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(pickBatch(items, { maxEntries: 1 }, new Set(["g0"]))).toEqual([1]);
  });

  test("without a busy set, groups are ignored (standard queue)", () => {
    expect(pickBatch(grouped("a", "a", "a"), { maxEntries: 10 })).toEqual([0, 1, 2]);
  });

  test("FIFO: items without a group are taken freely", () => {
    const items: Batchable[] = [{ bytes: 1, groupId: "a" }, { bytes: 1 }, { bytes: 1, groupId: "a" }, { bytes: 1 }];
    expect(pickBatch(items, { maxEntries: 10 }, new Set())).toEqual([0, 1, 3]);
  });
});

// MemorySpool (`--spool none`): dead letters kept in memory stay bounded in count and in bytes.
import { expect, test } from "bun:test";
import { MEMORY_MESSAGE_OVERHEAD, MemorySpool } from "../../src/delivery/spool";
import type { Envelope } from "../../src/delivery/types";

const CREDS = { accessKeyId: "AKIDMEMORY", secretAccessKey: "not-a-real-secret" };

function envelope(i: number, bytes: number): Envelope {
  return { id: `m${i}`, queue: "q", creds: CREDS, entry: { MessageBody: "x".repeat(bytes) }, bytes, acceptedAt: i };
}

async function bury(spool: MemorySpool, from: number, count: number, bytes: number): Promise<void> {
  const rows = Array.from({ length: count }, (_, k) => envelope(from + k, bytes));
  await spool.append(rows);
  spool.dead(rows.map((envelope) => ({ envelope, reason: "test", attempts: 1 })));
}

test("dead letters: at most 20,000 are kept, the newest 10,000 always, newest first", async () => {
  const spool = new MemorySpool();
  await bury(spool, 0, 25_000, 1);
  const n = spool.countDead({ accessKeyId: CREDS.accessKeyId });
  expect(n).toBeGreaterThanOrEqual(10_000);
  expect(n).toBeLessThanOrEqual(20_000);
  expect(spool.getDead("m24999")?.reason).toBe("test");
  expect(spool.getDead("m15000")).toBeDefined();
  expect(spool.getDead("m0")).toBeUndefined();
  expect(spool.listDead({ accessKeyId: CREDS.accessKeyId, limit: 3 }).map((d) => d.id)).toEqual(["m24999", "m24998", "m24997"]);
  expect(spool.bytes()).toBe(0);
  expect(spool.count()).toBe(0);
});

test("dead letters: their bodies are bounded at 64 MiB, however large each one is", async () => {
  const spool = new MemorySpool();
  const MiB = 1024 * 1024;
  let held = 0;
  for (let i = 0; i < 100; i++) {
    await bury(spool, i, 1, MiB);
    held = spool.listDead({ accessKeyId: CREDS.accessKeyId, limit: 1_000 }).reduce((sum, d) => sum + d.bytes, 0);
    expect(held).toBeLessThanOrEqual(64 * MiB + MiB);
    expect(spool.deadBytes()).toBe(held); // counted toward --max-spool-bytes
  }
  expect(held).toBeGreaterThanOrEqual(32 * MiB);
  expect(spool.getDead("m99")).toBeDefined();
  expect(spool.getDead("m0")).toBeUndefined();
});

test("a dead letter taken back and dead again is listed once", async () => {
  const spool = new MemorySpool();
  await bury(spool, 1, 1, 10);
  expect(spool.takeDead("m1")?.id).toBe("m1");
  expect(spool.countDead({ accessKeyId: CREDS.accessKeyId })).toBe(0);
  await bury(spool, 1, 1, 10);
  await bury(spool, 1, 1, 10);
  expect(spool.countDead({ accessKeyId: CREDS.accessKeyId })).toBe(1);
});

test("undelivered messages count their bodies plus what memory holds besides, until delivered or dead", async () => {
  const spool = new MemorySpool();
  const rows = [envelope(1, 100), envelope(2, 1_000), envelope(3, 10)];
  await spool.append(rows);
  expect(spool.bytes()).toBe(1_110 + 3 * MEMORY_MESSAGE_OVERHEAD);
  spool.delivered([rows[0]!]);
  expect(spool.bytes()).toBe(1_010 + 2 * MEMORY_MESSAGE_OVERHEAD);
  spool.dead([{ envelope: rows[1]!, reason: "test", attempts: 1 }]);
  expect(spool.bytes()).toBe(10 + MEMORY_MESSAGE_OVERHEAD);
  expect(spool.deadBytes()).toBe(1_000); // a dead letter's body only: they make room for themselves
  spool.delivered([rows[2]!]);
  expect(spool.bytes()).toBe(0);
  expect(spool.count()).toBe(0);
});

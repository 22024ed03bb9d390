// The durable spool on its own, driven as the engine drives it at saturation: each turn appends a
// group of messages (one commit) and marks as delivered those that left a window of 2,000. Two
// ways of writing the bookkeeping (deletions, attempt counts), interleaved in the same run:
//   lazy        the daemon's way: written on its own every 25 ms, left out of the per-turn commits
//   each-commit riding along with every commit of new messages (before 2026-12-04)
// Usage: bun scripts/spool-bench.ts [--per N] [--turns N] [--rounds N]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteSpool } from "../src/delivery/sqlite-spool";
import type { Envelope } from "../src/delivery/types";
import { countOptions, interleaved, median } from "./bench-lib/ab";

const { per, turns, rounds } = countOptions(
  "Usage: bun scripts/spool-bench.ts [--per N messages per commit, 20] [--turns N commits, 3000] [--rounds N, 3]",
  { per: 20, turns: 3000, rounds: 3 },
);

const WINDOW = 2_000;
const creds = { accessKeyId: "AKIDSPOOLBENCH", secretAccessKey: "not-a-secret" };
const body = "x".repeat(100);
type Mode = "lazy" | "each-commit";

async function once(mode: Mode): Promise<{ cpuUs: number; wallUs: number }> {
  const dir = mkdtempSync(join(tmpdir(), "spool-bench-"));
  const spool = new SqliteSpool(dir, { fsync: "normal" });
  try {
    const window: Envelope[] = [];
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let t = 0; t < turns; t++) {
      const group: Envelope[] = Array.from({ length: per }, () => ({
        id: Bun.randomUUIDv7(),
        queue: "bench",
        creds,
        entry: { MessageBody: body },
        bytes: body.length,
        acceptedAt: Date.now(),
      }));
      // flush() with its default writes the bookkeeping too: the former per-turn commit. Queued
      // before append() queues its own, it runs first, in the same turn of the event loop.
      if (mode === "each-commit") setImmediate(() => spool.flush());
      await spool.append(group);
      window.push(...group);
      if (window.length > WINDOW) spool.delivered(window.splice(0, window.length - WINDOW));
      // Let timers run now and then, as they do between turns of a busy event loop.
      if (t % 10 === 9) await Bun.sleep(1);
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const n = per * turns;
    return { cpuUs: (cpu.user + cpu.system) / n, wallUs: (wall * 1000) / n };
  } finally {
    spool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = await interleaved(
  ["lazy", "each-commit"] as const,
  rounds,
  once,
  (x) => `cpu ${x.cpuUs.toFixed(2)} µs/msg  wall ${x.wallUs.toFixed(2)} µs/msg`,
);
const m = (mode: Mode, k: "cpuUs" | "wallUs") => median(results[mode].map((x) => x[k]));
console.log(
  `\n${per} messages per commit, ${turns} commits, medians of ${rounds}: ` +
    `lazy ${m("lazy", "cpuUs").toFixed(2)} / each-commit ${m("each-commit", "cpuUs").toFixed(2)} CPU µs per message ` +
    `(× ${(m("lazy", "cpuUs") / m("each-commit", "cpuUs")).toFixed(2)}); ` +
    `wall ${m("lazy", "wallUs").toFixed(2)} / ${m("each-commit", "wallUs").toFixed(2)} µs (× ${(m("lazy", "wallUs") / m("each-commit", "wallUs")).toFixed(2)})`,
);

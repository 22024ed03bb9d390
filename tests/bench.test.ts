// Smoke test of the benchmark harness: `scripts/bench --quick` runs, writes a row per contender with numbers, and
// the moto spot check finds every acknowledged message. It asserts nothing about speed.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cleanEnv, ensureBinary, ROOT } from "./helpers";

const out = mkdtempSync(join(tmpdir(), "sqsacc-bench-test-"));

afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The children get Bun and the project's tools on PATH, and none of the machine's AWS settings. */
function benchEnv(): Record<string, string> {
  const env = cleanEnv();
  env.PATH = `${dirname(process.execPath)}:${join(ROOT, "node_modules", ".bin")}:${env.PATH ?? ""}`;
  return env;
}

/** Runs `f` with a new temporary directory, removed afterwards. */
async function inTempDir(prefix: string, f: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs scripts/bench with these arguments (killed after `timeoutMs`); its output is shown when it fails. */
async function bench(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string }> {
  const proc = Bun.spawn([join(ROOT, "scripts", "bench"), ...args], { cwd: ROOT, env: benchEnv(), stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGTERM"), timeoutMs);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  if (code !== 0) console.error(`scripts/bench ${args.join(" ")} exited ${code}\n${stderr.slice(-4000)}\n${stdout.slice(-2000)}`);
  return { code, stdout };
}

interface Row {
  contender: number;
  key: string;
  acceptedPerSec: number;
  ackMs: { p50: number; p99: number; p999: number };
  accepted: number;
  cpu: { per10k: number | null };
  peakRssMiB: number;
  messagesPerRequest: number | null;
  deliveryMs: { p50: number; p99: number } | null;
}

test(
  "scripts/bench --quick measures contenders 1-3 and every acknowledged message reaches moto",
  async () => {
    ensureBinary();
    const { code, stdout } = await bench(["--quick", "--out", out], 150_000);
    expect(code).toBe(0);

    expect(readdirSync(out).sort()).toEqual(["contenders.json", "contenders.md"]);
    const md = readFileSync(join(out, "contenders.md"), "utf8");
    expect(md).toContain("| 3 | accelerator, durable spool (--fsync normal) |");
    expect(stdout).toContain("## SQS Accelerator benchmark");

    const result = JSON.parse(readFileSync(join(out, "contenders.json"), "utf8")) as {
      mode: string;
      trials: Row[];
      contenders: Array<{ contender: number; acceptedPerSec: number }>;
      spot: { acknowledged: number; received: number; missing: number; ok: boolean } | null;
    };
    expect(result.mode).toBe("quick");
    expect(result.trials.map((t) => t.contender).sort()).toEqual([1, 2, 3]);
    for (const t of result.trials) {
      for (const n of [t.acceptedPerSec, t.ackMs.p50, t.ackMs.p99, t.ackMs.p999, t.accepted, t.peakRssMiB]) {
        expect(Number.isFinite(n)).toBe(true);
        expect(n).toBeGreaterThan(0);
      }
      expect(t.cpu.per10k).toBeGreaterThan(0);
      if (t.key !== "limit") {
        // The accelerator delivered in batches and reported how long delivery took.
        expect(t.messagesPerRequest).toBeGreaterThanOrEqual(1);
        expect(t.deliveryMs?.p50).toBeGreaterThan(0);
      }
    }
    expect(result.contenders.map((c) => c.contender)).toEqual([1, 2, 3]);

    // The correctness spot check: what the accelerator acknowledged arrived at moto, every message of it.
    expect(result.spot).not.toBeNull();
    // 200 requests are sent; a connection error under a loaded machine may cost an answer, never a message.
    expect(result.spot!.acknowledged).toBeGreaterThan(150);
    expect(result.spot!.missing).toBe(0);
    expect(result.spot!.received).toBeGreaterThanOrEqual(result.spot!.acknowledged);
    expect(result.spot!.ok).toBe(true);
  },
  { timeout: 180_000 },
);

test(
  "scripts/bench --rate paces the load (each connection waits before each request) and marks the ratios as context",
  async () => {
    ensureBinary();
    await inTempDir("sqsacc-bench-paced-", async (dir) => {
      // 4 connections, each waiting 20 ms before each request: at most 200 requests a second.
      const paced = ["--contenders", "1,3", "--rounds", "1", "--duration", "2", "--warmup", "0", "--rate", "200", "--connections", "4"];
      const { code } = await bench([...paced, "--no-startup", "--spot-messages", "0", "--out", dir], 60_000);
      expect(code).toBe(0);
      const result = JSON.parse(readFileSync(join(dir, "contenders.json"), "utf8")) as {
        settings: { rate: number; delayMs: number };
        trials: Row[];
        ratios: Array<{ name: string; target: string; met: boolean | null }>;
      };
      expect(result.settings).toMatchObject({ rate: 200, delayMs: 20 });
      for (const t of result.trials) {
        expect(t.accepted).toBeGreaterThan(0);
        expect(t.acceptedPerSec).toBeLessThanOrEqual(200);
      }
      expect(result.ratios.length).toBeGreaterThan(0);
      for (const r of result.ratios) expect(r.met).toBeNull();
      expect(result.ratios.find((r) => r.name.startsWith("durable spool ack p99"))?.target).toContain("paced at ~200 msg/s");
      expect(readFileSync(join(dir, "contenders.md"), "utf8")).toContain("paced by Lua (each connection waits 20 ms");
    });
  },
  { timeout: 90_000 },
);

test(
  "scripts/bench --layers measures the limit, Elysia, the app, accepting into the spool and the accelerator, each against the limit in its round",
  async () => {
    ensureBinary();
    await inTempDir("sqsacc-bench-layers-", async (dir) => {
      const { code, stdout } = await bench(["--layers", "--rounds", "1", "--duration", "1", "--warmup", "0", "--out", dir], 90_000);
      expect(code).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(["layers.json", "layers.md"]);
      expect(stdout).toContain("## SQS Accelerator layers");
      const result = JSON.parse(readFileSync(join(dir, "layers.json"), "utf8")) as {
        layers: Array<{ layer: number; key: string; acceptedPerSec: number; ofLimit: number; cpuMicrosPerMessage: number; non2xx: number }>;
        trials: Array<Row & { sent: number; pendingAfter: number }>;
      };
      expect(result.layers.map((l) => l.key)).toEqual(["limit", "elysia", "app", "accept", "normal"]);
      for (const l of result.layers) {
        expect(l.acceptedPerSec).toBeGreaterThan(0);
        expect(l.cpuMicrosPerMessage).toBeGreaterThan(0);
        expect(l.non2xx).toBe(0);
      }
      expect(result.layers[0]!.ofLimit).toBe(1);
      // Only the accelerator delivers: the app drops what it accepts, and the accept layer's SQS is
      // unreachable, so everything it accepted is still waiting in its spool.
      const trial = (key: string) => result.trials.find((t) => t.key === key)!;
      for (const key of ["limit", "elysia", "app", "accept"]) expect(trial(key).sent).toBe(0);
      expect(trial("app").pendingAfter).toBe(0);
      expect(trial("accept").accepted).toBeGreaterThan(0);
      expect(trial("accept").pendingAfter).toBeGreaterThanOrEqual(trial("accept").accepted);
      expect(trial("normal").sent).toBeGreaterThan(0);
    });
  },
  { timeout: 120_000 },
);

// The backlog run: steady, Lua-paced load on the accelerator (durable spool) while the SQS stand-in is down for a
// while, then up again on the same port with its data kept: memory over time, spool size, time to drain, nothing lost.
import { join } from "node:path";
import { SqsClient } from "../../src/sqs/client";
import type { Credentials } from "../../src/sqs/types";
import { cpuSeconds, dirMiB, freePort, makeTempDir, memoryMiB, removeTempDir } from "./proc";
import { fmt, table } from "./report";
import {
  basicAuth,
  CONTENDERS,
  createQueues,
  REGION,
  type Server,
  startLocalSqs,
  startServer,
  type Upstream,
  waitDrained,
} from "./servers";
import { startWrk } from "./wrk";

export interface BacklogSettings {
  bin: string;
  /** Target messages per second (wrk connections each wait a fixed delay between requests). */
  rate: number;
  connections: number;
  beforeSeconds: number;
  outageSeconds: number;
  afterSeconds: number;
  latencyMs: number;
  bodyBytes: number;
  creds: Credentials;
}

export interface BacklogSample {
  t: number;
  phase: "before" | "outage" | "after" | "drain";
  rssMiB: number;
  peakMiB: number;
  spoolMiB: number;
  accepted: number;
  sent: number;
  pending: number;
  inMemory: number;
  cpu: number;
}

export interface BacklogResult {
  settings: Omit<BacklogSettings, "bin" | "creds">;
  acceptedPerSec: number;
  ackMs: { p50: number; p99: number; p999: number; max: number };
  non2xx: number;
  samples: BacklogSample[];
  /** RSS just before the outage (mean of the last 3 samples) and the highest RSS during it. */
  baselineRssMiB: number;
  outageMaxRssMiB: number;
  /** Mean RSS over the outage's first and last 10 s: flat means the second does not climb above the first. */
  outageFirstRssMiB: number;
  outageLastRssMiB: number;
  /** (outage max − baseline) ÷ baseline: the target is within ±20%. */
  memoryGrowth: number;
  peakRssMiB: number;
  maxPending: number;
  maxSpoolMiB: number;
  /** Stand-in up again → backlog back to a steady level (pending ≤ a quarter second of load). */
  secondsToDrain: number | null;
  accepted: number;
  sent: number;
  dead: number;
  /** Messages the stand-in holds at the end (≥ accepted: a send cut off by the outage may be stored twice). */
  upstreamMessages: number | null;
  nothingLost: boolean;
  memoryFlat: boolean;
}

export async function backlogRun(s: BacklogSettings, log: (line: string) => void): Promise<BacklogResult> {
  const dir = makeTempDir("sqsacc-bench-backlog-");
  const data = join(dir, "local-sqs-data");
  const port = await freePort();
  const queue = "bench-backlog";
  let upstream: Upstream | undefined = await startLocalSqs({ bin: s.bin, dir, latencyMs: s.latencyMs, port, data });
  let server: Server | undefined;
  try {
    await createQueues(upstream.url, [queue], s.creds);
    server = await startServer(CONTENDERS.find((c) => c.key === "normal")!, { bin: s.bin, dir, endpoint: upstream.url });
    const total = s.beforeSeconds + s.outageSeconds + s.afterSeconds;
    const delayMs = Math.max(1, Math.round((1000 * s.connections) / s.rate));
    const wrk = startWrk({
      url: `http://127.0.0.1:${server.port}`,
      load: { queues: [queue], auths: [basicAuth(s.creds)], bodyBytes: s.bodyBytes, delayMs },
      seconds: total,
      threads: 1,
      connections: s.connections,
      dir,
    });
    const samples: BacklogSample[] = [];
    const t0 = performance.now();
    let phase: BacklogSample["phase"] = "before";
    let upAgainAt: number | null = null;
    let secondsToDrain: number | null = null;
    const sample = async () => {
      const st = await server!.stats();
      const mem = memoryMiB(server!.child.pid);
      const t = (performance.now() - t0) / 1000;
      samples.push({
        t: Math.round(t * 10) / 10,
        phase,
        rssMiB: Math.round(mem.rss * 10) / 10,
        peakMiB: Math.round(mem.peak * 10) / 10,
        spoolMiB: Math.round(dirMiB(server!.spoolDir!) * 100) / 100,
        accepted: st.accepted,
        sent: st.sent,
        pending: st.pending,
        inMemory: st.inMemory ?? 0,
        cpu: cpuSeconds(server!.child.pid),
      });
      if (upAgainAt !== null && secondsToDrain === null && st.pending <= Math.max(100, s.rate / 4))
        secondsToDrain = Math.round((performance.now() - upAgainAt) / 100) / 10;
    };
    // Every loop here is bounded by the run's length: one sample a second.
    for (let i = 0; i < total + 5; i++) {
      const elapsed = (performance.now() - t0) / 1000;
      if (elapsed >= total) break;
      if (phase === "before" && elapsed >= s.beforeSeconds) {
        log(`  stand-in down at ${elapsed.toFixed(1)} s`);
        await upstream!.stop();
        upstream = undefined;
        phase = "outage";
      } else if (phase === "outage" && elapsed >= s.beforeSeconds + s.outageSeconds) {
        upstream = await startLocalSqs({ bin: s.bin, dir, latencyMs: s.latencyMs, port, data });
        upAgainAt = performance.now();
        log(`  stand-in up again at ${elapsed.toFixed(1)} s on the same port`);
        phase = "after";
      }
      await sample();
      const last = samples[samples.length - 1]!;
      if (i % 10 === 0)
        log(
          `  t=${last.t}s ${last.phase}: rss ${last.rssMiB} MiB, spool ${last.spoolMiB} MiB, pending ${last.pending}, in memory ${last.inMemory}`,
        );
      const next = t0 + (i + 1) * 1000;
      await Bun.sleep(Math.max(0, next - performance.now()));
    }
    const w = await wrk.result;
    phase = "drain";
    const drained = await waitDrained(server, 120_000);
    await sample();
    const st = await server.stats();
    if (secondsToDrain === null && drained && upAgainAt !== null) secondsToDrain = Math.round((performance.now() - upAgainAt) / 100) / 10;
    let upstreamMessages: number | null = null;
    if (upstream) {
      const sqs = new SqsClient({ endpoint: upstream.url, region: REGION, timeoutMs: 10_000 });
      const attrs = await sqs.getQueueAttributes(s.creds, await sqs.getQueueUrl(s.creds, queue));
      upstreamMessages = Number(attrs.ApproximateNumberOfMessages ?? 0) + Number(attrs.ApproximateNumberOfMessagesNotVisible ?? 0);
    }
    const before = samples.filter((x) => x.phase === "before").slice(-3);
    const baseline = before.reduce((a, x) => a + x.rssMiB, 0) / Math.max(1, before.length);
    const outage = samples.filter((x) => x.phase === "outage");
    const outageMax = Math.max(...outage.map((x) => x.rssMiB), 0);
    const mean = (xs: BacklogSample[]) => Math.round((xs.reduce((a, x) => a + x.rssMiB, 0) / Math.max(1, xs.length)) * 10) / 10;
    const growth = baseline > 0 ? (outageMax - baseline) / baseline : 0;
    const nothingLost =
      drained && st.sent === st.accepted && (st.dead ?? 0) === 0 && (upstreamMessages === null || upstreamMessages >= st.accepted);
    return {
      settings: {
        rate: s.rate,
        connections: s.connections,
        beforeSeconds: s.beforeSeconds,
        outageSeconds: s.outageSeconds,
        afterSeconds: s.afterSeconds,
        latencyMs: s.latencyMs,
        bodyBytes: s.bodyBytes,
      },
      acceptedPerSec: Math.round(w.ok / w.seconds),
      ackMs: { p50: w.latencyMs.p50, p99: w.latencyMs.p99, p999: w.latencyMs.p999, max: w.latencyMs.max },
      non2xx: w.errors.status,
      samples,
      baselineRssMiB: Math.round(baseline * 10) / 10,
      outageMaxRssMiB: outageMax,
      outageFirstRssMiB: mean(outage.slice(0, 10)),
      outageLastRssMiB: mean(outage.slice(-10)),
      memoryGrowth: Math.round(growth * 1000) / 1000,
      peakRssMiB: Math.max(...samples.map((x) => x.peakMiB)),
      maxPending: Math.max(...samples.map((x) => x.pending)),
      maxSpoolMiB: Math.max(...samples.map((x) => x.spoolMiB)),
      secondsToDrain,
      accepted: st.accepted,
      sent: st.sent,
      dead: st.dead ?? 0,
      upstreamMessages,
      nothingLost,
      memoryFlat: Math.abs(growth) <= 0.2,
    };
  } finally {
    await server?.stop();
    await upstream?.child.kill();
    removeTempDir(dir);
  }
}

export function backlogMarkdown(r: BacklogResult): string {
  const s = r.settings;
  const summary = table(
    ["measure", "value"],
    [
      ["load (Lua-paced wrk)", `${fmt(r.acceptedPerSec)} msg/s accepted (target ${fmt(s.rate)}), ${s.connections} connections`],
      ["ack latency p50 / p99 / p99.9 / max", `${r.ackMs.p50} / ${r.ackMs.p99} / ${r.ackMs.p999} / ${r.ackMs.max} ms`],
      ["non-2xx answers", fmt(r.non2xx)],
      ["RSS before the outage (baseline)", `${r.baselineRssMiB} MiB`],
      ["highest RSS during the outage", `${r.outageMaxRssMiB} MiB (${r.memoryGrowth >= 0 ? "+" : ""}${fmt(r.memoryGrowth * 100, 1)}%)`],
      ["mean RSS over the outage's first / last 10 s", `${r.outageFirstRssMiB} / ${r.outageLastRssMiB} MiB`],
      ["peak RSS (VmHWM)", `${r.peakRssMiB} MiB`],
      ["largest backlog", `${fmt(r.maxPending)} messages, spool ${fmt(r.maxSpoolMiB, 1)} MiB on disk`],
      ["stand-in up → backlog drained", r.secondsToDrain === null ? "not drained" : `${r.secondsToDrain} s`],
      ["accepted / sent / dead", `${fmt(r.accepted)} / ${fmt(r.sent)} / ${fmt(r.dead)}`],
      ["messages at the stand-in", r.upstreamMessages === null ? "–" : fmt(r.upstreamMessages)],
      ["nothing lost (sent == accepted, none dead, all at the stand-in)", r.nothingLost ? "yes" : "NO"],
      ["memory flat (±20%) during the outage", r.memoryFlat ? "yes" : "NO"],
    ],
  );
  const rows = r.samples
    .filter((x, i) => i % 5 === 0 || x.phase === "drain" || (i > 0 && r.samples[i - 1]!.phase !== x.phase))
    .map((x) => [
      fmt(x.t, 0),
      x.phase,
      fmt(x.rssMiB, 1),
      fmt(x.spoolMiB, 2),
      fmt(x.pending),
      fmt(x.inMemory),
      fmt(x.accepted),
      fmt(x.sent),
    ]);
  const series = table(["t (s)", "phase", "RSS MiB", "spool MiB", "pending", "in memory", "accepted", "sent"], rows);
  return `${summary}\n\nOver time (every 5th one-second sample, and each phase change):\n\n${series}`;
}

// One trial: a fresh SQS stand-in and a fresh contender, a warm-up, a measured wrk run, then the drain.

import type { Credentials } from "../../src/sqs/types";
import { cpuSeconds, makeTempDir, memoryMiB, removeTempDir } from "./proc";
import { type ContenderDef, createQueues, type Server, type ServerStats, startLocalSqs, startServer, waitDrained } from "./servers";
import { runWrk, type WrkResult } from "./wrk";

export interface TrialSettings {
  bin: string;
  seconds: number;
  warmupSeconds: number;
  /** Longest wait for the backlog to drain after the measured run. */
  drainSeconds: number;
  threads: number;
  connections: number;
  bodyBytes: number;
  latencyMs: number;
  queues: string[];
  creds: Credentials[];
  auths: string[];
  /** taskset CPU lists: the contender on `server`, wrk and the stand-in on `load` (unset: not pinned). */
  pin?: { server: string; load: string };
  extraArgs?: string[];
  /** Lua-paced load: each connection waits this long before each request (unset: saturation). */
  delayMs?: number;
}

export interface Trial {
  round: number;
  contender: number;
  key: string;
  name: string;
  /** wrk's view of the measured run. */
  seconds: number;
  acceptedPerSec: number;
  answers: number;
  non2xx: number;
  socketErrors: number;
  ackMs: WrkResult["latencyMs"];
  /** Accept → SQS confirmed, the accelerator's /stats window (last ≤ 8192 deliveries) at the end of the trial. */
  deliveryMs: { p50: number; p90: number; p99: number; count: number } | null;
  /** /stats deltas over the measured run plus the drain. */
  accepted: number;
  sent: number;
  /** Messages the contender still held at the end (its /stats `pending`). */
  pendingAfter: number;
  upstreamRequests: number;
  messagesPerRequest: number | null;
  /** True when everything accepted was delivered before the drain limit. */
  drained: boolean;
  drainSeconds: number;
  cpu: {
    /** Contender CPU seconds during the measured run and during the drain. */
    load: number;
    drain: number;
    /** CPU seconds per 10k messages, accepting and delivering them. */
    per10k: number | null;
    /** per10k is a + d from the two phases (the backlog did not drain in time), not a plain quotient. */
    estimated: boolean;
    /** Delivery alone (the drain phase, no accepts): CPU seconds per 10k delivered messages, when there was a backlog. */
    deliveryPer10k: number | null;
    /** The SQS stand-in's CPU seconds per 10k messages (its cost is not the contender's). */
    upstreamPer10k: number | null;
  };
  peakRssMiB: number;
}

interface Snapshot {
  t: number;
  cpu: number;
  stats: ServerStats;
}

async function snapshot(server: Server): Promise<Snapshot> {
  const stats = await server.stats();
  return { t: performance.now(), cpu: cpuSeconds(server.child.pid), stats };
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

export async function runTrial(def: ContenderDef, round: number, s: TrialSettings, log: (line: string) => void): Promise<Trial> {
  const dir = makeTempDir("sqsacc-bench-trial-");
  const upstream = def.upstream ? await startLocalSqs({ bin: s.bin, dir, latencyMs: s.latencyMs, cpus: s.pin?.load }) : undefined;
  let server: Server | undefined;
  try {
    if (upstream) await createQueues(upstream.url, s.queues, s.creds[0]!);
    server = await startServer(def, {
      bin: s.bin,
      dir,
      ...(upstream ? { endpoint: upstream.url } : {}),
      ...(s.pin ? { cpus: s.pin.server } : {}),
      ...(s.extraArgs ? { extraArgs: s.extraArgs } : {}),
    });
    const wrk = (seconds: number) =>
      runWrk({
        url: `http://127.0.0.1:${server!.port}`,
        load: { queues: s.queues, auths: s.auths, bodyBytes: s.bodyBytes, ...(s.delayMs ? { delayMs: s.delayMs } : {}) },
        seconds,
        threads: s.threads,
        connections: s.connections,
        dir,
        ...(s.pin ? { cpus: s.pin.load } : {}),
      });
    if (s.warmupSeconds > 0) {
      await wrk(s.warmupSeconds);
      // A backlog left by the warm-up is given a little time; the two-phase CPU model accounts for the rest.
      if (def.async) await waitDrained(server, 3_000);
    }
    const upCpu0 = upstream ? cpuSeconds(upstream.child.pid) : 0;
    const s0 = await snapshot(server);
    const w = await wrk(s.seconds);
    const s1 = await snapshot(server);
    const drained = def.async ? await waitDrained(server, s.drainSeconds * 1000) : true;
    const s2 = await snapshot(server);
    const upCpu = upstream ? cpuSeconds(upstream.child.pid) - upCpu0 : 0;
    const peakRssMiB = memoryMiB(server.child.pid).peak;

    const A1 = s1.stats.accepted - s0.stats.accepted;
    const A = s2.stats.accepted - s0.stats.accepted;
    const S1 = s1.stats.sent - s0.stats.sent;
    const S2 = s2.stats.sent - s1.stats.sent;
    const S = S1 + S2;
    const C1 = s1.cpu - s0.cpu;
    const C2 = s2.cpu - s1.cpu;
    const requests = s2.stats.upstreamRequests - s0.stats.upstreamRequests;
    // CPU = a·accepted + d·sent: the drain phase (no accepts) gives d, the measured run then gives a.
    const d = S2 > 0 ? C2 / S2 : null;
    let per10k: number | null;
    let estimated = false;
    if (drained || !def.async) per10k = A > 0 ? ((C1 + C2) / A) * 1e4 : null;
    else if (d !== null && A1 > 0) {
      per10k = ((C1 - d * S1) / A1 + d) * 1e4;
      estimated = true;
    } else per10k = null;
    const delivery = def.upstream ? (s2.stats.deliveryLatencyMs ?? null) : null;
    const trial: Trial = {
      round,
      contender: def.n,
      key: def.key,
      name: def.name,
      seconds: round3(w.seconds),
      acceptedPerSec: Math.round(w.ok / w.seconds),
      answers: w.requests,
      non2xx: w.errors.status,
      socketErrors: w.errors.connect + w.errors.read + w.errors.write + w.errors.timeout,
      ackMs: w.latencyMs,
      deliveryMs: delivery && delivery.count > 0 ? delivery : null,
      accepted: A,
      sent: S,
      pendingAfter: s2.stats.pending,
      upstreamRequests: requests,
      messagesPerRequest: def.upstream && requests > 0 ? Math.round((S / requests) * 100) / 100 : null,
      drained,
      drainSeconds: round3((s2.t - s1.t) / 1000),
      cpu: {
        load: round3(C1),
        drain: round3(C2),
        per10k: per10k === null ? null : round3(per10k),
        estimated,
        deliveryPer10k: d !== null && S2 >= 100 ? round3(d * 1e4) : null,
        upstreamPer10k: upstream && S > 0 ? round3((upCpu / S) * 1e4) : null,
      },
      peakRssMiB: Math.round(peakRssMiB * 10) / 10,
    };
    log(
      `  round ${round} #${def.n} ${def.key.padEnd(7)} ${String(trial.acceptedPerSec).padStart(6)} msg/s  ack p50 ${trial.ackMs.p50} p99 ${trial.ackMs.p99} ms` +
        `  msgs/req ${trial.messagesPerRequest ?? "-"}  cpu/10k ${trial.cpu.per10k ?? "-"}${estimated ? " (est.)" : ""} s  rss ${trial.peakRssMiB} MiB` +
        `${drained ? "" : `  (not drained after ${s.drainSeconds} s: ${s2.stats.pending} pending)`}${w.errors.status ? `  non-2xx ${w.errors.status}` : ""}`,
    );
    return trial;
  } finally {
    await server?.stop();
    await upstream?.child.kill();
    removeTempDir(dir);
  }
}

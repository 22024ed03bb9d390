// Starting what the benchmark measures: the SQS stand-in (local-sqs), moto, and each contender, on 127.0.0.1.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SqsClient } from "../../src/sqs/client";
import type { Credentials } from "../../src/sqs/types";
import { type Child, cleanEnv, freePort, poll, spawnChild, waitListening } from "./proc";

export const ROOT = join(import.meta.dir, "..", "..");
export const REGION = "us-east-1";

/** The benchmark's credentials: the stand-ins accept any; n distinct access keys for the scale run. */
export function benchCredentials(n: number): Credentials[] {
  return Array.from({ length: n }, (_, i) => ({ accessKeyId: `AKIDBENCH${i}`, secretAccessKey: `bench-secret-${i}` }));
}
export const basicAuth = (c: Credentials) => `Basic ${Buffer.from(`${c.accessKeyId}:${c.secretAccessKey}`).toString("base64")}`;

export interface Upstream {
  url: string;
  port: number;
  child: Child;
  stop(): Promise<void>;
}

function tail(path: string | undefined): string {
  if (!path || !existsSync(path)) return "";
  return readFileSync(path, "utf8").slice(-2000);
}

/** The binary's own SQS-compatible server, answering every request after `latencyMs`. */
export async function startLocalSqs(opts: {
  bin: string;
  dir: string;
  latencyMs: number;
  port?: number;
  /** Keep its queues in DIR/local-sqs.sqlite (survives a restart on the same port). */
  data?: string;
  cpus?: string;
}): Promise<Upstream> {
  const port = opts.port ?? (await freePort());
  const log = join(opts.dir, `local-sqs-${port}.log`);
  const child = spawnChild(
    "local-sqs",
    [
      opts.bin,
      "local-sqs",
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      "--latency-ms",
      String(opts.latencyMs),
      "--data",
      opts.data ?? "none",
    ],
    { stderr: opts.data ? log : "ignore", cpus: opts.cpus },
  );
  try {
    await waitListening(child, port);
  } catch (err) {
    await child.kill();
    throw new Error(`${(err as Error).message}\n${tail(log)}`);
  }
  return { url: `http://127.0.0.1:${port}`, port, child, stop: () => child.kill("SIGTERM") };
}

/** moto's server (python3 -m moto.server), for the correctness spot check. */
export async function startMoto(dir: string): Promise<Upstream> {
  const probe = Bun.spawnSync(["python3", "-c", "import moto.server, flask"], { stdout: "ignore", stderr: "ignore" });
  if (probe.exitCode !== 0) {
    console.error("bench: installing moto[server] with pip for the spot check");
    Bun.spawnSync(["python3", "-m", "pip", "install", "--quiet", "moto[server]"], { stdout: "ignore", stderr: "inherit" });
  }
  const port = await freePort();
  const log = join(dir, "moto.log");
  const child = spawnChild("moto", ["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    stderr: log,
    env: cleanEnv({ MOTO_ALLOW_NONEXISTENT_REGION: "true" }),
  });
  try {
    await waitListening(child, port, 30_000, "/moto-api/");
  } catch (err) {
    await child.kill();
    throw new Error(`moto's server did not start (python3 -m pip install 'moto[server]'): ${(err as Error).message}\n${tail(log)}`);
  }
  return { url: `http://127.0.0.1:${port}`, port, child, stop: () => child.kill("SIGTERM") };
}

export async function createQueues(endpoint: string, names: string[], creds: Credentials): Promise<void> {
  const sqs = new SqsClient({ endpoint, region: REGION, timeoutMs: 10_000 });
  for (let i = 0; i < names.length; i += 20) await Promise.all(names.slice(i, i + 20).map((n) => sqs.createQueue(creds, n)));
}

/** What /stats says (the accelerator's; the two plain servers answer the subset they know). */
export interface ServerStats {
  accepted: number;
  sent: number;
  pending: number;
  inflight?: number;
  dead?: number;
  upstreamRequests: number;
  averageBatchSize?: number;
  inMemory?: number;
  ackLatencyMs?: { p50: number; p90: number; p99: number; count: number };
  deliveryLatencyMs?: { p50: number; p90: number; p99: number; count: number };
}

export type ContenderKey = "limit" | "none" | "normal" | "always" | "direct" | "nobatch" | LayerKey;
/** The layers between the limit and the accelerator (scripts/bench-lib/layer-server.ts). */
type LayerKey = "elysia" | "app" | "accept";

export interface ContenderDef {
  n: number;
  key: ContenderKey;
  name: string;
  /** Delivers to the SQS stand-in (so it gets one for each trial). */
  upstream: boolean;
  /** Accepts before delivering, so a backlog can be left after the load. */
  async: boolean;
}

export const CONTENDERS: ContenderDef[] = [
  { n: 1, key: "limit", name: "limit: bare Bun.serve, 202 + id", upstream: false, async: false },
  { n: 2, key: "none", name: "accelerator --spool none", upstream: true, async: true },
  { n: 3, key: "normal", name: "accelerator, durable spool (--fsync normal)", upstream: true, async: true },
  { n: 4, key: "always", name: "accelerator --fsync always", upstream: true, async: true },
  { n: 5, key: "direct", name: "no accelerator: SendMessage per request, 202 after SQS", upstream: true, async: false },
  { n: 6, key: "nobatch", name: "original design: accelerator --max-batch 1", upstream: true, async: true },
];

/** `--layers`: from the limit to the accelerator, one part of its work added at a time. */
export const LAYERS: ContenderDef[] = [
  { n: 1, key: "limit", name: "the limit: bare Bun.serve, 202 + id", upstream: false, async: false },
  { n: 2, key: "elysia", name: "+ Elysia: one route doing the same", upstream: false, async: false },
  {
    n: 3,
    key: "app",
    name: "+ the accelerator's app (guard, auth, parsing, validation), a dispatcher that drops",
    upstream: false,
    async: false,
  },
  { n: 4, key: "accept", name: "+ delivery engine and durable spool, SQS unreachable (accepting only)", upstream: false, async: false },
  { n: 5, key: "normal", name: "+ delivery: the accelerator, durable spool (contender 3)", upstream: true, async: true },
];

export interface Server {
  port: number;
  child: Child;
  spoolDir?: string;
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

/** The accelerator's flags for a contender: its defaults but for the spool and batching (the log level too: info). */
export function acceleratorArgs(key: ContenderKey, port: number, endpoint: string, spoolDir: string, extra: string[] = []): string[] {
  const args = ["--port", String(port), "--host", "127.0.0.1", "--endpoint", endpoint, "--region", REGION];
  if (key === "none") args.push("--spool", "none");
  else args.push("--spool", spoolDir, "--fsync", key === "always" ? "always" : "normal");
  if (key === "nobatch") args.push("--max-batch", "1");
  return [...args, ...extra];
}

async function getStats(port: number): Promise<ServerStats> {
  const r = await fetch(`http://127.0.0.1:${port}/stats`, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(10_000) });
  if (!r.ok) throw new Error(`GET /stats answered ${r.status}`);
  const s = (await r.json()) as Partial<ServerStats>;
  return { sent: 0, pending: 0, upstreamRequests: 0, ...s, accepted: s.accepted ?? 0 };
}

/** Starts one contender on a free port and waits until it answers. */
export async function startServer(
  def: ContenderDef,
  opts: { bin: string; dir: string; endpoint?: string; cpus?: string; extraArgs?: string[] },
): Promise<Server> {
  const port = await freePort();
  const log = join(opts.dir, `${def.key}.log`);
  let cmd: string[];
  let spoolDir: string | undefined;
  if (def.key === "limit") cmd = [process.execPath, join(ROOT, "scripts", "bench-lib", "limit-server.ts"), String(port)];
  else if (def.key === "elysia" || def.key === "app" || def.key === "accept") {
    cmd = [process.execPath, join(ROOT, "scripts", "bench-lib", "layer-server.ts"), def.key, String(port)];
    if (def.key === "accept") {
      spoolDir = join(opts.dir, "spool-accept");
      cmd.push(spoolDir);
    }
  } else if (def.key === "direct")
    cmd = [process.execPath, join(ROOT, "scripts", "bench-lib", "direct-server.ts"), String(port), opts.endpoint!];
  else {
    spoolDir = join(opts.dir, `spool-${def.key}`);
    cmd = [opts.bin, ...acceleratorArgs(def.key, port, opts.endpoint!, spoolDir, opts.extraArgs)];
  }
  const child = spawnChild(def.key, cmd, { stderr: log, cpus: opts.cpus, cwd: ROOT });
  try {
    await waitListening(child, port, 15_000, "/stats");
  } catch (err) {
    await child.kill();
    throw new Error(`${(err as Error).message}\n${tail(log)}`);
  }
  return {
    port,
    child,
    ...(spoolDir ? { spoolDir } : {}),
    stats: () => getStats(port),
    stop: () => child.kill("SIGKILL"),
  };
}

/** Waits until everything accepted is delivered (or dead), up to `ms`; returns whether it got there. */
export async function waitDrained(server: Server, ms: number): Promise<boolean> {
  const done = await poll(
    async () => {
      const s = await server.stats();
      return s.pending === 0 && (s.inflight ?? 0) === 0;
    },
    ms,
    50,
  );
  return done === true;
}

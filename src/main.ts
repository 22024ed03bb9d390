// The CLI: parse flags and environment, wire the parts, listen, and drain on SIGTERM/SIGINT.

import { join } from "node:path";
import { createApp } from "./app";
import { type Config, loadConfig } from "./config";
import { DeliveryEngine } from "./delivery/dispatcher";
import { MemorySpool, type Spool } from "./delivery/spool";
import { SqliteSpool } from "./delivery/sqlite-spool";
import { activity } from "./delivery/stats";
import { maxRequestBytes } from "./http/guard";
import type { LocalSqs } from "./local-sqs/server";
import { createLogger, type Logger } from "./log";
import { SqsClient } from "./sqs/client";
import { WorkerSender } from "./sqs/remote-sender";
import type { Credentials } from "./sqs/types";
import { VERSION } from "./version";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);
const MEMORY_MODE_MAX_BYTES = 256 * 1024 * 1024;

function openSpool(config: Config, log: Logger): Spool {
  if (config.spool === null) return new MemorySpool();
  try {
    return new SqliteSpool(config.spool, { fsync: config.fsync, log });
  } catch (err) {
    console.error(`sqs-accelerator: cannot open the spool in ${config.spool}: ${(err as Error).message}`);
    process.exit(1);
  }
}

/** Credentials the daemon itself has, from the environment (never from disk). */
export function serverCredentials(env: Record<string, string | undefined>): Credentials | undefined {
  const id = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if (!id || !secret) return undefined;
  return env.AWS_SESSION_TOKEN
    ? { accessKeyId: id, secretAccessKey: secret, sessionToken: env.AWS_SESSION_TOKEN }
    : { accessKeyId: id, secretAccessKey: secret };
}

/** Credentials used in --local mode when a request brings none (the embedded server accepts any). */
export const LOCAL_CREDENTIALS: Credentials = { accessKeyId: "LOCAL", secretAccessKey: "local-sqs-accepts-any-secret" };

export async function serve(config: Config, env: Record<string, string | undefined> = {}) {
  const log = createLogger(config.logLevel);
  let local: LocalSqs | undefined;
  if (config.local) {
    // The embedded SQS-compatible server on a free loopback port; its queues live beside the spool.
    // Loaded only when asked for, so the plain daemon starts without it.
    const { startLocalSqs } = await import("./local-sqs/server");
    local = startLocalSqs({
      port: 0,
      host: "127.0.0.1",
      data: config.spool === null ? null : join(config.spool, "local-sqs"),
      region: config.region,
    });
    config.endpoint = local.url;
  }
  const sqs = new SqsClient({ endpoint: config.endpoint, region: config.region, timeoutMs: config.upstreamTimeoutMs });
  const spool = openSpool(config, log);
  const dispatcher = new DeliveryEngine({
    sqs,
    ...(config.senderThread === "on"
      ? { sender: new WorkerSender({ endpoint: config.endpoint, region: config.region, timeoutMs: config.upstreamTimeoutMs }) }
      : {}),
    spool,
    log,
    options: {
      maxInflight: config.maxInflight,
      maxBatch: config.maxBatch,
      lingerMs: config.lingerMs,
      maxPending: config.maxPending,
      // Without a spool the backlog is in RAM: bound it tighter than the disk default.
      maxSpoolBytes: config.spool === null ? Math.min(config.maxSpoolBytes, MEMORY_MODE_MAX_BYTES) : config.maxSpoolBytes,
      retry: {
        baseMs: config.retryBaseMs,
        throttleBaseMs: config.throttleBaseMs,
        capMs: config.retryCapMs,
        maxAgeMs: config.maxRetryAgeMs,
      },
      serverCredentials: serverCredentials(env),
    },
  });
  dispatcher.start();
  // At info, one line a minute says what was delivered; each SQS request is logged at debug.
  let lastStats = dispatcher.stats();
  const activityTimer = setInterval(() => {
    const now = dispatcher.stats();
    const fields = activity(lastStats, now);
    lastStats = now;
    if (fields) log.info("in the last minute", fields);
  }, 60_000);
  activityTimer.unref();
  const app = createApp({ config, sqs, dispatcher, log, ...(local ? { defaultCredentials: LOCAL_CREDENTIALS } : {}) });
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      port: config.port,
      hostname: config.host,
      fetch: app.fetch,
      maxRequestBodySize: maxRequestBytes("*", config.maxBodyBytes),
      development: false,
    });
  } catch (err) {
    console.error(`sqs-accelerator: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`);
    process.exit(1);
  }
  const where = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${server.port}`;
  console.error(
    `sqs-accelerator ${VERSION} listening on ${where} region=${config.region} endpoint=${config.endpoint}${local ? " (embedded local-sqs)" : ""} spool=${config.spool ?? "none (in memory)"}`,
  );
  if (!LOOPBACK.has(config.host))
    log.warn("listening beyond loopback: anyone who can reach this address can send with the credentials they present", {
      host: config.host,
    });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      // A second signal: the operator will not wait for the drain. What the spool holds stays there.
      const pending = dispatcher.stats().pending;
      log.warn("second signal: exiting without waiting for the drain", {
        signal,
        pending,
        kept: pending > 0 ? config.spool !== null : undefined,
      });
      process.exit(1);
    }
    stopping = true;
    clearInterval(activityTimer);
    log.info("stopping: no new messages; delivering what is pending", { signal, drain_ms: config.drainTimeoutMs });
    const drained = dispatcher.stop({ drainMs: config.drainTimeoutMs });
    await drained;
    await server.stop();
    await local?.stop();
    log.info("stopped", dispatcher.stats().pending ? { pending: dispatcher.stats().pending } : {});
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  return { server, dispatcher };
}

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<void> {
  const cmd = loadConfig(argv, env);
  switch (cmd.kind) {
    case "help":
      process.stdout.write(cmd.text);
      return;
    case "version":
      process.stdout.write(`sqs-accelerator ${VERSION}\n`);
      return;
    case "error":
      for (const p of cmd.problems) console.error(`sqs-accelerator: ${p}`);
      process.exit(2);
      return;
    case "replay": {
      const spool = new SqliteSpool(cmd.spool, { fsync: "normal" });
      const moved = spool.requeueDead(cmd.queue);
      spool.close();
      process.stdout.write(
        `re-queued ${moved} dead letter${moved === 1 ? "" : "s"}${cmd.queue ? ` of ${cmd.queue}` : ""} in ${cmd.spool}; ` +
          "they are delivered when the accelerator next starts and the credentials that sent them are presented\n",
      );
      return;
    }
    case "local-sqs": {
      const { startLocalSqs } = await import("./local-sqs/server");
      const server = startLocalSqs({ ...cmd.options, log: (line) => process.stderr.write(`${line}\n`) });
      console.error(`sqs-accelerator ${VERSION} local-sqs listening on ${server.url} data=${cmd.options.data ?? "none (in memory)"}`);
      const stop = async () => {
        await server.stop();
        process.exit(0);
      };
      process.on("SIGTERM", () => void stop());
      process.on("SIGINT", () => void stop());
      return;
    }
    case "serve":
      await serve(cmd.config, env);
  }
}

if (import.meta.main)
  main(process.argv.slice(2), process.env).catch((err) => {
    console.error(`sqs-accelerator: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });

// The layers between the limit and the accelerator, for `scripts/bench --layers`: each adds one part
// of what the accelerator does to a request, so the run shows where the gap to the limit goes.
//   elysia  Elysia with one route doing what the limit does (read the form, 202 + id), parse: "none"
//   app     the accelerator's own Elysia app (createApp: Host/Origin guard, Basic auth, strict form
//           parsing, SQS validation, content negotiation) with a dispatcher that accepts and drops
//           (and keeps no ack latency histogram: the engine's is counted in the next layer)
//   accept  the app with the delivery engine and the durable spool (--fsync normal) in DIR, SQS
//           unreachable: every message is committed and waits on disk, none is sent
// Usage: bun scripts/bench-lib/layer-server.ts elysia|app|accept PORT [DIR]
import { Elysia } from "elysia";
import { createApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { DeliveryEngine } from "../../src/delivery/dispatcher";
import { SqliteSpool } from "../../src/delivery/sqlite-spool";
import type { DeliveryStats, Dispatcher } from "../../src/delivery/types";
import { maxRequestBytes } from "../../src/http/guard";
import { silentLogger } from "../../src/log";
import { SqsClient } from "../../src/sqs/client";
import { WorkerSender } from "../../src/sqs/remote-sender";

const [layer, portArg, dir] = process.argv.slice(2);
const port = Number(portArg);
// Nothing listens on the discard port: every SQS request fails at once (connection refused).
const UNREACHABLE = "http://127.0.0.1:9";
// The daemon's own defaults, as its command line gives them, but for the limit on waiting messages:
// at ~50k msg/s the default (1,000,000) would answer 503 after some 20 s of this layer's runs.
const cmd = loadConfig(["--endpoint", UNREACHABLE, "--spool", dir ?? "none", "--max-pending", "100000000"], {});
if (cmd.kind !== "serve") throw new Error(`layer-server: ${JSON.stringify(cmd)}`);
const config = cmd.config;

/** Counts what it is given and keeps nothing: the app's cost without the engine's. */
function droppingDispatcher(): Dispatcher {
  const counts = { accepted: 0, sent: 0, retried: 0, dead: 0, pending: 0, inMemory: 0, inflight: 0, upstreamRequests: 0 };
  const none = { p50: 0, p90: 0, p99: 0, count: 0 };
  const stats = (): DeliveryStats => ({ ...counts, averageBatchSize: 0, ackLatencyMs: none, deliveryLatencyMs: none });
  return {
    accept: async (messages) => {
      counts.accepted += messages.length;
    },
    recordAck: () => {},
    status: () => undefined,
    stats,
    health: () => ({ ok: true }) as ReturnType<Dispatcher["health"]>,
    offerCredentials: () => {},
    deadLetters: () => ({ total: 0, items: [] }),
    retryDead: async () => "not-found",
    discardDead: () => "not-found",
    start: () => {},
    stop: async () => {},
  };
}

function serve(fetch: (request: Request) => Response | Promise<Response>): void {
  Bun.serve({ port, hostname: "127.0.0.1", development: false, fetch, maxRequestBodySize: maxRequestBytes("*", config.maxBodyBytes) });
}

if (layer === "elysia") {
  let accepted = 0;
  const app = new Elysia()
    .get("/stats", () => ({ accepted, sent: 0, pending: 0, upstreamRequests: 0 }))
    .post(
      "/queues/:name",
      async ({ request, params, set }) => {
        const form = new URLSearchParams(await request.text());
        if (form.get("message_body") === null) {
          set.status = 400;
          return { error: "message_body is required" };
        }
        accepted++;
        set.status = 202;
        return { id: Bun.randomUUIDv7(), queue: params.name };
      },
      { parse: "none" },
    );
  serve(app.fetch);
} else if (layer === "app" || layer === "accept") {
  const sqs = new SqsClient({ endpoint: UNREACHABLE, region: config.region, timeoutMs: config.upstreamTimeoutMs });
  let dispatcher: Dispatcher;
  if (layer === "app") dispatcher = droppingDispatcher();
  else {
    if (!config.spool) throw new Error("the accept layer needs a spool directory");
    // As src/main.ts builds it (the sender thread on, --fsync normal), logging nothing.
    const engine = new DeliveryEngine({
      sqs,
      sender: new WorkerSender({ endpoint: UNREACHABLE, region: config.region, timeoutMs: config.upstreamTimeoutMs }),
      spool: new SqliteSpool(config.spool, { fsync: config.fsync }),
      log: silentLogger,
      options: {
        maxInflight: config.maxInflight,
        maxBatch: config.maxBatch,
        lingerMs: config.lingerMs,
        maxPending: config.maxPending,
        maxSpoolBytes: config.maxSpoolBytes,
        retry: {
          baseMs: config.retryBaseMs,
          throttleBaseMs: config.throttleBaseMs,
          capMs: config.retryCapMs,
          maxAgeMs: config.maxRetryAgeMs,
        },
      },
    });
    engine.start();
    dispatcher = engine;
  }
  serve(createApp({ config, sqs, dispatcher }).fetch);
} else {
  console.error("usage: bun scripts/bench-lib/layer-server.ts elysia|app|accept PORT [DIR]");
  process.exit(2);
}

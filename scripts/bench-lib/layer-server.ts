// The layers between the limit and the accelerator, for `scripts/bench --layers`: each adds one part
// of what the accelerator does to a request, so the run shows where the gap to the limit goes.
//   elysia  Elysia with one route doing what the limit does (read the form, 202 + id), parse: "none"
//   app     the accelerator's own Elysia app (createApp: Host/Origin guard, Basic auth, strict form
//           parsing, SQS validation, content negotiation) with a dispatcher that accepts and drops
//   accept  the app with the delivery engine and the durable spool (--fsync normal) in DIR, SQS
//           unreachable: every message is committed and waits on disk, none is sent
// Usage: bun scripts/bench-lib/layer-server.ts elysia|app|accept PORT [DIR]
import { Elysia } from "elysia";
import { createApp } from "../../src/app";
import { DeliveryEngine } from "../../src/delivery/dispatcher";
import { SqliteSpool } from "../../src/delivery/sqlite-spool";
import type { DeliveryStats, Dispatcher } from "../../src/delivery/types";
import { maxRequestBytes } from "../../src/http/guard";
import { silentLogger } from "../../src/log";
import { SqsClient } from "../../src/sqs/client";
import { WorkerSender } from "../../src/sqs/remote-sender";

const [layer, portArg, dir] = process.argv.slice(2);
const port = Number(portArg);
const MAX_BODY = 1024 * 1024;
// Nothing listens on the discard port: every SQS request fails at once (connection refused).
const UNREACHABLE = "http://127.0.0.1:9";

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
  Bun.serve({ port, hostname: "127.0.0.1", development: false, fetch, maxRequestBodySize: maxRequestBytes("*", MAX_BODY) });
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
  const sqs = new SqsClient({ endpoint: UNREACHABLE, region: "us-east-1", timeoutMs: 10_000 });
  let dispatcher: Dispatcher;
  if (layer === "app") dispatcher = droppingDispatcher();
  else {
    if (!dir) throw new Error("the accept layer needs a spool directory");
    const engine = new DeliveryEngine({
      sqs,
      sender: new WorkerSender({ endpoint: UNREACHABLE, region: "us-east-1", timeoutMs: 10_000 }),
      spool: new SqliteSpool(dir, { fsync: "normal" }),
      log: silentLogger,
      options: {
        maxInflight: 32,
        maxBatch: 10,
        lingerMs: 0,
        maxPending: 100_000_000,
        maxSpoolBytes: 64 * 1024 ** 3,
        retry: { baseMs: 50, throttleBaseMs: 1_000, capMs: 20_000, maxAgeMs: 24 * 3_600_000 },
      },
    });
    engine.start();
    dispatcher = engine;
  }
  serve(createApp({ config: { maxBodyBytes: MAX_BODY, allowedHosts: [] }, sqs, dispatcher }).fetch);
} else {
  console.error("usage: bun scripts/bench-lib/layer-server.ts elysia|app|accept PORT [DIR]");
  process.exit(2);
}

// Contender 5, "what the app pays without us": a tiny Bun server that, per request, sends SendMessage to SQS
// (signed with the repo's SqsClient, as an SDK would) and answers 202 only after SQS has.
// Usage: bun scripts/bench-lib/direct-server.ts PORT ENDPOINT
import { credentialsFrom } from "../../src/credentials/basic";
import { LatencyWindow } from "../../src/delivery/stats";
import { SqsClient } from "../../src/sqs/client";

const port = Number(process.argv[2]);
const endpoint = process.argv[3]!;
const sqs = new SqsClient({ endpoint, region: "us-east-1", timeoutMs: 10_000 });
/** accepted = answered 202 = sent: this server acknowledges only what SQS confirmed. */
const counters = { accepted: 0, sent: 0, failed: 0, upstreamRequests: 0 };
const delivery = new LatencyWindow();

Bun.serve({
  port,
  hostname: "127.0.0.1",
  development: false,
  async fetch(req) {
    const url = new URL(req.url);
    if (req.method === "GET")
      return Response.json({
        ...counters,
        pending: 0,
        averageBatchSize: 1,
        ackLatencyMs: delivery.percentiles(),
        deliveryLatencyMs: delivery.percentiles(),
      });
    const started = performance.now();
    const creds = credentialsFrom(req.headers);
    if (!creds) return Response.json({ error: "Basic auth required" }, { status: 401 });
    const queue = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
    const body = new URLSearchParams(await req.text()).get("message_body");
    if (body === null) return Response.json({ error: "message_body is required" }, { status: 400 });
    try {
      const queueUrl = await sqs.getQueueUrl(creds, queue);
      counters.upstreamRequests++;
      const r = await sqs.sendMessage(creds, queueUrl, { MessageBody: body });
      counters.sent++;
      counters.accepted++;
      delivery.add(performance.now() - started);
      return Response.json({ id: r.MessageId, queue }, { status: 202 });
    } catch (err) {
      counters.failed++;
      return Response.json({ error: String(err) }, { status: 502 });
    }
  },
});

// Correctness spot check: the accelerator (durable spool) in front of moto, a short wrk run with a unique body per
// request, then the queue is read back with ReceiveMessage: every acknowledged body must have arrived.
import { SqsClient } from "../../src/sqs/client";
import type { Credentials } from "../../src/sqs/types";
import { makeTempDir, poll, removeTempDir } from "./proc";
import { basicAuth, CONTENDERS, createQueues, REGION, startMoto, startServer, waitDrained } from "./servers";
import { startWrk } from "./wrk";

export interface SpotResult {
  upstream: "moto";
  /** Requests wrk got 202 for. */
  acknowledged: number;
  /** What the accelerator's /stats counted as accepted and sent. */
  accepted: number;
  sent: number;
  /** Distinct bodies read back from moto. */
  received: number;
  missing: number;
  duplicates: number;
  /** Bodies in the queue that wrk did not see acknowledged (e.g. an answer cut off when wrk stopped). */
  unacknowledgedExtras: number;
  missingExamples: string[];
  /** Every acknowledged message arrived. */
  ok: boolean;
  seconds: number;
}

export async function spotCheck(
  opts: { bin: string; messages: number; creds: Credentials },
  log: (line: string) => void,
): Promise<SpotResult> {
  const started = performance.now();
  const dir = makeTempDir("sqsacc-bench-spot-");
  const moto = await startMoto(dir);
  const queue = "bench-spot";
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    await createQueues(moto.url, [queue], opts.creds);
    server = await startServer(CONTENDERS.find((c) => c.key === "normal")!, { bin: opts.bin, dir, endpoint: moto.url });
    // One connection per wrk thread, so each answer is matched with the body just sent on it.
    const threads = 4;
    const perThread = Math.max(1, Math.ceil(opts.messages / threads));
    const wrk = startWrk({
      url: `http://127.0.0.1:${server.port}`,
      load: { queues: [queue], auths: [basicAuth(opts.creds)], bodyBytes: 0, spot: { perThread, tag: `spot${Date.now().toString(36)}` } },
      seconds: 120,
      threads,
      connections: threads,
      dir,
    });
    // Each wrk thread stops itself after perThread answers, but wrk itself waits out -d: end it once all are in.
    const srv = server;
    let last = -1;
    let sameSince = performance.now();
    await poll(
      async () => {
        const { accepted } = await srv.stats();
        if (accepted !== last) {
          last = accepted;
          sameSince = performance.now();
        }
        return accepted >= perThread * threads || performance.now() - sameSince > 3_000;
      },
      60_000,
      50,
    );
    await wrk.stop();
    const w = await wrk.result;
    const acked = w.acked ?? [];
    const drained = await waitDrained(server, 60_000);
    const stats = await server.stats();
    if (!drained) log(`  spot check: the accelerator still had ${stats.pending} pending after 60 s`);

    const sqs = new SqsClient({ endpoint: moto.url, region: REGION, timeoutMs: 10_000 });
    const url = await sqs.getQueueUrl(opts.creds, queue);
    const bodies: string[] = [];
    let empty = 0;
    // moto's ReceiveMessage slows down with the queue's length (about 1 s a call at 2000 messages), so each batch
    // read is deleted at once, and the time allowed grows with the count.
    const deadline = performance.now() + Math.max(60_000, opts.messages * 100);
    for (let i = 0; i < opts.messages + 100 && performance.now() < deadline; i++) {
      const r = await sqs.call<{ Messages?: Array<{ Body: string; ReceiptHandle: string }> }>(opts.creds, "ReceiveMessage", {
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 600,
        WaitTimeSeconds: 0,
      });
      const got = r.Messages ?? [];
      for (const m of got) bodies.push(m.Body);
      if (got.length > 0)
        await sqs.call(opts.creds, "DeleteMessageBatch", {
          QueueUrl: url,
          Entries: got.map((m, k) => ({ Id: String(k), ReceiptHandle: m.ReceiptHandle })),
        });
      if (got.length === 0) {
        // Read until the queue has given everything acknowledged and then answered empty a few times.
        if (++empty >= (bodies.length >= acked.length ? 3 : 20)) break;
        await Bun.sleep(100);
      } else empty = 0;
    }
    const received = new Set(bodies);
    const ackedSet = new Set(acked);
    const missing = acked.filter((b) => !received.has(b));
    const result: SpotResult = {
      upstream: "moto",
      acknowledged: acked.length,
      accepted: stats.accepted,
      sent: stats.sent,
      received: received.size,
      missing: missing.length,
      duplicates: bodies.length - received.size,
      unacknowledgedExtras: [...received].filter((b) => !ackedSet.has(b)).length,
      missingExamples: missing.slice(0, 5),
      ok: acked.length > 0 && missing.length === 0,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
    log(
      `  spot check (moto): ${result.acknowledged} acknowledged, ${result.received} received, ${result.missing} missing, ` +
        `${result.duplicates} duplicates, ${result.unacknowledgedExtras} extra: ${result.ok ? "OK" : "FAILED"}`,
    );
    return result;
  } finally {
    await server?.stop();
    await moto.child.kill();
    removeTempDir(dir);
  }
}

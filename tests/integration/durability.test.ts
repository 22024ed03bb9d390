// Durability of the compiled daemon as a real process: kill -9 and restart, SIGTERM drain, backpressure, dead letters and replay.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { SqsClient } from "../../src/sqs/client";
import type { Credentials } from "../../src/sqs/types";
import { basic, freePort, type Moto, startMoto, tempDir, waitFor } from "../helpers";

const ROOT = join(import.meta.dir, "..", "..");
const BIN = join(ROOT, "dist", "sqs-accelerator");

const uniq = (p: string) => `${p}-${Math.random().toString(36).slice(2, 8)}`;
const creds = (accessKeyId: string): Credentials => ({ accessKeyId, secretAccessKey: `secret-of-${accessKeyId}/x+y` });

interface Daemon {
  proc: Subprocess<"ignore", "ignore", "pipe">;
  port: number;
  url: string;
  /** Everything the daemon wrote to stderr so far (for failure messages). */
  log: () => string;
}

/** Queues the kill -9 load is spread over, and the acknowledgements after which the process is killed. */
const QUEUES = 40;
const MAX_ACKED = 3_000;

const running = new Set<Daemon>();
const dirs: Array<{ remove: () => void }> = [];
let moto: Moto;
let sqs: SqsClient;

beforeAll(async () => {
  if (!existsSync(BIN)) {
    const build = Bun.spawnSync([process.execPath, "scripts/build.ts"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    if (build.exitCode !== 0) throw new Error(`could not build ${BIN}:\n${build.stderr.toString()}`);
  }
  moto = await startMoto();
  sqs = new SqsClient({ endpoint: moto.url, region: "us-east-1", timeoutMs: 10_000 });
});

/** Kills (by their own pid) the daemons a test left running, so a failure cannot keep loading moto. */
async function killRunning(): Promise<void> {
  for (const d of [...running]) {
    d.proc.kill("SIGKILL");
    await d.proc.exited;
    running.delete(d);
  }
}

afterEach(killRunning);

afterAll(async () => {
  await killRunning();
  await moto?.stop();
  for (const d of dirs) d.remove();
});

function spoolDir(): string {
  const d = tempDir("sqsacc-durable-");
  dirs.push(d);
  return d.path;
}

/** An endpoint on loopback where nothing listens: every upstream request is refused at once. */
async function unreachable(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

/** Starts dist/sqs-accelerator and waits until it answers GET /health. */
async function startDaemon(args: string[], port?: number): Promise<Daemon> {
  const p = port ?? (await freePort());
  const proc = Bun.spawn([BIN, "--port", String(p), "--log-level", "warn", ...args], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir(), LANG: "C.UTF-8" },
  });
  let text = "";
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) if (text.length < 200_000) text += decoder.decode(chunk);
  })().catch(() => {});
  const d: Daemon = { proc, port: p, url: `http://127.0.0.1:${p}`, log: () => text };
  running.add(d);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break;
    try {
      const r = await fetch(`${d.url}/health`);
      await r.arrayBuffer();
      return d;
    } catch {
      // not listening yet
    }
    await Bun.sleep(25);
  }
  proc.kill("SIGKILL");
  await proc.exited;
  running.delete(d);
  throw new Error(`the daemon did not start (${[BIN, ...args].join(" ")}):\n${text.slice(-2000)}`);
}

/** Sends `signal` and waits (bounded) for the exit; returns the exit code, or null if it had to be killed. */
async function stopDaemon(d: Daemon, signal: "SIGTERM" | "SIGKILL", ms = 10_000): Promise<number | null> {
  d.proc.kill(signal);
  const code = await Promise.race([d.proc.exited, Bun.sleep(ms).then(() => "timeout" as const)]);
  if (code === "timeout") {
    d.proc.kill("SIGKILL");
    await d.proc.exited;
    running.delete(d);
    throw new Error(`the daemon did not exit within ${ms} ms of ${signal}:\n${d.log().slice(-2000)}`);
  }
  running.delete(d);
  return signal === "SIGKILL" ? d.proc.exitCode : code;
}

interface CallInit {
  method?: string;
  auth?: Credentials;
  body?: string;
  json?: unknown;
  /**
   * Retry (bounded) when the connection fails: a pooled keep-alive socket may belong to a killed
   * process. Default: for GET only, since a retried send could be accepted twice.
   */
  retry?: boolean;
}

async function call(d: Daemon, path: string, init: CallInit = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (init.auth) headers.authorization = basic(init.auth);
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers["content-type"] = "application/json";
  } else if (body !== undefined) headers["content-type"] = "text/plain; charset=utf-8";
  const attempts = (init.retry ?? (init.method ?? "GET") === "GET") ? 3 : 1;
  for (let i = 1; ; i++) {
    try {
      return await fetch(`${d.url}${path}`, { method: init.method ?? "GET", headers, body });
    } catch (err) {
      if (i >= attempts) throw err;
      await Bun.sleep(50);
    }
  }
}

async function json<T = Record<string, unknown>>(r: Response): Promise<T> {
  return (await r.json()) as T;
}

/** POST /queues/NAME with a raw body; returns the id of a 202. */
async function send(d: Daemon, queue: string, body: string, auth: Credentials): Promise<string> {
  const r = await call(d, `/queues/${queue}`, { method: "POST", body, auth });
  const answer = await json<{ id: string; queue: string }>(r);
  if (r.status !== 202) throw new Error(`send to ${queue} answered ${r.status}: ${JSON.stringify(answer)}`);
  expect(answer.queue).toBe(queue);
  return answer.id;
}

/** Creates a queue in moto directly (the daemon of the test may point elsewhere). */
async function motoQueue(name: string, c: Credentials): Promise<string> {
  return sqs.createQueue(c, name);
}

/**
 * Receives from moto (and deletes what it got) until `done()` or `ms` pass; counts bodies in `seen`.
 * Bounded in time and in the number of requests.
 */
async function collect(c: Credentials, queueUrl: string, seen: Map<string, number>, done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < 20_000 && !done() && Date.now() < deadline; i++) {
    const r = await sqs.call<{ Messages?: Array<{ Body: string; ReceiptHandle: string }> }>(c, "ReceiveMessage", {
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 600,
      WaitTimeSeconds: 0,
    });
    const msgs = r.Messages ?? [];
    for (const m of msgs) seen.set(m.Body, (seen.get(m.Body) ?? 0) + 1);
    if (msgs.length > 0)
      await sqs.call(c, "DeleteMessageBatch", {
        QueueUrl: queueUrl,
        Entries: msgs.map((m, k) => ({ Id: String(k), ReceiptHandle: m.ReceiptHandle })),
      });
    else await Bun.sleep(100);
  }
}

const missingFrom = (seen: Map<string, number>, bodies: Iterable<string>) => [...bodies].filter((b) => !seen.has(b));

/** Waits until every body is in moto; fails listing (a few of) the missing ones. */
async function expectDelivered(c: Credentials, queueUrl: string, bodies: string[], ms: number, seen = new Map<string, number>()) {
  await collect(c, queueUrl, seen, () => missingFrom(seen, bodies).length === 0, ms);
  const missing = missingFrom(seen, bodies);
  expect({ missing: missing.length, examples: missing.slice(0, 5) }).toEqual({ missing: 0, examples: [] });
  return seen;
}

async function messageStatus(d: Daemon, id: string): Promise<Record<string, unknown> | undefined> {
  const r = await call(d, `/messages/${id}`);
  if (r.status === 404) {
    await r.arrayBuffer();
    return undefined;
  }
  expect(r.status).toBe(200);
  return json(r);
}

describe("durability of the compiled daemon", () => {
  test("kill -9 under load loses no acknowledged message; a restart delivers them once the key is presented", async () => {
    const dir = spoolDir();
    const me = creds("AKIDKILL9");
    // moto's ReceiveMessage costs time in proportion to the queue's length for every message it
    // returns, so the load is spread over several queues to keep draining them quick.
    const base = uniq("durable-kill");
    const queues = Array.from({ length: QUEUES }, (_, k) => `${base}-${k}`);
    const a = await startDaemon(["--endpoint", moto.url, "--spool", dir]);
    for (const queue of queues) {
      const created = await call(a, "/queues", { method: "POST", json: { queue_name: queue }, auth: me });
      expect(created.status).toBe(201);
      await created.arrayBuffer();
    }

    // 40 workers send distinct bodies as fast as the daemon answers; only a 202 is an acknowledgement.
    const acked = new Map<string, string>(); // body → queue
    let killed = false;
    let failedAfterKill = 0;
    let refusedBeforeKill = 0;
    let outstanding = 0;
    const startedAt = Date.now();
    const worker = async (w: number) => {
      const queue = queues[w % QUEUES]!;
      for (let i = 0; i < 2_000 && !killed && Date.now() - startedAt < 10_000; i++) {
        const body = `kill9 w${w} n${i} ${Math.random().toString(36).slice(2)}`;
        outstanding++;
        try {
          const r = await call(a, `/queues/${queue}`, { method: "POST", body, auth: me, retry: false });
          const answer = await json<{ id?: string }>(r);
          if (r.status === 202 && answer.id) acked.set(body, queue);
          else if (!killed) refusedBeforeKill++;
        } catch {
          // No answer: not acknowledged, so the test asks nothing of it (it may or may not arrive).
          if (killed) failedAfterKill++;
        } finally {
          outstanding--;
        }
      }
    };
    const workers = Array.from({ length: 40 }, (_, w) => worker(w));
    await waitFor(() => acked.size >= MAX_ACKED || Date.now() - startedAt >= 1_500, 5_000, "load to build up");
    killed = true;
    const outstandingAtKill = outstanding;
    expect(await stopDaemon(a, "SIGKILL")).toBeNull();
    expect(a.proc.signalCode).toBe("SIGKILL");
    const loadMs = Date.now() - startedAt;
    await Promise.all(workers);
    expect(refusedBeforeKill).toBe(0);
    expect(acked.size).toBeGreaterThan(500);
    // Sends were still in flight when the process died (how many got no answer depends on how
    // many answers were already on their way back).
    expect(outstandingAtKill).toBeGreaterThan(0);

    const b = await startDaemon(["--endpoint", moto.url, "--spool", dir], a.port);
    const recovered = await json<{ pending: number }>(await call(b, "/stats", { retry: true }));
    // Recovered rows name their access key id only; presenting the key (any request) lets them go.
    const presented = await call(b, "/queues", { auth: me, retry: true });
    expect(presented.status).toBe(200);
    await presented.arrayBuffer();

    // Duplicates are allowed: the kill can land after SQS stored a batch but before the spool
    // forgot it, and then the restart sends it again. A missing acknowledged body is the failure.
    const t0 = Date.now();
    const seen = new Map<string, number>();
    const urls = new Map<string, string>();
    await Promise.all(
      queues.map(async (queue) => {
        const url = await sqs.getQueueUrl(me, queue);
        urls.set(queue, url);
        const bodies = [...acked].filter(([, q]) => q === queue).map(([body]) => body);
        await collect(me, url, seen, () => missingFrom(seen, bodies).length === 0, 60_000);
      }),
    );
    const missing = missingFrom(seen, acked.keys());
    expect({ missing: missing.length, examples: missing.slice(0, 5) }).toEqual({ missing: 0, examples: [] });
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    console.log(
      `kill -9 after ${loadMs} ms: ${acked.size} acknowledged, ${outstandingAtKill} sends in flight (${failedAfterKill} cut off), ${recovered.pending} recovered from the spool, ` +
        `all in moto ${Date.now() - t0} ms after the restart (${duplicates} duplicated)`,
    );

    // The restarted daemon still takes and delivers new messages.
    const queue = queues[0]!;
    const after = Array.from({ length: 20 }, (_, i) => `after-restart ${i} ${Math.random().toString(36).slice(2)}`);
    const ids = await Promise.all(after.map((body) => send(b, queue, body, me)));
    await expectDelivered(me, urls.get(queue)!, after, 20_000, seen);
    const last = await waitFor(
      async () => {
        const s = await messageStatus(b, ids.at(-1)!);
        return s?.state === "sent" ? s : undefined;
      },
      10_000,
      "the last message to be sent",
    );
    expect(typeof last?.sqsMessageId).toBe("string");
    expect(await stopDaemon(b, "SIGTERM")).toBe(0);
  });

  test("after a restart, messages wait for their access key id, then go once it is presented", async () => {
    const dir = spoolDir();
    const me = creds("AKIDWAIT1");
    const queue = uniq("durable-wait");
    const queueUrl = await motoQueue(queue, me);

    const a = await startDaemon(["--endpoint", await unreachable(), "--spool", dir, "--drain-timeout", "500ms"]);
    const bodies = ["wait one", "wait two ✓", "wait three"];
    const ids: string[] = [];
    for (const body of bodies) ids.push(await send(a, queue, body, me));
    expect((await messageStatus(a, ids[0]!))?.state).toBe("pending");

    const t0 = Date.now();
    expect(await stopDaemon(a, "SIGTERM", 5_000)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);

    const b = await startDaemon(["--endpoint", moto.url, "--spool", dir]);
    for (const id of ids) {
      const s = await messageStatus(b, id);
      expect(s).toMatchObject({ id, queue, state: "waiting-for-credentials", waitingFor: "AKIDWAIT1" });
    }
    const stats = await json<{ pending: number }>(await call(b, "/stats"));
    expect(stats.pending).toBe(3);

    // Another key does not release them.
    const other = await call(b, "/queues", { auth: creds("AKIDOTHER2") });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
    expect((await messageStatus(b, ids[1]!))?.state).toBe("waiting-for-credentials");

    const presented = await call(b, "/queues", { auth: me });
    expect(presented.status).toBe(200);
    await presented.arrayBuffer();
    for (const id of ids) await waitFor(async () => (await messageStatus(b, id))?.state === "sent", 15_000, `message ${id} to be sent`);
    const seen = await expectDelivered(me, queueUrl, bodies, 15_000);
    for (const body of bodies) expect(seen.get(body)).toBe(1);
    expect(await stopDaemon(b, "SIGTERM")).toBe(0);
  });

  test("SIGTERM drains: exit 0, and every acknowledged message arrives (after a restart if any was left)", async () => {
    const dir = spoolDir();
    const me = creds("AKIDDRAIN1");
    const queue = uniq("durable-drain");
    const a = await startDaemon(["--endpoint", moto.url, "--spool", dir]);
    const created = await call(a, "/queues", { method: "POST", json: { queue_name: queue }, auth: me });
    expect(created.status).toBe(201);
    await created.arrayBuffer();

    const acked: string[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, w) => {
        for (let i = 0; i < 10; i++) {
          const body = `drain w${w} n${i}`;
          await send(a, queue, body, me);
          acked.push(body);
        }
      }),
    );
    expect(acked.length).toBe(200);
    const exited = a.proc.exited;
    const tSig = Date.now();
    a.proc.kill("SIGTERM");
    // Sends racing the signal: before the handler runs they are accepted; after it, refused with 503.
    const refusals: Array<{ status: number; retryAfter: string | null }> = [];
    for (let i = 0; i < 5_000 && a.proc.exitCode === null && Date.now() - tSig < 10_000; i++) {
      const body = `drain late ${i}`;
      try {
        const r = await call(a, `/queues/${queue}`, { method: "POST", body, auth: me, retry: false });
        await r.arrayBuffer();
        if (r.status === 202) acked.push(body);
        else refusals.push({ status: r.status, retryAfter: r.headers.get("retry-after") });
      } catch {
        break; // the listener is gone
      }
    }
    for (const r of refusals) {
      expect(r.status).toBe(503);
      expect(Number(r.retryAfter)).toBeGreaterThan(0);
    }
    const code = await Promise.race([exited, Bun.sleep(15_000).then(() => "timeout")]);
    expect(code).toBe(0);
    running.delete(a);
    const drainMs = Date.now() - tSig;

    // Whatever the drain did not finish is in the spool and goes after a restart with the key.
    const b = await startDaemon(["--endpoint", moto.url, "--spool", dir], a.port);
    const left = await json<{ pending: number }>(await call(b, "/stats", { retry: true }));
    const presented = await call(b, "/queues", { auth: me, retry: true });
    expect(presented.status).toBe(200);
    await presented.arrayBuffer();
    await expectDelivered(me, await sqs.getQueueUrl(me, queue), acked, 30_000);
    console.log(
      `SIGTERM after 200 sends: exit 0 after ${drainMs} ms, ${refusals.length} sends refused with 503 meanwhile, ${left.pending} left for the restart`,
    );
    expect(await stopDaemon(b, "SIGTERM")).toBe(0);
  });

  test("while draining, sends get 503 with Retry-After and health says so; undelivered rows stay in the spool", async () => {
    const dir = spoolDir();
    const me = creds("AKIDDRAIN2");
    const queue = uniq("durable-draining");
    const a = await startDaemon(["--endpoint", await unreachable(), "--spool", dir, "--drain-timeout", "2s"]);
    const id = await send(a, queue, "stuck while draining", me);

    const t0 = Date.now();
    const exited = a.proc.exited;
    a.proc.kill("SIGTERM");
    // The drain waits up to 2 s for a message it cannot deliver; the listener stays up meanwhile.
    // A send racing the signal may still be accepted, so the test first waits for the handler to run.
    const health = await waitFor(
      async () => {
        const h = await json<{ status: string; reason?: string }>(await call(a, "/health", { retry: false }));
        return h.status !== "ok" ? h : undefined;
      },
      1_500,
      "health to report the drain",
    );
    expect(health).toMatchObject({ status: "degraded", reason: "shutting down" });
    const refused = await call(a, `/queues/${queue}`, { method: "POST", body: "too late", auth: me, retry: false });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await json<{ error: { code: string } }>(refused)).error.code).toBe("ShuttingDown");
    expect(a.proc.exitCode).toBeNull();

    const code = await Promise.race([exited, Bun.sleep(8_000).then(() => "timeout")]);
    expect(code).toBe(0);
    running.delete(a);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_900);

    const b = await startDaemon(["--endpoint", await unreachable(), "--spool", dir]);
    expect(await messageStatus(b, id)).toMatchObject({ id, state: "waiting-for-credentials", waitingFor: me.accessKeyId });
    expect(await stopDaemon(b, "SIGKILL")).toBeNull();
  });

  test("backpressure: past --max-pending sends get 503 and health says why; once they dead-letter, sends are accepted again", async () => {
    const dir = spoolDir();
    const me = creds("AKIDFULL1");
    const queue = uniq("durable-full");
    const a = await startDaemon([
      "--endpoint",
      await unreachable(),
      "--spool",
      dir,
      "--max-pending",
      "5",
      "--max-retry-age",
      "1s",
      "--retry-cap",
      "200ms",
      "--drain-timeout",
      "500ms",
    ]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await send(a, queue, `full ${i}`, me));

    const sixth = await call(a, `/queues/${queue}`, { method: "POST", body: "full 5", auth: me });
    expect(sixth.status).toBe(503);
    expect(Number(sixth.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await json<{ error: { code: string } }>(sixth)).error.code).toBe("Backpressure");

    const health = await json<{ status: string; reason?: string }>(await call(a, "/health"));
    expect(health.status).not.toBe("ok");
    expect(typeof health.reason).toBe("string");
    expect(health.reason).toContain("limit 5");

    // Past --max-retry-age the five go to dead letters, which frees the bound.
    for (const id of ids)
      await waitFor(async () => (await messageStatus(a, id))?.state === "dead", 10_000, `message ${id} to become a dead letter`);
    const healthy = await json<{ status: string; reason?: string }>(await call(a, "/health"));
    expect(healthy).toMatchObject({ status: "ok" });
    expect(healthy.reason).toBeUndefined();
    const again = await send(a, queue, "accepted again", me);
    expect((await messageStatus(a, again))?.state).toBe("pending");
    expect(await stopDaemon(a, "SIGTERM")).toBe(0);
  });

  test("replay: dead letters are listed, `replay` re-queues them, and a restart delivers them with the key", async () => {
    const dir = spoolDir();
    const me = creds("AKIDREPLAY1");
    const queue = uniq("durable-replay");
    const queueUrl = await motoQueue(queue, me);
    const a = await startDaemon([
      "--endpoint",
      await unreachable(),
      "--spool",
      dir,
      "--max-retry-age",
      "1s",
      "--retry-cap",
      "200ms",
      "--drain-timeout",
      "500ms",
    ]);
    const bodies = ["replay a", "replay b <b>&", "replay c 😀", "replay d"];
    const ids: string[] = [];
    for (const body of bodies) ids.push(await send(a, queue, body, me));
    for (const id of ids)
      await waitFor(async () => (await messageStatus(a, id))?.state === "dead", 10_000, `message ${id} to become a dead letter`);

    const listed = await call(a, `/dead-letters?queue=${queue}`, { auth: me });
    // Dead letters are shown only to the key that sent them.
    const other = await json<{ total: number }>(
      await call(a, `/dead-letters?queue=${queue}`, { auth: { accessKeyId: "AKIDSOMEONEELSE", secretAccessKey: "x" } }),
    );
    expect(other.total).toBe(0);
    expect(listed.status).toBe(200);
    expect(listed.headers.get("content-type")).toContain("application/json");
    const dl = await json<{
      total: number;
      dead_letters: Array<{ id: string; queue: string; reason: string; body_preview: string | null; access_key_id: string }>;
      bodies_hidden?: string;
    }>(listed);
    expect(dl.total).toBe(4);
    expect(dl.dead_letters.map((d) => d.id).sort()).toEqual([...ids].sort());
    // SQS cannot be reached to check the secret: the list comes without bodies, and nothing can be changed.
    expect(dl.bodies_hidden).toContain("cannot be reached");
    for (const d of dl.dead_letters) {
      expect(d.queue).toBe(queue);
      expect(d.access_key_id).toBe(me.accessKeyId);
      expect(d.reason.length).toBeGreaterThan(0);
      expect(d.body_preview).toBeNull();
    }
    const retry = await call(a, `/dead-letters/${ids[0]}/retry`, { method: "POST", auth: me });
    expect([retry.status, retry.headers.get("retry-after")]).toEqual([503, "5"]);
    await retry.arrayBuffer();
    expect(await stopDaemon(a, "SIGTERM")).toBe(0);

    const replay = Bun.spawnSync([BIN, "replay", "--spool", dir], {
      stdout: "pipe",
      stderr: "pipe",
      env: { PATH: process.env.PATH ?? "" },
    });
    expect({ code: replay.exitCode, stderr: replay.stderr.toString() }).toEqual({ code: 0, stderr: "" });
    expect(replay.stdout.toString()).toContain("re-queued 4 dead letters");

    const b = await startDaemon(["--endpoint", moto.url, "--spool", dir]);
    expect(await messageStatus(b, ids[0]!)).toMatchObject({ state: "waiting-for-credentials", waitingFor: me.accessKeyId });
    const none = await json<{ total: number }>(await call(b, "/dead-letters", { auth: me }));
    expect(none.total).toBe(0);
    const presented = await call(b, "/queues", { auth: me });
    expect(presented.status).toBe(200);
    await presented.arrayBuffer();
    for (const id of ids)
      await waitFor(async () => (await messageStatus(b, id))?.state === "sent", 15_000, `replayed message ${id} to be sent`);
    const seen = await expectDelivered(me, queueUrl, bodies, 15_000);
    for (const body of bodies) expect(seen.get(body)).toBe(1);
    expect(await stopDaemon(b, "SIGTERM")).toBe(0);
  });
});

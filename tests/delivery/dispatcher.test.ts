// The delivery engine against a fault-injecting SQS stand-in: every accepted message ends sent or dead.
import { afterEach, describe, expect, test } from "bun:test";
import { copyFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DeliveryEngine, type EngineOptions } from "../../src/delivery/dispatcher";
import { MemorySpool, type Spool } from "../../src/delivery/spool";
import { SqliteSpool } from "../../src/delivery/sqlite-spool";
import type { Envelope } from "../../src/delivery/types";
import { silentLogger } from "../../src/log";
import { SqsClient } from "../../src/sqs/client";
import type { SendEntry } from "../../src/sqs/types";
import { type FakeSqs, startFakeSqs } from "../fake-sqs";
import { CREDS, tempDir, testOptions, waitFor } from "../helpers";

let fake: FakeSqs | undefined;
let engine: DeliveryEngine | undefined;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  await engine?.stop({ drainMs: 0 });
  fake?.stop();
  for (const c of cleanups.splice(0)) c();
  engine = undefined;
  fake = undefined;
});

function setup(opts: Partial<EngineOptions> = {}, spool: Spool = new MemorySpool(), timeoutMs = 2000) {
  fake = startFakeSqs();
  const sqs = new SqsClient({ endpoint: fake.url, region: "us-east-1", timeoutMs });
  engine = new DeliveryEngine({ sqs, spool, log: silentLogger, options: testOptions(opts) });
  engine.start();
  return { fake, engine, sqs };
}

let counter = 0;
function envelope(queue: string, body: string, extra: Partial<SendEntry> = {}): Envelope {
  return {
    id: `m-${++counter}-${Math.random().toString(36).slice(2)}`,
    queue,
    creds: CREDS,
    entry: { MessageBody: body, ...extra },
    bytes: Buffer.byteLength(body),
    acceptedAt: Date.now(),
  };
}

async function acceptAll(e: DeliveryEngine, envs: Envelope[]) {
  await e.accept(envs);
  return envs.map((x) => x.id);
}

const settled = (e: DeliveryEngine, ids: string[]) => () => ids.every((id) => ["sent", "dead"].includes(e.status(id)?.state ?? ""));

describe("delivery engine", () => {
  test("batches when busy: 95 messages take far fewer than 95 requests, all arrive once", async () => {
    const { fake, engine } = setup({ maxInflight: 2 });
    fake.createQueue("q");
    const envs = Array.from({ length: 95 }, (_, i) => envelope("q", `body ${i}`));
    const ids = await acceptAll(engine, envs);
    await waitFor(settled(engine, ids), 10_000, "all settled");
    expect(ids.every((id) => engine.status(id)?.state === "sent")).toBe(true);
    expect(fake.bodies("q").sort()).toEqual(envs.map((e) => e.entry.MessageBody).sort());
    const sends = fake.requests.filter((r) => r.action.startsWith("SendMessage"));
    expect(sends.length).toBeLessThan(20);
    expect(Math.max(...sends.map((r) => r.entries))).toBe(10);
    expect(engine.stats().averageBatchSize).toBeGreaterThan(4);
    // Once idle, the lane is forgotten (lanes must not pile up over many credentials × queues).
    await waitFor(() => (engine as unknown as { lanes: Map<string, unknown> }).lanes.size === 0, 5_000, "idle lane dropped");
  });

  test("--max-batch 1 sends one SendMessage per message", async () => {
    const { fake, engine } = setup({ maxBatch: 1 });
    fake.createQueue("q");
    const ids = await acceptAll(
      engine,
      Array.from({ length: 12 }, (_, i) => envelope("q", `b${i}`)),
    );
    await waitFor(settled(engine, ids), 10_000, "settled");
    const sends = fake.requests.filter((r) => r.action.startsWith("SendMessage"));
    expect(sends.every((r) => r.action === "SendMessage")).toBe(true);
    expect(sends.length).toBe(12);
  });

  test("fault: the first 6 sends are throttled (400 ThrottlingException, 403 RequestThrottled) then recovery: all delivered", async () => {
    const { fake, engine } = setup({ retry: { baseMs: 5, throttleBaseMs: 10, capMs: 50, maxAgeMs: 60_000 } });
    fake.createQueue("q");
    fake.setFaults(({ action, n }) =>
      action.startsWith("SendMessage") && n <= 6
        ? n % 2
          ? { kind: "error", status: 400, code: "ThrottlingException" }
          : { kind: "error", status: 403, code: "RequestThrottled" }
        : undefined,
    );
    const envs = Array.from({ length: 30 }, (_, i) => envelope("q", `t${i}`));
    const ids = await acceptAll(engine, envs);
    await waitFor(settled(engine, ids), 15_000, "settled");
    expect(ids.map((id) => engine.status(id)?.state)).toEqual(ids.map(() => "sent"));
    expect(fake.bodies("q").sort()).toEqual(envs.map((e) => e.entry.MessageBody).sort());
    expect(engine.stats().retried).toBeGreaterThan(0);
  });

  test("fault: 500 and 503 answers, a connection reset and a slow answer beyond the timeout are all retried", async () => {
    const { fake, engine } = setup({}, new MemorySpool(), 300);
    fake.createQueue("q");
    const plan = [
      { kind: "error", status: 500, code: "InternalError" },
      { kind: "error", status: 503, code: "ServiceUnavailable" },
      { kind: "reset" },
      { kind: "slow", ms: 800 },
    ] as const;
    fake.setFaults(({ action, n }) => (action.startsWith("SendMessage") && n <= plan.length ? plan[n - 1] : undefined));
    const envs = [envelope("q", "one")];
    const ids = await acceptAll(engine, envs);
    await waitFor(settled(engine, ids), 15_000, "settled");
    expect(engine.status(ids[0]!)?.state).toBe("sent");
    expect(engine.status(ids[0]!)?.attempts).toBe(5);
    // The slow answer was stored by the stand-in before the client gave up: on a standard queue
    // a timeout can duplicate, which is why the README says "at least once".
    expect(fake.bodies("q").filter((b) => b === "one").length).toBeGreaterThanOrEqual(1);
  });

  test("fault: partial batch failure — SenderFault false is retried alone, SenderFault true goes to dead letters", async () => {
    const { fake, engine } = setup({ maxInflight: 1 });
    fake.createQueue("q");
    // Holding the only slot with the first message makes the next five wait and go out as one batch.
    fake.setFaults(({ action, n }) =>
      action === "SendMessage" && n === 1
        ? { kind: "slow", ms: 100 }
        : action === "SendMessageBatch" && n === 1
          ? {
              kind: "partial",
              entries: [
                { index: 1, senderFault: false, code: "InternalError" },
                { index: 3, senderFault: true, code: "InvalidParameterValue" },
              ],
            }
          : undefined,
    );
    const first = await acceptAll(engine, [envelope("q", "p0")]);
    await Bun.sleep(20);
    const envs = Array.from({ length: 5 }, (_, i) => envelope("q", `p${i + 1}`));
    const ids = [...first, ...(await acceptAll(engine, envs))];
    await waitFor(settled(engine, ids), 10_000, "settled");
    const states = ids.map((id) => engine.status(id)?.state);
    expect(states).toEqual(["sent", "sent", "sent", "sent", "dead", "sent"]);
    expect(engine.status(ids[4]!)?.lastError).toContain("InvalidParameterValue");
    expect(fake.bodies("q").sort()).toEqual(["p0", "p1", "p2", "p3", "p5"]);
    const dead = engine.deadLetters({ accessKeyId: CREDS.accessKeyId, limit: 10 });
    expect(dead.items.map((d) => d.entry.MessageBody)).toEqual(["p4"]);
  });

  test("fault: NonExistentQueue moves the messages to dead letters with that reason", async () => {
    const { engine } = setup();
    const ids = await acceptAll(engine, [envelope("missing", "a"), envelope("missing", "b")]);
    await waitFor(settled(engine, ids), 10_000, "settled");
    for (const id of ids) {
      expect(engine.status(id)?.state).toBe("dead");
      expect(engine.status(id)?.lastError).toContain("does not exist");
    }
  });

  test("fault: an MD5 mismatch is not a success: the message is sent again", async () => {
    const { fake, engine } = setup();
    fake.createQueue("q");
    fake.setFaults(({ action, n }) => (action === "SendMessage" && n === 1 ? { kind: "bad-md5" } : undefined));
    const ids = await acceptAll(engine, [envelope("q", "checksum me")]);
    await waitFor(settled(engine, ids), 10_000, "settled");
    expect(engine.status(ids[0]!)?.state).toBe("sent");
    expect(engine.status(ids[0]!)?.attempts).toBe(2);
  });

  test("fault: SQS down (503) for 2 s then recovery delivers all, in order within each FIFO group", async () => {
    const { fake, engine } = setup({ retry: { baseMs: 20, throttleBaseMs: 20, capMs: 200, maxAgeMs: 60_000 } });
    fake.createQueue("jobs.fifo");
    const downUntil = Date.now() + 2000;
    fake.setFaults(({ action }) =>
      action.startsWith("SendMessage") && Date.now() < downUntil ? { kind: "error", status: 503, code: "ServiceUnavailable" } : undefined,
    );
    const envs: Envelope[] = [];
    for (let i = 0; i < 60; i++) {
      const e = envelope("jobs.fifo", `g${i % 3}-${i}`, { MessageGroupId: `g${i % 3}` });
      e.entry.MessageDeduplicationId = e.id;
      envs.push(e);
    }
    const ids: string[] = [];
    for (const e of envs) ids.push(...(await acceptAll(engine, [e])));
    await waitFor(settled(engine, ids), 20_000, "settled");
    expect(ids.every((id) => engine.status(id)?.state === "sent")).toBe(true);
    const stored = fake.queues.get("jobs.fifo")!;
    for (const g of ["g0", "g1", "g2"]) {
      const got = stored.filter((m) => m.groupId === g).map((m) => m.body);
      const want = envs.filter((e) => e.entry.MessageGroupId === g).map((e) => e.entry.MessageBody);
      expect(got).toEqual(want);
    }
  });

  test("--max-retry-age: a message that keeps failing ends dead, never silently dropped", async () => {
    const { fake, engine } = setup({ retry: { baseMs: 5, throttleBaseMs: 5, capMs: 20, maxAgeMs: 300 } });
    fake.createQueue("q");
    fake.setFaults(({ action }) => (action.startsWith("SendMessage") ? { kind: "error", status: 500, code: "InternalError" } : undefined));
    const ids = await acceptAll(engine, [envelope("q", "doomed")]);
    await waitFor(settled(engine, ids), 10_000, "settled");
    expect(engine.status(ids[0]!)?.state).toBe("dead");
    expect(engine.status(ids[0]!)?.lastError).toContain("gave up");
  });

  test("backpressure: past --max-pending sends are refused with 503 and Retry-After, then accepted again", async () => {
    const { fake, engine } = setup({ maxPending: 3 });
    fake.createQueue("q");
    const release = Date.now() + 500;
    fake.setFaults(({ action }) => (action.startsWith("SendMessage") && Date.now() < release ? { kind: "slow", ms: 600 } : undefined));
    await acceptAll(engine, [envelope("q", "1"), envelope("q", "2"), envelope("q", "3")]);
    const refused = await engine.accept([envelope("q", "4")]).then(
      () => null,
      (e) => e,
    );
    expect(refused?.status).toBe(503);
    expect(refused?.headers["retry-after"]).toBeDefined();
    expect(engine.health().ok).toBe(false);
    await waitFor(() => engine.stats().pending === 0, 10_000, "drained");
    await engine.accept([envelope("q", "5")]);
    expect(engine.health().ok).toBe(true);
  });

  test("re-sign once: RequestExpired is retried at once, a second in a row is final", async () => {
    const { fake, engine } = setup();
    fake.createQueue("q");
    fake.setFaults(({ action, n }) =>
      action === "SendMessage" && n === 1 ? { kind: "error", status: 400, code: "RequestExpired" } : undefined,
    );
    const ok = await acceptAll(engine, [envelope("q", "expired once")]);
    await waitFor(settled(engine, ok), 5_000, "settled");
    expect(engine.status(ok[0]!)?.state).toBe("sent");
    fake.setFaults(({ action }) => (action === "SendMessage" ? { kind: "error", status: 400, code: "ExpiredToken" } : undefined));
    const bad = await acceptAll(engine, [envelope("q", "expired twice")]);
    await waitFor(settled(engine, bad), 5_000, "settled");
    expect(engine.status(bad[0]!)?.state).toBe("dead");
    expect(engine.status(bad[0]!)?.attempts).toBe(2);
  });

  test("durable spool: rows are on disk before accept resolves, gone once sent, and recovered rows wait for their key", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const spool = new SqliteSpool(dir.path, { fsync: "normal" });
    const { fake, engine: first } = setup({}, spool);
    fake.setFaults(({ action }) =>
      action.startsWith("SendMessage") ? { kind: "error", status: 503, code: "ServiceUnavailable" } : undefined,
    );
    fake.createQueue("q");
    const ids = await acceptAll(first, [envelope("q", "survives"), envelope("q", "me too")]);
    // The spool is locked by its owner, so a copy of its files (database and WAL) is read instead.
    const copy = tempDir();
    cleanups.push(copy.remove);
    for (const f of readdirSync(dir.path)) if (f.startsWith("spool.sqlite")) copyFileSync(join(dir.path, f), join(copy.path, f));
    const onDisk = new SqliteSpool(copy.path, { fsync: "normal" });
    expect(onDisk.loadAfter(0, 10).map((r) => r.envelope.id)).toEqual(ids);
    onDisk.close();
    // …and a second owner is refused while the first has it open.
    expect(() => new SqliteSpool(dir.path, { fsync: "normal" })).toThrow(/in use by another process/);
    await first.stop({ drainMs: 50 });
    engine = undefined;

    fake.setFaults(() => undefined);
    const sqs = new SqsClient({ endpoint: fake.url, region: "us-east-1", timeoutMs: 2000 });
    const second = new DeliveryEngine({
      sqs,
      spool: new SqliteSpool(dir.path, { fsync: "normal" }),
      log: silentLogger,
      options: testOptions(),
    });
    engine = second;
    second.start();
    expect(second.status(ids[0]!)?.state).toBe("waiting-for-credentials");
    expect(second.status(ids[0]!)?.waitingFor).toBe(CREDS.accessKeyId);
    expect(second.status(ids[0]!)?.attempts).toBeGreaterThan(0);
    second.offerCredentials(CREDS);
    await waitFor(settled(second, ids), 10_000, "settled");
    expect(fake.bodies("q").sort()).toEqual(["me too", "survives"]);
    await second.stop({ drainMs: 0 });
    engine = undefined;
    const after = new SqliteSpool(dir.path, { fsync: "normal" });
    expect(after.loadAfter(0, 10)).toEqual([]);
    after.close();
  });

  test("a dead letter retried twice at once is spooled and sent once (nothing left counted or on disk)", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const spool = new SqliteSpool(dir.path, { fsync: "normal" });
    const { fake, engine: e } = setup({}, spool);
    const ids = await acceptAll(e, [envelope("not-yet", "twice?")]);
    await waitFor(() => e.status(ids[0]!)?.state === "dead", 10_000, "dead");
    fake.createQueue("not-yet");
    const results = await Promise.all([e.retryDead(ids[0]!, CREDS), e.retryDead(ids[0]!, CREDS)]);
    expect(results).toEqual(["retried", "retried"]);
    await waitFor(() => e.status(ids[0]!)?.state === "sent", 10_000, "sent after retry");
    await e.idle();
    expect(fake.bodies("not-yet")).toEqual(["twice?"]);
    expect(spool.count()).toBe(0);
    expect(e.stats().pending).toBe(0);
    expect(await e.retryDead(ids[0]!, CREDS)).toBe("not-found");
    await e.stop({ drainMs: 0 });
    engine = undefined;
    const after = new SqliteSpool(dir.path, { fsync: "normal" });
    expect(after.loadAfter(0, 10)).toEqual([]);
    after.close();
  });

  test("bounded memory: behind a 20-message window the backlog waits on disk and is paged in, FIFO order kept", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const { fake, engine } = setup(
      { windowMessages: 20, retry: { baseMs: 10, throttleBaseMs: 10, capMs: 50, maxAgeMs: 60_000 } },
      new SqliteSpool(dir.path, { fsync: "normal" }),
    );
    fake.createQueue("paged.fifo");
    let down = true;
    fake.setFaults(({ action }) =>
      down && action.startsWith("SendMessage") ? { kind: "error", status: 503, code: "ServiceUnavailable" } : undefined,
    );
    const envs = Array.from({ length: 300 }, (_, i) => {
      const e = envelope("paged.fifo", `m${i}`, { MessageGroupId: "only" });
      e.entry.MessageDeduplicationId = e.id;
      return e;
    });
    const ids: string[] = [];
    for (let i = 0; i < envs.length; i += 25) ids.push(...(await acceptAll(engine, envs.slice(i, i + 25))));
    await Bun.sleep(100);
    expect(engine.stats().pending).toBe(300);
    expect(engine.stats().inMemory).toBeLessThanOrEqual(45);
    expect(engine.status(ids[299]!)?.state).toBe("pending");
    down = false;
    await waitFor(settled(engine, ids), 20_000, "settled");
    expect(fake.bodies("paged.fifo")).toEqual(envs.map((e) => e.entry.MessageBody));
    expect(engine.stats().pending).toBe(0);
  });

  test("the window grows with the lanes in it (two batches each, up to 10 × its base), so many queues still fill batches", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const { fake, engine } = setup(
      { windowMessages: 20, maxBatch: 10, retry: { baseMs: 10, throttleBaseMs: 10, capMs: 50, maxAgeMs: 60_000 } },
      new SqliteSpool(dir.path, { fsync: "normal" }),
    );
    const queues = Array.from({ length: 30 }, (_, i) => `lane-${i}`);
    for (const q of queues) fake.createQueue(q);
    let down = true;
    fake.setFaults(({ action }) =>
      down && action.startsWith("SendMessage") ? { kind: "error", status: 503, code: "ServiceUnavailable" } : undefined,
    );
    const ids: string[] = [];
    for (let round = 0; round < 20; round++) {
      const envs = queues.map((q) => envelope(q, `${q} #${round}`));
      ids.push(...(await acceptAll(engine, envs)));
      await Bun.sleep(5);
    }
    await Bun.sleep(100);
    const s = engine.stats();
    expect(s.pending).toBe(600);
    // 30 lanes × 2 batches of 10 = 600, capped at 10 × 20: the whole cap, not the base of 20
    // (plus at most what arrived since the last page-in: one accept of 30).
    expect(s.inMemory).toBeGreaterThanOrEqual(180);
    expect(s.inMemory).toBeLessThanOrEqual(230);
    down = false;
    await waitFor(settled(engine, ids), 20_000, "settled");
    // Standard queues: every message once; order is not promised (a retried message goes out later).
    for (const q of queues) expect(fake.bodies(q).sort()).toEqual(Array.from({ length: 20 }, (_, r) => `${q} #${r}`).sort());
  });

  test("fault: SQS down (503 to every send) — the lane pauses and probes one request at a time, then delivers everything", async () => {
    // Backoff steps of 10 ms doubling up to 1 s: without the pause, 200 messages each on its own
    // timer made hundreds of requests in a second; with it, about ten probes.
    const { fake, engine } = setup({ maxInflight: 8, retry: { baseMs: 10, throttleBaseMs: 10, capMs: 1_000, maxAgeMs: 60_000 } });
    fake.createQueue("down");
    let down = true;
    let during = 0;
    fake.setFaults(({ action }) => {
      if (!down || !action.startsWith("SendMessage")) return undefined;
      during++;
      return { kind: "error", status: 503, code: "ServiceUnavailable" };
    });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const envs = Array.from({ length: 10 }, (_, j) => envelope("down", `d${i * 10 + j}`));
      ids.push(...(await acceptAll(engine, envs)));
    }
    await Bun.sleep(1_000);
    // The first requests may be in flight together (8 slots); after them, one probe at a time.
    expect(during).toBeGreaterThanOrEqual(2);
    expect(during).toBeLessThan(40);
    down = false;
    await waitFor(settled(engine, ids), 10_000, "settled");
    expect(fake.bodies("down").sort()).toEqual(Array.from({ length: 200 }, (_, i) => `d${i}`).sort());
    expect(engine.stats()).toMatchObject({ sent: 200, dead: 0 });
  });

  test("--max-retry-age during an outage: a paused lane's waiting messages all go to the dead letters, not one probe's batch at a time", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const spool = new SqliteSpool(dir.path, { fsync: "normal" });
    // One request at a time from the start, so nearly every message waits untried behind the probes.
    const { fake, engine } = setup(
      { maxInflight: 1, retry: { baseMs: 1_000, throttleBaseMs: 1_000, capMs: 60_000, maxAgeMs: 400 } },
      spool,
    );
    fake.createQueue("down");
    fake.createQueue("down.fifo");
    let down = true;
    fake.setFaults(({ action }) =>
      down && action.startsWith("SendMessage") ? { kind: "error", status: 503, code: "ServiceUnavailable" } : undefined,
    );
    const ids = await acceptAll(
      engine,
      Array.from({ length: 200 }, (_, i) => envelope("down", `d${i}`)),
    );
    const fifoIds = await acceptAll(
      engine,
      Array.from({ length: 30 }, (_, i) =>
        envelope("down.fifo", `f${i}`, { MessageGroupId: `g${i % 3}`, MessageDeduplicationId: `f${i}` }),
      ),
    );
    const all = [...ids, ...fifoIds];
    // Probes come at most 2 s apart, so the first one failing after 400 ms ends them all. One
    // probe's batch (10) at a time, as before, took some 20 probes: about 20 s.
    await waitFor(settled(engine, all), 5_000, "all dead");
    expect(all.every((id) => engine.status(id)?.state === "dead")).toBe(true);
    expect(engine.status(ids[150]!)?.lastError).toContain("--max-retry-age");
    expect(engine.stats()).toMatchObject({ dead: 230, sent: 0, pending: 0 });
    expect(spool.count()).toBe(0);
    expect(spool.countDead({ accessKeyId: CREDS.accessKeyId })).toBe(230);
    // SQS is back: both lanes, the FIFO one with its groups, deliver new messages.
    down = false;
    const after = await acceptAll(engine, [
      envelope("down", "later"),
      ...[0, 1, 2].map((g) => envelope("down.fifo", `later g${g}`, { MessageGroupId: `g${g}`, MessageDeduplicationId: `later${g}` })),
    ]);
    await waitFor(settled(engine, after), 10_000, "sent after the outage");
    expect(after.map((id) => engine.status(id)?.state)).toEqual(["sent", "sent", "sent", "sent"]);
    expect(fake.bodies("down.fifo").sort()).toEqual(["later g0", "later g1", "later g2"]);
  }, 30_000);

  test("--max-retry-age counts from when the lane began failing: old messages on a lane that fails once are still tried", async () => {
    // As after a long stop with a backlog: everything waited longer than --max-retry-age already.
    const { fake, engine } = setup({ maxInflight: 1, retry: { baseMs: 5, throttleBaseMs: 5, capMs: 20, maxAgeMs: 60_000 } });
    fake.createQueue("q");
    fake.setFaults(({ action, n }) =>
      action === "SendMessageBatch" && n === 1 ? { kind: "error", status: 400, code: "ThrottlingException" } : undefined,
    );
    const envs = Array.from({ length: 50 }, (_, i) => ({ ...envelope("q", `old${i}`), acceptedAt: Date.now() - 120_000 }));
    const ids = await acceptAll(engine, envs);
    await waitFor(settled(engine, ids), 10_000, "settled");
    // The throttled batch's own messages were past their age when they failed; the rest went.
    expect(engine.stats()).toMatchObject({ sent: 40, dead: 10 });
  });

  test("recovered rows under the daemon's own key (server-side credentials) resume without a request", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const { fake, engine: first } = setup({}, new SqliteSpool(dir.path, { fsync: "normal" }));
    fake.setFaults(({ action }) =>
      action.startsWith("SendMessage") ? { kind: "error", status: 503, code: "ServiceUnavailable" } : undefined,
    );
    fake.createQueue("q");
    const ids = await acceptAll(first, [envelope("q", "mine")]);
    await first.stop({ drainMs: 20 });
    engine = undefined;
    fake.setFaults(() => undefined);
    const sqs = new SqsClient({ endpoint: fake.url, region: "us-east-1", timeoutMs: 2000 });
    const second = new DeliveryEngine({
      sqs,
      spool: new SqliteSpool(dir.path, { fsync: "normal" }),
      log: silentLogger,
      options: testOptions({ serverCredentials: CREDS }),
    });
    engine = second;
    second.start();
    await waitFor(settled(second, ids), 10_000, "settled");
    expect(fake.bodies("q")).toContain("mine");
  });

  test("fault: after an outage (503 for every request), the first success releases the backed-off messages at once", async () => {
    const { fake, engine } = setup({ retry: { baseMs: 10_000, throttleBaseMs: 10_000, capMs: 20_000, maxAgeMs: 60_000 } });
    fake.createQueue("q");
    let down = true;
    fake.setFaults(({ action }) =>
      down && action.startsWith("SendMessage") ? { kind: "error", status: 503, code: "ServiceUnavailable" } : undefined,
    );
    const early = await acceptAll(
      engine,
      Array.from({ length: 20 }, (_, i) => envelope("q", `early ${i}`)),
    );
    await waitFor(() => engine.stats().retried >= 20, 5_000, "every message failed once");
    down = false;
    const started = Date.now();
    const late = await acceptAll(engine, [envelope("q", "late")]);
    // Each message's backoff is uniform in [0, 10 s): without the early release, all 20 finishing
    // within 3 s would have a chance of 0.3^20. The lane's own pause, which the next request
    // waits for, is at most 2 s.
    await waitFor(settled(engine, [...early, ...late]), 3_000, "all sent soon after the outage");
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(fake.bodies("q")).toHaveLength(21);
  });
});

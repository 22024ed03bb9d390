// The engine where delivery meets trouble: restarts with keys nobody presents, refused credentials, a stuck FIFO group, outages.
import { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { DeliveryEngine, type EngineOptions } from "../../src/delivery/dispatcher";
import { MEMORY_MESSAGE_OVERHEAD, MemorySpool, type Spool } from "../../src/delivery/spool";
import { SPOOL_FILE, SqliteSpool } from "../../src/delivery/sqlite-spool";
import type { Envelope } from "../../src/delivery/types";
import { silentLogger } from "../../src/log";
import type { BatchOutcome } from "../../src/sqs/client";
import { SqsError } from "../../src/sqs/errors";
import type { Credentials, SendEntry } from "../../src/sqs/types";
import { CREDS, tempDir, testOptions, waitFor } from "../helpers";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Rule = (creds: Credentials, e: SendEntry) => SqsError | undefined;
function fakeSqs(rule: Rule = () => undefined) {
  const stored: string[] = [];
  let requests = 0;
  const sqs = {
    getQueueUrl: async (_c: Credentials, q: string) => `http://x/0/${q}`,
    forgetQueue() {},
  };
  const sender = {
    async sendMessage(c: Credentials, _u: string, e: SendEntry) {
      requests++;
      await Bun.sleep(1);
      const err = rule(c, e);
      if (err) throw err;
      stored.push(e.MessageBody);
      return { MessageId: crypto.randomUUID() };
    },
    async sendMessageBatch(c: Credentials, _u: string, entries: SendEntry[]): Promise<BatchOutcome> {
      requests++;
      await Bun.sleep(1);
      const out: BatchOutcome = { successful: [], failed: [] };
      entries.forEach((e, i) => {
        const err = rule(c, e);
        if (err) out.failed.push({ id: String(i), error: err });
        else {
          stored.push(e.MessageBody);
          out.successful.push({ id: String(i), MessageId: crypto.randomUUID() });
        }
      });
      return out;
    },
  };
  return { sqs, sender, stored, requests: () => requests };
}

function engineWith(spool: Spool, f: ReturnType<typeof fakeSqs>, opts: Partial<EngineOptions> = {}) {
  const e = new DeliveryEngine({ sqs: f.sqs as never, sender: f.sender, spool, log: silentLogger, options: testOptions(opts) });
  e.start();
  cleanups.push(() => e.stop({ drainMs: 0 }));
  return e;
}

/** The spool an earlier run left: these groups were accepted and not delivered. */
async function leftOver(...groups: Envelope[][]): Promise<string> {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const s = new SqliteSpool(dir.path, { fsync: "normal" });
  for (const group of groups) await s.append(group);
  s.close();
  return dir.path;
}

let n = 0;
const env = (queue: string, body: string, creds: Credentials = CREDS, extra: Partial<SendEntry> = {}): Envelope => ({
  id: `r-${++n}`,
  queue,
  creds,
  entry: { MessageBody: body, ...extra },
  bytes: Buffer.byteLength(body),
  acceptedAt: Date.now(),
});

test("after a restart, rows of an access key nobody presents stay on disk and do not hold up other keys", async () => {
  const OLD: Credentials = { accessKeyId: "AKIDROTATEDOUT", secretAccessKey: "gone" };
  // A previous run left 100 rows of an old key in the spool.
  const spoolDir = await leftOver(Array.from({ length: 100 }, (_, i) => env("q", `old${i}`, OLD)));
  const f = fakeSqs();
  const e = engineWith(new SqliteSpool(spoolDir, { fsync: "normal" }), f, { windowMessages: 20 });
  e.offerCredentials(CREDS);
  const fresh = [env("q", "new1"), env("q", "new2")];
  await e.accept(fresh);
  await waitFor(() => f.stored.length === 2, 3_000, "the new messages");
  expect(f.stored).toEqual(["new1", "new2"]);
  expect(e.stats().inMemory).toBe(0);
  expect(e.status("r-1")?.state).toBe("waiting-for-credentials");
  // The old key comes back: its 100 rows go too, a window at a time.
  e.offerCredentials(OLD);
  await waitFor(() => f.stored.length === 102, 5_000, "the old key's rows");
  expect(f.stored.slice(2)).toEqual(Array.from({ length: 100 }, (_, i) => `old${i}`));
});

test("after a restart, rows of a known key behind many pages of an absent key's rows are paged in without new traffic", async () => {
  const OLD: Credentials = { accessKeyId: "AKIDABSENT", secretAccessKey: "gone" };
  const spoolDir = await leftOver(
    Array.from({ length: 60_000 }, (_, i) => env("q", `old${i}`, OLD)),
    [env("q", "mine1"), env("q", "mine2")],
  );
  const f = fakeSqs();
  // The daemon's own credentials (environment) cover CREDS's rows at once.
  engineWith(new SqliteSpool(spoolDir, { fsync: "normal" }), f, { serverCredentials: CREDS });
  await waitFor(() => f.stored.length === 2, 5_000, "the known key's rows");
  expect(f.stored).toEqual(["mine1", "mine2"]);
});

test("a wrong secret presented with the right key id does not dead-letter spooled rows: they wait for credentials that work", async () => {
  const spoolDir = await leftOver(Array.from({ length: 5 }, (_, i) => env("q", `b${i}`)));
  const f = fakeSqs((c) =>
    c.secretAccessKey === CREDS.secretAccessKey ? undefined : new SqsError("SignatureDoesNotMatch", "bad sig", 403, true),
  );
  const e = engineWith(new SqliteSpool(spoolDir, { fsync: "normal" }), f);
  // e.g. `curl -u AKIDEXAMPLETEST:typo http://127.0.0.1:9292/queues` (answered 403, but offerCredentials ran first)
  e.offerCredentials({ accessKeyId: CREDS.accessKeyId, secretAccessKey: "typo" });
  await Bun.sleep(300);
  e.offerCredentials(CREDS); // the real app comes back: too late
  await Bun.sleep(300);
  const dead = e.deadLetters({ accessKeyId: CREDS.accessKeyId, limit: 10 });
  expect(dead.total).toBe(0);
  await waitFor(() => f.stored.length === 5, 3_000, "sent with the right secret");
});

test("FIFO: while one group waits out a backoff, messages delivered from other groups are not kept referenced", async () => {
  const f = fakeSqs((_c, e) =>
    e.MessageGroupId === "stuck" ? new SqsError("InternalError", "entry keeps failing", 200, false, "transient") : undefined,
  );
  const e = engineWith(new MemorySpool(), f, { retry: { baseMs: 200, throttleBaseMs: 200, capMs: 400, maxAgeMs: 3_600_000 } });
  const first = [
    env("j.fifo", "s1", CREDS, { MessageGroupId: "stuck", MessageDeduplicationId: "s1" }),
    env("j.fifo", "s2", CREDS, { MessageGroupId: "stuck", MessageDeduplicationId: "s2" }),
  ];
  await e.accept(first);
  const total = 20_000;
  for (let i = 0; i < total; i += 100) {
    await e.accept(
      Array.from({ length: 100 }, (_, k) =>
        env("j.fifo", `x${i + k}`, CREDS, { MessageGroupId: `g${(i + k) % 50}`, MessageDeduplicationId: `x${i + k}` }),
      ),
    );
    await Bun.sleep(1);
  }
  await waitFor(() => f.stored.length >= total, 20_000, "others delivered");
  const lane = [...(e as unknown as { lanes: Map<string, { ready: unknown[]; head: number }> }).lanes.values()][0]!;
  expect(lane.ready.length).toBeLessThan(4_096);
});

test("timers do not pile up over many outages: a lane woken early clears its timer", async () => {
  // Track outstanding timers.
  const live = new Set<unknown>();
  const st = globalThis.setTimeout;
  const ct = globalThis.clearTimeout;
  globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...a: unknown[]) => {
    const h = st(() => {
      live.delete(h);
      fn(...a);
    }, ms);
    live.add(h);
    return h;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((h: ReturnType<typeof setTimeout>) => {
    live.delete(h);
    ct(h);
  }) as typeof clearTimeout;
  cleanups.push(() => {
    globalThis.setTimeout = st;
    globalThis.clearTimeout = ct;
  });
  let down = false;
  const f = fakeSqs((_c, e) => {
    if (e.MessageBody === "stubborn") return new SqsError("InternalError", "entry fails", 200, false, "transient");
    if (down) return new SqsError("ServiceUnavailable", "down", 503, false, "transient");
    return undefined;
  });
  // Stubborn entry sits in `delayed` with a long backoff the whole time.
  const e = engineWith(new MemorySpool(), f, { retry: { baseMs: 5_000, throttleBaseMs: 5_000, capMs: 5_000, maxAgeMs: 3_600_000 } });
  await e.accept([env("q", "stubborn"), env("q", "filler")]);
  await Bun.sleep(50);
  const before = live.size;
  for (let i = 0; i < 8; i++) {
    // An outage cycle: one whole request fails (the batch goes to delayed with outage=true) ...
    down = true;
    // batch of one -> sendMessage path -> failAll (whole request)
    await e.accept([env("q", `c${i}`)]);
    await Bun.sleep(5);
    down = false;
    // ... and the next probe succeeds -> succeeded() -> wake(lane, true)
    await e.accept([env("q", `ok${i}`)]);
    await waitFor(() => f.stored.includes(`ok${i}`), 5_000, "probe");
    await Bun.sleep(5);
  }
  expect(live.size).toBeLessThanOrEqual(before + 2);
}, 60_000);

test("after an outage, with nothing new sent, delivery resumes within about a second, not after the message's own backoff", async () => {
  // An outage fails whole requests (HTTP 503), as SQS does, not entries one by one.
  let down = true;
  const stored: string[] = [];
  const fail = () => new SqsError("ServiceUnavailable", "down", 503, false, "transient");
  const sender = {
    async sendMessage(_c: Credentials, _u: string, e: SendEntry) {
      if (down) throw fail();
      stored.push(e.MessageBody);
      return { MessageId: crypto.randomUUID() };
    },
    async sendMessageBatch(): Promise<BatchOutcome> {
      throw fail();
    },
  };
  const f = { ...fakeSqs(), sender };
  // Its own backoff grows to 10 s, 20 s, … (--retry-cap 60 s); the lane's pause stays under 2 s.
  const e = engineWith(new MemorySpool(), f, { retry: { baseMs: 10_000, throttleBaseMs: 10_000, capMs: 60_000, maxAgeMs: 600_000 } });
  await e.accept([env("q", "only")]);
  await Bun.sleep(3_000);
  down = false;
  const t = Date.now();
  await waitFor(() => stored.length === 1, 30_000, "delivered");
  expect(Date.now() - t).toBeLessThan(2_500);
}, 40_000);

test("dead letters count toward --max-spool-bytes: messages SQS keeps refusing cannot fill the disk unseen", async () => {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const spool = new SqliteSpool(dir.path, { fsync: "normal" });
  const f = fakeSqs(() => new SqsError("AccessDenied", "no sqs:SendMessage", 403, true));
  const e = engineWith(spool, f, { maxSpoolBytes: 5_000, maxPending: 50 });
  const body = "x".repeat(1000);
  const refusals: string[] = [];
  for (let i = 0; i < 20; i++) {
    try {
      await e.accept([env("q", body)]);
    } catch (err) {
      refusals.push((err as Error).message);
    }
    await waitFor(() => e.stats().pending === 0, 5_000, "dead");
  }
  expect(spool.countDead({ accessKeyId: CREDS.accessKeyId })).toBe(5);
  expect(spool.deadBytes()).toBe(5_000);
  expect(refusals).toHaveLength(15);
  expect(refusals[0]).toContain("5000 bytes of dead letters");
  expect(e.health()).toMatchObject({ ok: false });
  // Discarding a dead letter makes room again; the count survives a reopen.
  const [first] = e.deadLetters({ accessKeyId: CREDS.accessKeyId, limit: 1 }).items;
  expect(e.discardDead(first!.id, "AKIDSOMEONEELSE")).toBe("other-credentials");
  expect(e.discardDead(first!.id, CREDS.accessKeyId)).toBe("discarded");
  expect(spool.deadBytes()).toBe(4_000);
  await e.stop({ drainMs: 0 });
  const again = new SqliteSpool(dir.path, { fsync: "normal" });
  cleanups.push(() => again.close());
  expect(again.deadBytes()).toBe(4_000);
});

test("spooled rows go only with the credentials that sent them: other secrets of the key id release nothing and borrow nothing", async () => {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const s1 = new SqliteSpool(dir.path, { fsync: "normal" });
  const rows = Array.from({ length: 5 }, (_, i) => env("q", `b${i}`));
  await s1.append(rows);
  s1.close();
  const sentWith: Array<[secret: string, body: string]> = [];
  const f = fakeSqs((c, e) => {
    sentWith.push([c.secretAccessKey, e.MessageBody]);
    return undefined;
  });
  const e = engineWith(new SqliteSpool(dir.path, { fsync: "normal" }), f);
  // Guesses (or two misconfigured clients) with the owner's key id: no request goes out.
  for (let i = 0; i < 20; i++) {
    e.offerCredentials({ accessKeyId: CREDS.accessKeyId, secretAccessKey: `guess-${i % 2}` });
    await Bun.sleep(5);
  }
  await Bun.sleep(100);
  expect(f.requests()).toBe(0);
  expect(e.status(rows[0]!.id)?.state).toBe("waiting-for-credentials");
  // Someone with a wrong secret sends a message of their own: it goes with their secret, alone.
  const W: Credentials = { accessKeyId: CREDS.accessKeyId, secretAccessKey: "not-the-owner" };
  await e.accept([env("elsewhere", "intruder", W)]);
  await waitFor(() => sentWith.length === 1, 3_000, "the intruder's message");
  e.offerCredentials(CREDS);
  await waitFor(() => f.stored.length === 6, 3_000, "sent with the right secret");
  expect(sentWith.filter(([secret]) => secret === W.secretAccessKey).map(([, body]) => body)).toEqual(["intruder"]);
  expect(sentWith.filter(([secret]) => secret === CREDS.secretAccessKey).map(([, body]) => body)).toEqual(
    rows.map((r) => r.entry.MessageBody),
  );
});

test("FIFO after a restart: a group's spooled messages go before its new ones, whatever other secrets came meanwhile", async () => {
  const fifo = (body: string) => env("steps.fifo", body, CREDS, { MessageGroupId: "g", MessageDeduplicationId: body });
  const spoolDir = await leftOver(["step1", "step2", "step3"].map(fifo));
  const f = fakeSqs((c) =>
    c.secretAccessKey === CREDS.secretAccessKey ? undefined : new SqsError("SignatureDoesNotMatch", "bad sig", 403, true),
  );
  const e = engineWith(new SqliteSpool(spoolDir, { fsync: "normal" }), f);
  e.offerCredentials({ accessKeyId: CREDS.accessKeyId, secretAccessKey: "typo" });
  await Bun.sleep(5);
  await e.accept([fifo("step4")]);
  await waitFor(() => f.stored.length === 4, 3_000, "all four");
  expect(f.stored).toEqual(["step1", "step2", "step3", "step4"]);
});

test("a batch SQS refuses as a whole for one bad entry: each message goes again alone, and only that one dies", async () => {
  const refuse = () => new SqsError("InvalidParameterValue", "one entry is invalid", 400, true);
  const stored: string[] = [];
  const sender = {
    async sendMessage(_c: Credentials, _u: string, e: SendEntry) {
      if (e.MessageBody === "bad") throw refuse();
      stored.push(e.MessageBody);
      return { MessageId: crypto.randomUUID() };
    },
    async sendMessageBatch(): Promise<BatchOutcome> {
      throw refuse(); // every batch here holds "bad"
    },
  };
  const f = { ...fakeSqs(), sender };
  const e = engineWith(new MemorySpool(), f);
  const envs = ["a", "b", "bad", "c", "d"].map((b) => env("q", b));
  await e.accept(envs);
  await waitFor(() => envs.every((m) => ["sent", "dead"].includes(e.status(m.id)?.state ?? "")), 5_000, "settled");
  expect(stored).toEqual(["a", "b", "c", "d"]);
  expect(envs.map((m) => e.status(m.id)?.state)).toEqual(["sent", "sent", "dead", "sent", "sent"]);
  expect(e.status(envs[2]!.id)?.lastError).toContain("InvalidParameterValue");
});

test("retrying a dead letter is not refused for the room that dead letter itself takes", async () => {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const spool = new SqliteSpool(dir.path, { fsync: "normal" });
  let refuse = true;
  const f = fakeSqs(() => (refuse ? new SqsError("AccessDenied", "no sqs:SendMessage", 403, true) : undefined));
  const e = engineWith(spool, f, { maxSpoolBytes: 5_000 });
  for (let i = 0; i < 5; i++) await e.accept([env("q", "x".repeat(1000))]);
  await waitFor(() => spool.deadBytes() === 5_000, 3_000, "five dead letters");
  await expect(e.accept([env("q", "one more")])).rejects.toThrow("dead letters");
  refuse = false; // permission granted: the operator retries one
  const [first] = e.deadLetters({ accessKeyId: CREDS.accessKeyId, limit: 1 }).items;
  expect(await e.retryDead(first!.id, CREDS)).toBe("retried");
  await waitFor(() => e.status(first!.id)?.state === "sent", 3_000, "sent");
  expect(spool.deadBytes()).toBe(4_000);
});

test("--spool none: dead letters in memory never block sends (they make room for themselves)", async () => {
  const f = fakeSqs(() => new SqsError("AccessDenied", "no sqs:SendMessage", 403, true));
  const spool = new MemorySpool();
  const e = engineWith(spool, f, { maxSpoolBytes: 3_000 });
  for (let i = 0; i < 6; i++) {
    await e.accept([env("q", "y".repeat(1000))]);
    await waitFor(() => e.stats().pending === 0, 3_000, "dead");
  }
  expect(spool.deadBytes()).toBe(6_000);
  expect(e.health()).toEqual({ ok: true });
});

test("--spool none: --max-spool-bytes counts each waiting message's memory besides its body, so small messages are bounded too", async () => {
  let down = true;
  const f = fakeSqs(() => (down ? new SqsError("ServiceUnavailable", "down", 503, false, "transient") : undefined));
  // 6,632 bytes: their bodies alone would let 66 messages of 100 bytes wait. Memory holds some 420–520
  // bytes more for each (measured), so at most 12 may.
  const e = engineWith(new MemorySpool(), f, { maxSpoolBytes: 6_632, maxPending: 1_000 });
  let accepted = 0;
  let refusal = "";
  while (accepted < 100) {
    try {
      await e.accept([env("q", "z".repeat(100))]);
      accepted++;
    } catch (err) {
      refusal = (err as Error).message;
      break;
    }
  }
  expect(accepted).toBeGreaterThan(0);
  expect(accepted).toBeLessThanOrEqual(12);
  expect(refusal).toContain(`Memory holds ${accepted * (100 + MEMORY_MESSAGE_OVERHEAD)} bytes of undelivered messages`);
  expect(e.health()).toMatchObject({ ok: false });
  // Delivered messages give their room back, overhead and all.
  down = false;
  await waitFor(() => e.stats().pending === 0, 10_000, "delivered");
  expect(e.health()).toEqual({ ok: true });
  for (let i = 0; i < accepted; i++) await e.accept([env("q", "z".repeat(100))]);
  await waitFor(() => f.stored.length === 2 * accepted, 10_000, "all delivered");
});

test("--spool none at the lowest --max-spool-bytes (1 MiB): the largest message still goes in when nothing waits", async () => {
  let down = true;
  const f = fakeSqs(() => (down ? new SqsError("ServiceUnavailable", "down", 503, false, "transient") : undefined));
  const e = engineWith(new MemorySpool(), f, { maxSpoolBytes: 1_048_576 });
  const big = "b".repeat(1_048_576 - 100);
  await e.accept([env("q", big)]);
  // Another waits until the first is delivered.
  await expect(e.accept([env("q", big)])).rejects.toThrow("Memory holds");
  down = false;
  await waitFor(() => e.stats().pending === 0, 10_000, "delivered");
  await e.accept([env("q", big)]);
  await waitFor(() => f.stored.length === 2, 10_000, "the second delivered");
});

test("a durable spool that holds nothing takes a batch larger than --max-spool-bytes; the next waits until it is delivered", async () => {
  const dir = tempDir();
  cleanups.push(dir.remove);
  let down = true;
  const f = fakeSqs(() => (down ? new SqsError("ServiceUnavailable", "down", 503, false, "transient") : undefined));
  const e = engineWith(new SqliteSpool(dir.path, { fsync: "normal" }), f, { maxSpoolBytes: 5_000 });
  const batch = () => Array.from({ length: 10 }, () => env("q", "d".repeat(1_000)));
  await e.accept(batch());
  await expect(e.accept(batch())).rejects.toThrow("The spool holds 10000 undelivered bytes");
  down = false;
  await waitFor(() => e.stats().pending === 0, 10_000, "delivered");
  await e.accept(batch());
  await waitFor(() => f.stored.length === 20, 10_000, "the second batch delivered");
});

test("a drain is not over while paging still passes over rows waiting for credentials", async () => {
  const ABSENT: Credentials = { accessKeyId: "AKIDABSENT", secretAccessKey: "gone" };
  const spoolDir = await leftOver(
    Array.from({ length: 60_000 }, (_, i) => env("q", `old${i}`, ABSENT)),
    [env("q", "mine1"), env("q", "mine2")],
  );
  const f = fakeSqs();
  const e = new DeliveryEngine({
    sqs: f.sqs as never,
    sender: f.sender,
    spool: new SqliteSpool(spoolDir, { fsync: "normal" }),
    log: silentLogger,
    options: testOptions({ serverCredentials: CREDS }),
  });
  e.start();
  await e.stop({ drainMs: 10_000 });
  expect(f.stored).toEqual(["mine1", "mine2"]);
});

/** Requests with credentials of their own, each new (say, curl -u AKIDx:y against any route). */
const flood = (e: DeliveryEngine, count: number) => {
  for (let i = 0; i < count; i++) e.offerCredentials({ accessKeyId: `AKIDFLOOD${i}`, secretAccessKey: "x" });
};

test("no flood of credentials pushes out those spooled rows need: the daemon's own, and a batch job's that went away", async () => {
  const spoolDir = await leftOver(Array.from({ length: 1_500 }, (_, i) => env("q", `own${i}`, CREDS)));
  const f = fakeSqs();
  const e = engineWith(new SqliteSpool(spoolDir, { fsync: "normal" }), f, { serverCredentials: CREDS, windowMessages: 20 });
  const JOB: Credentials = { accessKeyId: "AKIDBATCHJOB", secretAccessKey: "s" };
  await e.accept(Array.from({ length: 1_500 }, (_, i) => env("q", `job${i}`, JOB)));
  flood(e, 12_000);
  await waitFor(() => f.stored.length === 3_000, 15_000, "all 3,000");
}, 20_000);

test("rows of an older spool (no credentials hash) go only with credentials SQS has taken for their key id", async () => {
  const spoolDir = await leftOver(Array.from({ length: 5 }, (_, i) => env("q", `old${i}`)));
  const db = new Database(join(spoolDir, SPOOL_FILE));
  db.exec("UPDATE messages SET creds = NULL");
  db.close();
  const f = fakeSqs((c) =>
    c.secretAccessKey === CREDS.secretAccessKey ? undefined : new SqsError("SignatureDoesNotMatch", "bad sig", 403, true),
  );
  const e = engineWith(new SqliteSpool(spoolDir, { fsync: "normal" }), f);
  e.offerCredentials({ accessKeyId: CREDS.accessKeyId, secretAccessKey: "typo" });
  e.offerCredentials(CREDS); // presented, but not yet taken by SQS
  await Bun.sleep(200);
  expect(f.requests()).toBe(0);
  await e.accept([env("q", "new")]); // SQS takes a send with CREDS: the old rows follow
  await waitFor(() => f.stored.length === 6, 3_000, "all six");
  expect(e.deadLetters({ accessKeyId: CREDS.accessKeyId, limit: 10 }).total).toBe(0);
});

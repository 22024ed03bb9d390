// local-sqs behaviour through the repo's own SqsClient and raw fetch: timers on an injected clock, long
// polling, redrive, limits, the fault/throttle/latency knobs, --data persistence, and the CLI parser.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { LOCAL_SQS_HELP, type LocalSqs, type LocalSqsOptions, parseLocalSqsArgs, startLocalSqs } from "../../src/local-sqs/server";
import { SqsClient } from "../../src/sqs/client";
import { SqsError } from "../../src/sqs/errors";
import { CREDS, freePort, tempDir } from "../helpers";

const running: LocalSqs[] = [];
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
  for (const c of cleanups.splice(0)) c();
});

async function start(over: Partial<LocalSqsOptions> = {}) {
  const server = startLocalSqs({ port: await freePort(), host: "127.0.0.1", data: null, ...over });
  running.push(server);
  const client = new SqsClient({ endpoint: server.url, region: "us-east-1", timeoutMs: 30_000 });
  const call = <T = Record<string, unknown>>(action: string, payload: object) => client.call<T>(CREDS, action, payload);
  return { server, client, call };
}

/** A clock the test moves by hand (every SQS timer of the server reads it). */
function manualClock() {
  let t = Date.UTC(2030, 0, 1);
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

async function failure(p: Promise<unknown>): Promise<SqsError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SqsError) return err;
    throw err;
  }
  throw new Error("expected an SqsError, the call succeeded");
}

type Msg = { MessageId: string; ReceiptHandle: string; Body: string; Attributes?: Record<string, string> };
type Received = { Messages?: Msg[] };

async function counts(call: (a: string, p: object) => Promise<Record<string, unknown>>, url: string) {
  const r = (await call("GetQueueAttributes", { QueueUrl: url, AttributeNames: ["All"] })) as { Attributes: Record<string, string> };
  return [
    Number(r.Attributes.ApproximateNumberOfMessages),
    Number(r.Attributes.ApproximateNumberOfMessagesNotVisible),
    Number(r.Attributes.ApproximateNumberOfMessagesDelayed),
  ];
}

describe("a full cycle through SqsClient", () => {
  test("create, send (checksums verified by the client), batch, receive, delete", async () => {
    const { client, call } = await start();
    const url = await client.createQueue(CREDS, "orders");
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/000000000000\/orders$/);
    expect(await client.getQueueUrl(CREDS, "orders")).toBe(url);
    const sent = await client.sendMessage(CREDS, url, {
      MessageBody: "héllo 🚀",
      MessageAttributes: { kind: { DataType: "String", StringValue: "order" }, raw: { DataType: "Binary", BinaryValue: "AAEC" } },
    });
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const batch = await client.sendMessageBatch(CREDS, url, [{ MessageBody: "b0" }, { MessageBody: "b1", DelaySeconds: 0 }]);
    expect(batch.failed).toEqual([]);
    expect(batch.successful.map((s) => s.id)).toEqual(["0", "1"]);
    const got = await call<Received>("ReceiveMessage", { QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"] });
    expect(got.Messages?.map((m) => m.Body).sort()).toEqual(["b0", "b1", "héllo 🚀"]);
    for (const m of got.Messages ?? []) await call("DeleteMessage", { QueueUrl: url, ReceiptHandle: m.ReceiptHandle });
    expect(await counts(call, url)).toEqual([0, 0, 0]);
    expect((await client.listQueues(CREDS)).map((q) => q.name)).toEqual(["orders"]);
    await client.deleteQueue(CREDS, "orders");
    const gone = await failure(client.getQueueUrl(CREDS, "orders"));
    expect(gone.code).toBe("QueueDoesNotExist");
    expect(gone.retryable).toBe(false);
  });

  test("ListQueues pages with MaxResults and NextToken; SqsClient.listQueues follows the pages", async () => {
    const { client, call } = await start();
    for (let i = 0; i < 25; i++) await client.createQueue(CREDS, `q-${String(i).padStart(2, "0")}`);
    await client.createQueue(CREDS, "other");
    const seen: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await call<{ QueueUrls?: string[]; NextToken?: string }>("ListQueues", {
        QueueNamePrefix: "q-",
        MaxResults: 10,
        ...(token ? { NextToken: token } : {}),
      });
      seen.push(...(r.QueueUrls ?? []).map((u) => u.slice(u.lastIndexOf("/") + 1)));
      token = r.NextToken;
      if (!token) break;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `q-${String(i).padStart(2, "0")}`));
    expect((await client.listQueues(CREDS)).length).toBe(26);
    expect((await failure(call("ListQueues", { MaxResults: 0 }))).code).toBe("InvalidParameterValue");
    expect((await failure(call("ListQueues", { MaxResults: 5, NextToken: "garbage" }))).code).toBe("InvalidParameterValue");
  });
});

describe("long polling", () => {
  test("a waiting receive wakes as soon as a message is sent", async () => {
    const { client, call } = await start();
    const url = await client.createQueue(CREDS, "poll");
    const t0 = performance.now();
    const waiting = call<Received>("ReceiveMessage", { QueueUrl: url, WaitTimeSeconds: 10 });
    await Bun.sleep(200);
    await client.sendMessage(CREDS, url, { MessageBody: "ping" });
    const got = await waiting;
    expect(got.Messages?.map((m) => m.Body)).toEqual(["ping"]);
    expect(performance.now() - t0).toBeLessThan(3_000);
  });

  test("it wakes when a delayed message becomes visible, and an empty wait lasts WaitTimeSeconds", async () => {
    const { client, call } = await start();
    const url = await client.createQueue(CREDS, "later");
    await client.sendMessage(CREDS, url, { MessageBody: "soon", DelaySeconds: 1 });
    let t0 = performance.now();
    const got = await call<Received>("ReceiveMessage", { QueueUrl: url, WaitTimeSeconds: 5 });
    const took = performance.now() - t0;
    expect(got.Messages?.map((m) => m.Body)).toEqual(["soon"]);
    expect(took).toBeGreaterThan(800);
    expect(took).toBeLessThan(3_000);
    t0 = performance.now();
    expect(await call("ReceiveMessage", { QueueUrl: url, WaitTimeSeconds: 1 })).toEqual({});
    expect(performance.now() - t0).toBeGreaterThan(900);
  });

  test("the queue's ReceiveMessageWaitTimeSeconds applies when the request gives none", async () => {
    const { client, call } = await start();
    const url = await client.createQueue(CREDS, "default-wait", { ReceiveMessageWaitTimeSeconds: "1" });
    const t0 = performance.now();
    expect(await call("ReceiveMessage", { QueueUrl: url })).toEqual({});
    expect(performance.now() - t0).toBeGreaterThan(900);
  });

  test("stop() ends pending long polls at once and the server refuses connections after", async () => {
    const { server, client, call } = await start();
    const url = await client.createQueue(CREDS, "stopping");
    const pending = call("ReceiveMessage", { QueueUrl: url, WaitTimeSeconds: 20 }).catch((e: unknown) => e);
    await Bun.sleep(100);
    const t0 = performance.now();
    await server.stop();
    await pending;
    expect(performance.now() - t0).toBeLessThan(2_000);
    const after = await failure(call("ListQueues", {}));
    expect(after.code).toBe("NetworkError");
  });
});

describe("timers on the injected clock", () => {
  test("visibility timeout: hidden until it runs out, then redelivered with a new receipt handle", async () => {
    const clock = manualClock();
    const { client, call } = await start({ now: clock.now });
    const url = await client.createQueue(CREDS, "vt", { VisibilityTimeout: "30" });
    await client.sendMessage(CREDS, url, { MessageBody: "job" });
    const first = (await call<Received>("ReceiveMessage", { QueueUrl: url })).Messages![0]!;
    clock.advance(29_000);
    expect(await call("ReceiveMessage", { QueueUrl: url })).toEqual({});
    expect(await counts(call, url)).toEqual([0, 1, 0]);
    clock.advance(1_001);
    const again = (await call<Received>("ReceiveMessage", { QueueUrl: url, AttributeNames: ["ApproximateReceiveCount"] })).Messages![0]!;
    expect(again.Attributes?.ApproximateReceiveCount).toBe("2");
    expect(again.ReceiptHandle).not.toBe(first.ReceiptHandle);
    // The stale handle is accepted but deletes nothing (AWS: "the request succeeds, but the message will not be deleted").
    await call("DeleteMessage", { QueueUrl: url, ReceiptHandle: first.ReceiptHandle });
    expect(await counts(call, url)).toEqual([0, 1, 0]);
    const stale = await failure(
      call("ChangeMessageVisibility", { QueueUrl: url, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 5 }),
    );
    expect(stale.code).toBe("InvalidParameterValue");
    // At most 12 hours from the receive: 43,200 s right away is fine, 43,199 s five seconds later is not.
    await call("ChangeMessageVisibility", { QueueUrl: url, ReceiptHandle: again.ReceiptHandle, VisibilityTimeout: 43_200 });
    clock.advance(5_000);
    const huge = await failure(
      call("ChangeMessageVisibility", { QueueUrl: url, ReceiptHandle: again.ReceiptHandle, VisibilityTimeout: 43_199 }),
    );
    expect([huge.code, huge.message]).toEqual([
      "InvalidParameterValue",
      "Value 43199 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]",
    ]);
    await call("ChangeMessageVisibility", { QueueUrl: url, ReceiptHandle: again.ReceiptHandle, VisibilityTimeout: 100 });
    clock.advance(99_000);
    expect(await call("ReceiveMessage", { QueueUrl: url })).toEqual({});
    await call("DeleteMessage", { QueueUrl: url, ReceiptHandle: again.ReceiptHandle });
    expect(await counts(call, url)).toEqual([0, 0, 0]);
    const bogus = await failure(call("DeleteMessage", { QueueUrl: url, ReceiptHandle: "AQEB-not-ours" }));
    expect([bogus.code, bogus.status]).toEqual(["ReceiptHandleIsInvalid", 404]);
  });

  test("a receipt handle of another queue is invalid there", async () => {
    const { client, call } = await start();
    const a = await client.createQueue(CREDS, "a");
    const b = await client.createQueue(CREDS, "b");
    await client.sendMessage(CREDS, a, { MessageBody: "x" });
    const m = (await call<Received>("ReceiveMessage", { QueueUrl: a })).Messages![0]!;
    expect((await failure(call("DeleteMessage", { QueueUrl: b, ReceiptHandle: m.ReceiptHandle }))).code).toBe("ReceiptHandleIsInvalid");
  });

  test("delay: queue DelaySeconds and per-message DelaySeconds hold messages back, counted as Delayed", async () => {
    const clock = manualClock();
    const { client, call } = await start({ now: clock.now });
    const url = await client.createQueue(CREDS, "delayed", { DelaySeconds: "60" });
    await client.sendMessage(CREDS, url, { MessageBody: "queue delay" });
    await client.sendMessage(CREDS, url, { MessageBody: "no delay", DelaySeconds: 0 });
    await client.sendMessage(CREDS, url, { MessageBody: "long delay", DelaySeconds: 900 });
    expect(await counts(call, url)).toEqual([1, 0, 2]);
    clock.advance(60_000);
    const got = await call<Received>("ReceiveMessage", { QueueUrl: url, MaxNumberOfMessages: 10 });
    expect(got.Messages?.map((m) => m.Body).sort()).toEqual(["no delay", "queue delay"]);
    for (const m of got.Messages ?? []) await call("DeleteMessage", { QueueUrl: url, ReceiptHandle: m.ReceiptHandle });
    clock.advance(840_000);
    expect((await call<Received>("ReceiveMessage", { QueueUrl: url })).Messages?.map((m) => m.Body)).toEqual(["long delay"]);
  });

  test("retention: messages older than MessageRetentionPeriod are gone", async () => {
    const clock = manualClock();
    const { client, call } = await start({ now: clock.now });
    const url = await client.createQueue(CREDS, "short-lived", { MessageRetentionPeriod: "60" });
    await client.sendMessage(CREDS, url, { MessageBody: "old" });
    clock.advance(30_000);
    await client.sendMessage(CREDS, url, { MessageBody: "young" });
    clock.advance(30_001);
    expect(await counts(call, url)).toEqual([1, 0, 0]);
    expect((await call<Received>("ReceiveMessage", { QueueUrl: url, MaxNumberOfMessages: 10 })).Messages?.map((m) => m.Body)).toEqual([
      "young",
    ]);
  });

  test("FIFO deduplication holds for 5 minutes: a duplicate gets the original MessageId and is not stored", async () => {
    const clock = manualClock();
    const { client, call } = await start({ now: clock.now });
    const url = await client.createQueue(CREDS, "dedup.fifo", { FifoQueue: "true" });
    const first = await client.sendMessage(CREDS, url, { MessageBody: "1", MessageGroupId: "g", MessageDeduplicationId: "d" });
    clock.advance(299_000);
    const dup = await client.sendMessage(CREDS, url, { MessageBody: "1", MessageGroupId: "g", MessageDeduplicationId: "d" });
    expect(dup).toEqual(first);
    expect(await counts(call, url)).toEqual([1, 0, 0]);
    clock.advance(1_001);
    const fresh = await client.sendMessage(CREDS, url, { MessageBody: "1", MessageGroupId: "g", MessageDeduplicationId: "d" });
    expect(fresh.MessageId).not.toBe(first.MessageId);
    expect(BigInt(fresh.SequenceNumber!)).toBeGreaterThan(BigInt(first.SequenceNumber!));
    expect(await counts(call, url)).toEqual([2, 0, 0]);
  });

  test("FIFO with DeduplicationScope messageGroup deduplicates per group", async () => {
    const { client, call } = await start();
    const url = await client.createQueue(CREDS, "per-group.fifo", {
      FifoQueue: "true",
      DeduplicationScope: "messageGroup",
      FifoThroughputLimit: "perMessageGroupId",
    });
    await client.sendMessage(CREDS, url, { MessageBody: "x", MessageGroupId: "g1", MessageDeduplicationId: "same" });
    await client.sendMessage(CREDS, url, { MessageBody: "x", MessageGroupId: "g2", MessageDeduplicationId: "same" });
    await client.sendMessage(CREDS, url, { MessageBody: "x", MessageGroupId: "g1", MessageDeduplicationId: "same" });
    expect(await counts(call, url)).toEqual([2, 0, 0]);
  });

  test("FIFO: order within each group, a group blocked while a message of it is in flight", async () => {
    const clock = manualClock();
    const { client, call } = await start({ now: clock.now });
    const url = await client.createQueue(CREDS, "orders.fifo", {
      FifoQueue: "true",
      ContentBasedDeduplication: "true",
      VisibilityTimeout: "10",
    });
    for (const [body, group] of [
      ["a1", "A"],
      ["b1", "B"],
      ["a2", "A"],
      ["c1", "C"],
      ["b2", "B"],
      ["a3", "A"],
    ] as const)
      await client.sendMessage(CREDS, url, { MessageBody: body, MessageGroupId: group });
    const body = (r: Received) => r.Messages?.map((m) => m.Body) ?? [];
    const first = await call<Received>("ReceiveMessage", { QueueUrl: url, MaxNumberOfMessages: 2 });
    expect(body(first)).toEqual(["a1", "a2"]);
    const second = await call<Received>("ReceiveMessage", { QueueUrl: url, MaxNumberOfMessages: 10 });
    expect(body(second)).toEqual(["b1", "b2", "c1"]);
    // a3 waits: a1 and a2 are in flight. Deleting only a1 keeps the group blocked.
    await call("DeleteMessage", { QueueUrl: url, ReceiptHandle: first.Messages![0]!.ReceiptHandle });
    expect(await call("ReceiveMessage", { QueueUrl: url, MaxNumberOfMessages: 10 })).toEqual({});
    // Visibility runs out: a2 comes back before a3; groups come in the arrival order of their oldest messages.
    clock.advance(10_001);
    const third = await call<Received>("ReceiveMessage", { QueueUrl: url, MaxNumberOfMessages: 10 });
    expect(body(third)).toEqual(["b1", "b2", "a2", "a3", "c1"]);
  });

  test("PurgeQueue once per 60 s; a deleted queue's name is free again after 60 s", async () => {
    const clock = manualClock();
    const { client, call } = await start({ now: clock.now });
    const url = await client.createQueue(CREDS, "purged");
    await client.sendMessageBatch(CREDS, url, [{ MessageBody: "1" }, { MessageBody: "2" }]);
    await call("PurgeQueue", { QueueUrl: url });
    expect(await counts(call, url)).toEqual([0, 0, 0]);
    const again = await failure(call("PurgeQueue", { QueueUrl: url }));
    expect([again.code, again.status]).toEqual(["PurgeQueueInProgress", 403]);
    clock.advance(60_000);
    await call("PurgeQueue", { QueueUrl: url });

    await call("DeleteQueue", { QueueUrl: url });
    const recreate = await failure(client.createQueue(CREDS, "purged"));
    expect(recreate.code).toBe("QueueDeletedRecently");
    clock.advance(60_000);
    expect(await client.createQueue(CREDS, "purged")).toBe(url);
  });
});

describe("dead-letter redrive", () => {
  test("after maxReceiveCount receives, the next receive moves the message to the DLQ", async () => {
    const { client, call } = await start();
    const dlq = await client.createQueue(CREDS, "dead");
    const dlqArn = (await client.getQueueAttributes(CREDS, dlq)).QueueArn!;
    expect(dlqArn).toBe("arn:aws:sqs:us-east-1:000000000000:dead");
    const src = await client.createQueue(CREDS, "work", {
      VisibilityTimeout: "0",
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }),
    });
    await client.sendMessage(CREDS, src, { MessageBody: "poison" });
    await client.sendMessage(CREDS, src, { MessageBody: "fine" });
    const rounds: string[][] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call<Received>("ReceiveMessage", { QueueUrl: src, MaxNumberOfMessages: 1 });
      rounds.push(r.Messages?.map((m) => m.Body) ?? []);
      // "fine" is handled at once; "poison" keeps failing.
      for (const m of r.Messages ?? [])
        if (m.Body === "fine") await call("DeleteMessage", { QueueUrl: src, ReceiptHandle: m.ReceiptHandle });
    }
    // Three deliveries of "poison" (maxReceiveCount), then the fourth attempt moves it: that receive is empty.
    expect(rounds.flat().filter((b) => b === "poison")).toHaveLength(3);
    expect(rounds[4]).toEqual([]);
    expect(await counts(call, src)).toEqual([0, 0, 0]);
    const dead = await call<Received>("ReceiveMessage", { QueueUrl: dlq, MessageSystemAttributeNames: ["All"] });
    expect(dead.Messages?.map((m) => m.Body)).toEqual(["poison"]);
    expect(dead.Messages![0]!.Attributes?.DeadLetterQueueSourceArn).toBe("arn:aws:sqs:us-east-1:000000000000:work");
    expect(dead.Messages![0]!.Attributes?.ApproximateReceiveCount).toBe("4");
    const sources = await call<{ queueUrls: string[] }>("ListDeadLetterSourceQueues", { QueueUrl: dlq });
    expect(sources.queueUrls).toEqual([src]);
  });

  test("RedrivePolicy is validated: missing target, bad count, FIFO mismatch", async () => {
    const { client } = await start();
    await client.createQueue(CREDS, "std-dlq");
    const arn = "arn:aws:sqs:us-east-1:000000000000:std-dlq";
    const bad = async (name: string, attrs: Record<string, string>) => (await failure(client.createQueue(CREDS, name, attrs))).code;
    expect(await bad("x1", { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `${arn}-nope`, maxReceiveCount: 1 }) })).toBe(
      "InvalidParameterValue",
    );
    expect(await bad("x2", { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 0 }) })).toBe(
      "InvalidParameterValue",
    );
    expect(await bad("x3", { RedrivePolicy: "{not json" })).toBe("InvalidParameterValue");
    expect(
      await bad("x4.fifo", { FifoQueue: "true", RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 2 }) }),
    ).toBe("InvalidParameterValue");
  });
});

describe("validation and error codes", () => {
  test("queue names and attributes", async () => {
    const { client, call } = await start();
    const code = async (p: Promise<unknown>) => (await failure(p)).code;
    expect(await code(client.createQueue(CREDS, "x".repeat(81)))).toBe("InvalidParameterValue");
    expect(await code(client.createQueue(CREDS, "no.fifo"))).toBe("InvalidParameterValue");
    expect(await code(client.createQueue(CREDS, "plain", { FifoQueue: "true" }))).toBe("InvalidParameterValue");
    expect(await code(client.createQueue(CREDS, "vt", { VisibilityTimeout: "43201" }))).toBe("InvalidAttributeValue");
    expect(await code(client.createQueue(CREDS, "mms", { MaximumMessageSize: "1023" }))).toBe("InvalidAttributeValue");
    expect(await code(client.createQueue(CREDS, "what", { Colour: "blue" }))).toBe("InvalidAttributeName");
    expect(await code(client.createQueue(CREDS, "cbd", { ContentBasedDeduplication: "true" }))).toBe("InvalidAttributeName");
    const url = await client.createQueue(CREDS, `${"x".repeat(75)}.fifo`, { FifoQueue: "true" });
    expect(await code(call("SetQueueAttributes", { QueueUrl: url, Attributes: { FifoQueue: "false" } }))).toBe("InvalidAttributeName");
    const e = await failure(client.createQueue(CREDS, `${"x".repeat(75)}.fifo`, { FifoQueue: "true", VisibilityTimeout: "1" }));
    expect([e.code, e.status, e.message]).toEqual([
      "QueueNameExists",
      400,
      "A queue already exists with the same name and a different value for attribute VisibilityTimeout",
    ]);
  });

  test("message bodies: characters, size in UTF-8 bytes with attributes, at the 1 MiB edge", async () => {
    const { client, call } = await start();
    const url = await client.createQueue(CREDS, "sizes");
    const code = async (payload: object) => (await failure(call("SendMessage", { QueueUrl: url, ...payload }))).code;
    expect(await code({ MessageBody: "a\u0000b" })).toBe("InvalidMessageContents");
    expect(await code({ MessageBody: "lone \ud800 surrogate" })).toBe("InvalidMessageContents");
    expect(await code({ MessageBody: "\uffff" })).toBe("InvalidMessageContents");
    expect(await code({})).toBe("MissingParameter");
    // 1 MiB exactly in bytes is fine; one more byte is not (349,525 × "€" = 1,048,575 bytes).
    await client.sendMessage(CREDS, url, { MessageBody: `${"€".repeat(349_525)}a` });
    expect(await code({ MessageBody: `${"€".repeat(349_525)}ab` })).toBe("InvalidParameterValue");
    expect(
      await code({ MessageBody: "x".repeat(1_048_570), MessageAttributes: { a: { DataType: "String", StringValue: "toolong" } } }),
    ).toBe("InvalidParameterValue");
  });

  test("message attributes: count, names, types, values", async () => {
    const { client, call } = await start();
    const url = await client.createQueue(CREDS, "attrs");
    const code = async (attrs: object) =>
      (await failure(call("SendMessage", { QueueUrl: url, MessageBody: "x", MessageAttributes: attrs }))).code;
    const s = { DataType: "String", StringValue: "v" };
    expect(await code(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, s])))).toBe("InvalidParameterValue");
    expect(await code({ "AWS.reserved": s })).toBe("InvalidParameterValue");
    expect(await code({ "two..dots": s })).toBe("InvalidParameterValue");
    expect(await code({ ok: { DataType: "Text", StringValue: "v" } })).toBe("InvalidParameterValue");
    expect(await code({ ok: { DataType: "String", StringValue: "" } })).toBe("InvalidParameterValue");
    expect(await code({ ok: { DataType: "Number", StringValue: "12abc" } })).toBe("InvalidParameterValue");
    // Magnitude 10^-128 to 10^126 (or zero), and type labels of printable ASCII.
    for (const n of ["1e-200", "-1e127", "2e126", `1${"0".repeat(37)}1`])
      expect({ n, code: await code({ ok: { DataType: "Number", StringValue: n } }) }).toEqual({ n, code: "InvalidParameterValue" });
    expect(await code({ ok: { DataType: "String.zürich", StringValue: "v" } })).toBe("InvalidParameterValue");
    expect(await code({ ok: { DataType: "Binary" } })).toBe("InvalidParameterValue");
    const fine = await client.sendMessage(CREDS, url, {
      MessageBody: "x",
      MessageAttributes: { "Custom.type-1": { DataType: "Number.float", StringValue: "-1.5e10" }, ok: s },
    });
    expect(fine.MessageId).toBeTruthy();
    const got = await call<{ Messages: Array<{ MessageAttributes?: Record<string, unknown>; MD5OfMessageAttributes?: string }> }>(
      "ReceiveMessage",
      { QueueUrl: url, MessageAttributeNames: ["Custom.*"] },
    );
    expect(Object.keys(got.Messages[0]!.MessageAttributes ?? {})).toEqual(["Custom.type-1"]);
  });

  test("batches: shape errors fail the request, entry errors are reported per entry", async () => {
    const { client, call } = await start();
    const url = await client.createQueue(CREDS, "batches.fifo", { FifoQueue: "true" });
    const code = async (entries: object[]) => (await failure(call("SendMessageBatch", { QueueUrl: url, Entries: entries }))).code;
    expect(await code([])).toBe("EmptyBatchRequest");
    expect(await code(Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: "x" })))).toBe("TooManyEntriesInBatchRequest");
    expect(await code([{ Id: "x".repeat(81), MessageBody: "x" }])).toBe("InvalidBatchEntryId");
    // Total bytes, not characters: 3 × 200,000 × "é" is 1.2 MB in UTF-8.
    expect(await code([0, 1, 2].map((i) => ({ Id: `b${i}`, MessageBody: "é".repeat(200_000), MessageGroupId: "g" })))).toBe(
      "BatchRequestTooLong",
    );
    const r = await call<{ Successful: Array<{ Id: string }>; Failed: Array<{ Id: string; Code: string; SenderFault: boolean }> }>(
      "SendMessageBatch",
      {
        QueueUrl: url,
        Entries: [
          { Id: "ok", MessageBody: "1", MessageGroupId: "g", MessageDeduplicationId: "1" },
          { Id: "nogroup", MessageBody: "2", MessageDeduplicationId: "2" },
          { Id: "nodedup", MessageBody: "3", MessageGroupId: "g" },
          { Id: "bell", MessageBody: "\u0007", MessageGroupId: "g", MessageDeduplicationId: "4" },
        ],
      },
    );
    expect(r.Successful.map((s) => s.Id)).toEqual(["ok"]);
    expect(r.Failed.map((f) => [f.Id, f.Code, f.SenderFault])).toEqual([
      ["nogroup", "MissingParameter", true],
      ["nodedup", "InvalidParameterValue", true],
      ["bell", "InvalidMessageContents", true],
    ]);
  });
});

describe("the protocol at the door", () => {
  const post = (url: string, headers: Record<string, string>, body = "{}") =>
    fetch(`${url}/`, { method: "POST", headers: { "content-type": "application/x-amz-json-1.0", ...headers }, body });
  const signed = {
    authorization: "AWS4-HMAC-SHA256 Credential=ANYKEY/20300101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=abc123",
  };

  test("requests must be SigV4-signed (any credentials) and name a known action", async () => {
    const { server } = await start();
    let r = await post(server.url, { "x-amz-target": "AmazonSQS.ListQueues" });
    expect(r.status).toBe(403);
    expect(r.headers.get("x-amzn-query-error")).toBe("MissingAuthenticationToken;Sender");
    expect(((await r.json()) as { __type: string }).__type).toBe("com.amazon.coral.service#MissingAuthenticationToken");
    r = await post(server.url, { "x-amz-target": "AmazonSQS.ListQueues", authorization: "Basic Zm9vOmJhcg==" });
    expect(r.status).toBe(403);
    expect(r.headers.get("x-amzn-query-error")).toBe("IncompleteSignature;Sender");
    r = await post(server.url, { "x-amz-target": "AmazonSQS.ListQueues", ...signed });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/x-amz-json-1.0");
    expect(r.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await r.json()).toEqual({});
    r = await post(server.url, { "x-amz-target": "AmazonSQS.Frobnicate", ...signed });
    expect([r.status, r.headers.get("x-amzn-query-error")]).toEqual([400, "UnknownOperationException;Sender"]);
    r = await post(server.url, { "x-amz-target": "AmazonSQS.AddPermission", ...signed });
    expect(r.headers.get("x-amzn-query-error")).toBe("AWS.SimpleQueueService.UnsupportedOperation;Sender");
    r = await post(server.url, { "x-amz-target": "AmazonSQS.ListQueues", ...signed }, "{not json");
    expect(((await r.json()) as { __type: string }).__type).toBe("com.amazon.coral.service#SerializationException");
    r = await fetch(`${server.url}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=ListQueues",
    });
    expect(r.headers.get("x-amzn-query-error")).toBe("AWS.SimpleQueueService.UnsupportedOperation;Sender");
    r = await fetch(`${server.url}/`);
    expect([r.status, await r.text()]).toEqual([200, expect.stringContaining("SQS-compatible")]);
  });

  test("errors carry the JSON shape and the legacy code SDKs read; queue URLs follow the Host header", async () => {
    const { server } = await start();
    let r = await post(server.url, { "x-amz-target": "AmazonSQS.GetQueueUrl", ...signed }, JSON.stringify({ QueueName: "nope" }));
    expect(r.status).toBe(400);
    expect(r.headers.get("x-amzn-query-error")).toBe("AWS.SimpleQueueService.NonExistentQueue;Sender");
    expect(await r.json()).toEqual({ __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "The specified queue does not exist." });
    r = await post(
      server.url,
      { "x-amz-target": "AmazonSQS.CreateQueue", host: "sqs.example.test:4566", ...signed },
      JSON.stringify({ QueueName: "hosted" }),
    );
    expect(await r.json()).toEqual({ QueueUrl: "http://sqs.example.test:4566/000000000000/hosted" });
    // Any host in a QueueUrl names the same queue; a foreign account does not.
    r = await post(
      server.url,
      { "x-amz-target": "AmazonSQS.GetQueueAttributes", ...signed },
      JSON.stringify({ QueueUrl: "http://localhost:1/000000000000/hosted", AttributeNames: ["QueueArn"] }),
    );
    expect(await r.json()).toEqual({ Attributes: { QueueArn: "arn:aws:sqs:us-east-1:000000000000:hosted" } });
    r = await post(
      server.url,
      { "x-amz-target": "AmazonSQS.GetQueueAttributes", ...signed },
      JSON.stringify({ QueueUrl: "http://localhost:1/123456789012/hosted" }),
    );
    expect(r.headers.get("x-amzn-query-error")).toBe("AWS.SimpleQueueService.NonExistentQueue;Sender");
  });

  test("region option names the ARN", async () => {
    const { client } = await start({ region: "eu-west-3" });
    const url = await client.createQueue(CREDS, "regional");
    expect((await client.getQueueAttributes(CREDS, url)).QueueArn).toBe("arn:aws:sqs:eu-west-3:000000000000:regional");
  });
});

describe("knobs", () => {
  test("fault and throttle shares come from one draw per request; a failed request has no effect", async () => {
    const draws = [0.05, 0.5, 0.15, 0.5, 0.5, 0.99];
    let i = 0;
    const { client, call } = await start({ faultRate: 0.1, throttleRate: 0.2, random: () => draws[i++ % draws.length]! });
    const fault = await failure(client.createQueue(CREDS, "knobs"));
    expect([fault.code, fault.status, fault.kind, fault.senderFault]).toEqual(["InternalError", 500, "transient", false]);
    expect((await failure(call("GetQueueUrl", { QueueName: "knobs" }))).code).toBe("QueueDoesNotExist");
    const throttled = await failure(client.createQueue(CREDS, "knobs"));
    expect([throttled.code, throttled.status, throttled.kind]).toEqual(["ThrottlingException", 400, "throttling"]);
    expect((await failure(call("GetQueueUrl", { QueueName: "knobs" }))).code).toBe("QueueDoesNotExist");
    expect(await client.createQueue(CREDS, "knobs")).toContain("/000000000000/knobs");
    expect(await call("GetQueueUrl", { QueueName: "knobs" })).toHaveProperty("QueueUrl");
  });

  test("the wire form of both: 500 InternalError;Receiver and 400 ThrottlingException with RequestThrottled;Sender", async () => {
    const draws = [0.2, 0.7];
    let i = 0;
    const { server } = await start({ faultRate: 0.5, throttleRate: 0.5, random: () => draws[i++]! });
    const headers = {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "AmazonSQS.ListQueues",
      authorization: "AWS4-HMAC-SHA256 Credential=K/20300101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00",
    };
    let r = await fetch(`${server.url}/`, { method: "POST", headers, body: "{}" });
    expect([r.status, r.headers.get("x-amzn-query-error")]).toEqual([500, "InternalError;Receiver"]);
    expect(((await r.json()) as { __type: string }).__type).toBe("com.amazonaws.sqs#InternalError");
    r = await fetch(`${server.url}/`, { method: "POST", headers, body: "{}" });
    expect([r.status, r.headers.get("x-amzn-query-error")]).toEqual([400, "RequestThrottled;Sender"]);
    expect(((await r.json()) as { __type: string }).__type).toBe("com.amazon.coral.availability#ThrottlingException");
  });

  test("with the real random source the shares come out as stated", async () => {
    const { call } = await start({ faultRate: 0.25, throttleRate: 0.25 });
    const tally = { ok: 0, InternalError: 0, ThrottlingException: 0 };
    await Promise.all(
      Array.from({ length: 400 }, async () => {
        try {
          await call("ListQueues", {});
          tally.ok++;
        } catch (err) {
          tally[(err as SqsError).code as "InternalError" | "ThrottlingException"]++;
        }
      }),
    );
    expect(tally.ok + tally.InternalError + tally.ThrottlingException).toBe(400);
    for (const n of [tally.InternalError, tally.ThrottlingException]) {
      expect(n).toBeGreaterThan(60);
      expect(n).toBeLessThan(140);
    }
  });

  test("stop() cuts a latency delay short", async () => {
    const { server, call } = await start({ latencyMs: 30_000 });
    const pending = call("ListQueues", {}).catch((e: unknown) => e);
    await Bun.sleep(50);
    const t0 = performance.now();
    await server.stop();
    expect(await pending).toBeInstanceOf(SqsError);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  test("latency delays every answer", async () => {
    const { client } = await start({ latencyMs: 150 });
    const t0 = performance.now();
    await client.createQueue(CREDS, "slow");
    await client.call(CREDS, "GetQueueUrl", { QueueName: "slow" });
    expect(performance.now() - t0).toBeGreaterThan(290);
  });

  test("stored bytes are bounded: past the bound, sends get OverLimit", async () => {
    const { client } = await start({ maxStoredBytes: 3_000 });
    const url = await client.createQueue(CREDS, "full");
    await client.sendMessage(CREDS, url, { MessageBody: "x".repeat(2_000) });
    const e = await failure(client.sendMessage(CREDS, url, { MessageBody: "x".repeat(2_000) }));
    expect([e.code, e.status]).toEqual(["OverLimit", 403]);
  });
});

describe("--data DIR", () => {
  test("queues, messages, in-flight state and dedup ids survive a restart", async () => {
    const dir = tempDir("local-sqs-");
    cleanups.push(dir.remove);
    const clock = manualClock();
    const port = await freePort();
    let { server, client, call } = await start({ data: dir.path, port, now: clock.now });
    const url = await client.createQueue(CREDS, "durable", { VisibilityTimeout: "60", DelaySeconds: "0" });
    const fifo = await client.createQueue(CREDS, "durable.fifo", { FifoQueue: "true" });
    await client.sendMessageBatch(CREDS, url, [{ MessageBody: "one" }, { MessageBody: "two" }, { MessageBody: "three" }]);
    const sent = await client.sendMessage(CREDS, fifo, { MessageBody: "f", MessageGroupId: "g", MessageDeduplicationId: "d" });
    const inFlight = (await call<Received>("ReceiveMessage", { QueueUrl: url })).Messages![0]!;
    await server.stop();
    running.splice(running.indexOf(server), 1);
    expect(existsSync(join(dir.path, "local-sqs.sqlite"))).toBe(true);

    ({ server, client, call } = await start({ data: dir.path, port, now: clock.now }));
    expect((await client.listQueues(CREDS)).map((q) => q.name)).toEqual(["durable", "durable.fifo"]);
    expect((await client.getQueueAttributes(CREDS, url)).VisibilityTimeout).toBe("60");
    expect(await counts(call, url)).toEqual([2, 1, 0]);
    const dup = await client.sendMessage(CREDS, fifo, { MessageBody: "f", MessageGroupId: "g", MessageDeduplicationId: "d" });
    expect(dup.MessageId).toBe(sent.MessageId);
    // The receipt handle from before the restart still deletes its message.
    await call("DeleteMessage", { QueueUrl: url, ReceiptHandle: inFlight.ReceiptHandle });
    const rest = await call<Received>("ReceiveMessage", { QueueUrl: url, MaxNumberOfMessages: 10 });
    expect(rest.Messages?.map((m) => m.Body).sort()).toEqual(["one", "three", "two"].filter((b) => b !== inFlight.Body).sort());
  });

  test("without --data (data: null) nothing is written and a restart starts empty", async () => {
    const port = await freePort();
    let { server, client } = await start({ port });
    await client.createQueue(CREDS, "ephemeral");
    await server.stop();
    running.splice(running.indexOf(server), 1);
    ({ server, client } = await start({ port }));
    expect(await client.listQueues(CREDS)).toEqual([]);
  });
});

describe("parseLocalSqsArgs", () => {
  test("defaults: port 9324, loopback, in memory, us-east-1, knobs off", () => {
    expect(parseLocalSqsArgs([], {})).toEqual({
      kind: "run",
      options: { port: 9324, host: "127.0.0.1", data: null, region: "us-east-1", latencyMs: 0, faultRate: 0, throttleRate: 0 },
    });
  });

  test("flags (both spellings) win over the environment", () => {
    const r = parseLocalSqsArgs(
      [
        "--port",
        "4566",
        "--host=0.0.0.0",
        "--data",
        "/tmp/x",
        "--latency-ms=25",
        "--fault-rate",
        "0.1",
        "--throttle-rate=.2",
        "--region",
        "eu-west-1",
      ],
      { SQS_ACCELERATOR_LOCAL_SQS_PORT: "1", AWS_REGION: "ap-south-1" },
    );
    expect(r).toEqual({
      kind: "run",
      options: { port: 4566, host: "0.0.0.0", data: "/tmp/x", region: "eu-west-1", latencyMs: 25, faultRate: 0.1, throttleRate: 0.2 },
    });
    const fromEnv = parseLocalSqsArgs([], { SQS_ACCELERATOR_LOCAL_SQS_DATA: "/var/lib/q", AWS_DEFAULT_REGION: "us-west-2" });
    expect(fromEnv.kind === "run" && [fromEnv.options.data, fromEnv.options.region]).toEqual(["/var/lib/q", "us-west-2"]);
  });

  test("help", () => {
    expect(parseLocalSqsArgs(["--port", "1", "--help"], {})).toEqual({ kind: "help", text: LOCAL_SQS_HELP });
    expect(LOCAL_SQS_HELP).toContain("--fault-rate");
    expect(LOCAL_SQS_HELP).toContain("u < fault-rate");
  });

  test("every problem is listed, naming the option or variable", () => {
    const r = parseLocalSqsArgs(
      ["--port", "http", "--bogus", "--latency-ms=-1", "--fault-rate", "0.7", "--throttle-rate", "0.6", "extra", "--data"],
      {
        SQS_ACCELERATOR_LOCAL_SQS_REGION: "Not A Region",
      },
    );
    expect(r.kind).toBe("error");
    const problems = r.kind === "error" ? r.problems.join("\n") : "";
    expect(problems).toContain("--port must be a port number");
    expect(problems).toContain("unknown option --bogus");
    expect(problems).toContain("--latency-ms must be");
    expect(problems).toContain("--fault-rate plus --throttle-rate must be at most 1");
    expect(problems).toContain("unexpected argument 'extra'");
    expect(problems).toContain("--data needs a value");
    expect(problems).toContain("SQS_ACCELERATOR_LOCAL_SQS_REGION must be a region name");
    expect(parseLocalSqsArgs(["--fault-rate", "1.5"], {})).toEqual({
      kind: "error",
      problems: ["--fault-rate must be a number from 0 to 1, not '1.5'"],
    });
    expect(parseLocalSqsArgs(["--port", "70000"], {}).kind).toBe("error");
  });
});

// Request shapes and answer parsing of SqsClient, through its injectable fetch (a capturing fake with canned AWS JSON).
import { describe, expect, test } from "bun:test";
import { SqsClient } from "../../src/sqs/client";
import { SqsError } from "../../src/sqs/errors";
import { md5Hex, md5OfAttributes } from "../../src/sqs/md5";
import type { Credentials, SendEntry } from "../../src/sqs/types";
import { waitFor } from "../helpers";

const CREDS: Credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const QUEUE_URL = "http://127.0.0.1:1234/000000000000/orders";

interface Captured {
  url: string;
  method: string;
  headers: Headers;
  body: Record<string, unknown>;
}

/** The requests of one action, e.g. "GetQueueUrl" (a queue's size limit is read in the background too). */
const only = (calls: Captured[], action: string) => calls.filter((c) => c.headers.get("x-amz-target") === `AmazonSQS.${action}`);

type Answer = { status?: number; json?: unknown; text?: string; headers?: Record<string, string> };

/** A fetch that records each request and answers from the given function. */
function fakeSqs(answer: (req: Captured, n: number) => Answer) {
  const calls: Captured[] = [];
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const c: Captured = {
      url,
      method: String(init.method),
      headers: new Headers(init.headers),
      body: JSON.parse(String(init.body)) as Record<string, unknown>,
    };
    calls.push(c);
    const a = answer(c, calls.length - 1);
    const text = a.text ?? JSON.stringify(a.json ?? {});
    return new Response(text, {
      status: a.status ?? 200,
      headers: { "content-type": "application/x-amz-json-1.0", ...(a.headers ?? {}) },
    });
  };
  const client = new SqsClient({ endpoint: "http://127.0.0.1:1234/", region: "us-east-1", timeoutMs: 5000, fetch });
  return { client, calls };
}

/** A correct SendMessageBatch answer for the entries in the captured request. */
function allSuccessful(req: Captured) {
  const entries = req.body.Entries as Array<SendEntry & { Id: string }>;
  return {
    Successful: entries.map((e) => ({
      Id: e.Id,
      MessageId: `m-${e.Id}`,
      MD5OfMessageBody: md5Hex(e.MessageBody),
      ...(e.MessageAttributes ? { MD5OfMessageAttributes: md5OfAttributes(e.MessageAttributes) } : {}),
    })),
  };
}

async function rejection(p: Promise<unknown>): Promise<SqsError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SqsError) return err;
    throw err;
  }
  throw new Error("expected the promise to reject");
}

describe("request shape", () => {
  test("SendMessage: target, content type, SigV4 scope for a custom endpoint, JSON body", async () => {
    const entry: SendEntry = { MessageBody: "hello 😀", DelaySeconds: 5 };
    const { client, calls } = fakeSqs(() => ({ json: { MessageId: "mid-1", MD5OfMessageBody: md5Hex("hello 😀") } }));
    const r = await client.sendMessage(CREDS, QUEUE_URL, entry);
    expect(r).toEqual({ MessageId: "mid-1" });
    expect(calls).toHaveLength(1);
    const c = calls[0]!;
    expect(c.url).toBe("http://127.0.0.1:1234/");
    expect(c.method).toBe("POST");
    expect(c.headers.get("x-amz-target")).toBe("AmazonSQS.SendMessage");
    expect(c.headers.get("content-type")).toBe("application/x-amz-json-1.0");
    const amzDate = c.headers.get("x-amz-date") ?? "";
    expect(amzDate).toMatch(/^\d{8}T\d{6}Z$/);
    const auth = c.headers.get("authorization") ?? "";
    expect(auth.startsWith("AWS4-HMAC-SHA256 ")).toBe(true);
    expect(auth).toContain(`Credential=AKIDEXAMPLE/${amzDate.slice(0, 8)}/us-east-1/sqs/aws4_request`);
    expect(auth).toMatch(/SignedHeaders=[a-z0-9;-]*x-amz-target/);
    expect(auth).toMatch(/Signature=[0-9a-f]{64}$/);
    expect(auth).not.toContain(CREDS.secretAccessKey);
    expect(c.headers.has("x-amz-security-token")).toBe(false);
    expect(c.body).toEqual({ QueueUrl: QUEUE_URL, MessageBody: "hello 😀", DelaySeconds: 5 });
  });

  test("a session token is sent as x-amz-security-token", async () => {
    const { client, calls } = fakeSqs(() => ({ json: { QueueUrl: QUEUE_URL } }));
    await client.getQueueUrl({ ...CREDS, sessionToken: "FwoGZXIvYXdzEXAMPLETOKEN" }, "orders");
    expect(calls[0]!.headers.get("x-amz-security-token")).toBe("FwoGZXIvYXdzEXAMPLETOKEN");
    expect(calls[0]!.headers.get("x-amz-target")).toBe("AmazonSQS.GetQueueUrl");
    expect(calls[0]!.body).toEqual({ QueueName: "orders" });
  });

  test("the region given is the one signed, not one guessed from the host", async () => {
    const calls: Captured[] = [];
    const client = new SqsClient({
      endpoint: "http://localhost:4566",
      region: "eu-west-3",
      timeoutMs: 5000,
      fetch: async (url, init) => {
        calls.push({ url, method: String(init.method), headers: new Headers(init.headers), body: JSON.parse(String(init.body)) });
        return new Response("{}");
      },
    });
    await client.getQueueAttributes(CREDS, QUEUE_URL);
    expect(calls[0]!.headers.get("authorization")).toContain("/eu-west-3/sqs/aws4_request");
    expect(calls[0]!.body).toEqual({ QueueUrl: QUEUE_URL, AttributeNames: ["All"] });
  });

  test("SendMessageBatch: Entries carry ids 0..n-1 with their fields", async () => {
    const entries: SendEntry[] = [
      { MessageBody: "a" },
      { MessageBody: "b", MessageGroupId: "g", MessageDeduplicationId: "d-1" },
      { MessageBody: "c", MessageAttributes: { color: { DataType: "String", StringValue: "red" } } },
    ];
    const { client, calls } = fakeSqs((req) => ({ json: allSuccessful(req) }));
    const out = await client.sendMessageBatch(CREDS, QUEUE_URL, entries);
    expect(calls[0]!.headers.get("x-amz-target")).toBe("AmazonSQS.SendMessageBatch");
    expect(calls[0]!.body).toEqual({
      QueueUrl: QUEUE_URL,
      Entries: [
        { Id: "0", MessageBody: "a" },
        { Id: "1", MessageBody: "b", MessageGroupId: "g", MessageDeduplicationId: "d-1" },
        { Id: "2", MessageBody: "c", MessageAttributes: { color: { DataType: "String", StringValue: "red" } } },
      ],
    });
    expect(out.failed).toEqual([]);
    expect(out.successful).toEqual([
      { id: "0", MessageId: "m-0" },
      { id: "1", MessageId: "m-1" },
      { id: "2", MessageId: "m-2" },
    ]);
  });

  test("createQueue sends Attributes only when there are some", async () => {
    const { client, calls } = fakeSqs((req) => ({ json: { QueueUrl: `http://127.0.0.1:1234/000000000000/${req.body.QueueName}` } }));
    await client.createQueue(CREDS, "plain");
    await client.createQueue(CREDS, "jobs.fifo", { FifoQueue: "true" });
    const creates = only(calls, "CreateQueue");
    expect(creates[0]!.body).toEqual({ QueueName: "plain" });
    expect(creates[1]!.body).toEqual({ QueueName: "jobs.fifo", Attributes: { FifoQueue: "true" } });
  });
});

describe("SendMessage answers", () => {
  test("SequenceNumber is passed on for FIFO", async () => {
    const { client } = fakeSqs(() => ({ json: { MessageId: "m", MD5OfMessageBody: md5Hex("x"), SequenceNumber: "1800" } }));
    expect(await client.sendMessage(CREDS, QUEUE_URL, { MessageBody: "x", MessageGroupId: "g" })).toEqual({
      MessageId: "m",
      SequenceNumber: "1800",
    });
  });

  test("an MD5OfMessageBody mismatch throws a retryable ChecksumMismatch", async () => {
    const { client } = fakeSqs(() => ({ json: { MessageId: "m", MD5OfMessageBody: md5Hex("something else") } }));
    const e = await rejection(client.sendMessage(CREDS, QUEUE_URL, { MessageBody: "hello" }));
    expect(e.code).toBe("ChecksumMismatch");
    expect(e.retryable).toBe(true);
  });

  test("an MD5OfMessageAttributes mismatch throws ChecksumMismatch", async () => {
    const entry: SendEntry = { MessageBody: "hello", MessageAttributes: { a: { DataType: "String", StringValue: "1" } } };
    const { client } = fakeSqs(() => ({
      json: { MessageId: "m", MD5OfMessageBody: md5Hex("hello"), MD5OfMessageAttributes: md5Hex("nope") },
    }));
    const e = await rejection(client.sendMessage(CREDS, QUEUE_URL, entry));
    expect(e.code).toBe("ChecksumMismatch");
    expect(e.message).toContain("MD5OfMessageAttributes");
  });

  test("matching attribute checksum passes", async () => {
    const entry: SendEntry = { MessageBody: "hello", MessageAttributes: { a: { DataType: "String", StringValue: "1" } } };
    const { client } = fakeSqs(() => ({
      json: { MessageId: "m", MD5OfMessageBody: md5Hex("hello"), MD5OfMessageAttributes: md5OfAttributes(entry.MessageAttributes) },
    }));
    expect((await client.sendMessage(CREDS, QUEUE_URL, entry)).MessageId).toBe("m");
  });
});

describe("SendMessageBatch answers", () => {
  const five: SendEntry[] = ["a", "b", "c", "d", "e"].map((MessageBody) => ({ MessageBody }));

  test("Successful and Failed, SenderFault as boolean and as moto's string", async () => {
    const { client } = fakeSqs(() => ({
      json: {
        Successful: [{ Id: "0", MessageId: "m0", MD5OfMessageBody: md5Hex("a") }],
        Failed: [
          { Id: "1", SenderFault: true, Code: "InvalidParameterValue", Message: "bad 1" },
          { Id: "2", SenderFault: "true", Code: "InvalidMessageContents", Message: "bad 2" },
          { Id: "3", SenderFault: false, Code: "InternalError", Message: "try again" },
          { Id: "4", SenderFault: "false", Code: "ServiceUnavailable" },
        ],
      },
    }));
    const out = await client.sendMessageBatch(CREDS, QUEUE_URL, five);
    expect(out.successful).toEqual([{ id: "0", MessageId: "m0" }]);
    const byId = new Map(out.failed.map((f) => [f.id, f.error]));
    expect([...byId.keys()].sort()).toEqual(["1", "2", "3", "4"]);
    expect(byId.get("1")!.retryable).toBe(false);
    expect(byId.get("1")!.senderFault).toBe(true);
    expect(byId.get("1")!.code).toBe("InvalidParameterValue");
    expect(byId.get("1")!.message).toBe("bad 1");
    expect(byId.get("2")!.retryable).toBe(false);
    expect(byId.get("2")!.senderFault).toBe(true);
    expect(byId.get("3")!.retryable).toBe(true);
    expect(byId.get("3")!.senderFault).toBe(false);
    expect(byId.get("4")!.retryable).toBe(true);
    expect(byId.get("4")!.senderFault).toBe(false);
  });

  test("SenderFault false makes even a usually permanent code retryable", async () => {
    const { client } = fakeSqs(() => ({
      json: { Failed: [{ Id: "0", SenderFault: false, Code: "InvalidParameterValue", Message: "server says no" }] },
    }));
    const out = await client.sendMessageBatch(CREDS, QUEUE_URL, [{ MessageBody: "a" }]);
    expect(out.failed).toHaveLength(1);
    expect(out.failed[0]!.error.retryable).toBe(true);
  });

  test("a throttled entry is retried even when SQS marks it SenderFault (classify by code)", async () => {
    const { client } = fakeSqs(() => ({
      json: { Failed: [{ Id: "0", SenderFault: true, Code: "RequestThrottled", Message: "Request is throttled" }] },
    }));
    const out = await client.sendMessageBatch(CREDS, QUEUE_URL, [{ MessageBody: "a" }]);
    expect(out.failed).toHaveLength(1);
    expect(out.failed[0]!.error.kind).toBe("throttling");
    expect(out.failed[0]!.error.retryable).toBe(true);
  });

  test("entries missing from the answer are reported failed and retryable", async () => {
    const { client } = fakeSqs(() => ({
      json: {
        Successful: [
          { Id: "0", MessageId: "m0", MD5OfMessageBody: md5Hex("a") },
          { Id: "0", MessageId: "dup", MD5OfMessageBody: md5Hex("a") },
          { Id: "99", MessageId: "stray", MD5OfMessageBody: md5Hex("z") },
        ],
        Failed: [{ Id: "2", SenderFault: true, Code: "InvalidMessageContents" }],
      },
    }));
    const out = await client.sendMessageBatch(CREDS, QUEUE_URL, five);
    expect(out.successful).toEqual([{ id: "0", MessageId: "m0" }]);
    const missing = out.failed.filter((f) => f.error.code === "MissingBatchResult").map((f) => f.id);
    expect(missing.sort()).toEqual(["1", "3", "4"]);
    for (const f of out.failed) if (f.id !== "2") expect(f.error.retryable).toBe(true);
    expect(out.failed.find((f) => f.id === "2")!.error.retryable).toBe(false);
    // every entry is accounted for exactly once
    expect([...out.successful.map((s) => s.id), ...out.failed.map((f) => f.id)].sort()).toEqual(["0", "1", "2", "3", "4"]);
  });

  test("an empty answer fails every entry retryably", async () => {
    const { client } = fakeSqs(() => ({ text: "" }));
    const out = await client.sendMessageBatch(CREDS, QUEUE_URL, five.slice(0, 2));
    expect(out.successful).toEqual([]);
    expect(out.failed.map((f) => [f.id, f.error.retryable])).toEqual([
      ["0", true],
      ["1", true],
    ]);
  });

  test("a Successful entry with a wrong checksum is a retryable failure", async () => {
    const { client } = fakeSqs(() => ({
      json: {
        Successful: [
          { Id: "0", MessageId: "m0", MD5OfMessageBody: md5Hex("a") },
          { Id: "1", MessageId: "m1", MD5OfMessageBody: md5Hex("not b") },
        ],
      },
    }));
    const out = await client.sendMessageBatch(CREDS, QUEUE_URL, five.slice(0, 2));
    expect(out.successful).toEqual([{ id: "0", MessageId: "m0" }]);
    expect(out.failed).toHaveLength(1);
    expect(out.failed[0]!.id).toBe("1");
    expect(out.failed[0]!.error.code).toBe("ChecksumMismatch");
    expect(out.failed[0]!.error.retryable).toBe(true);
  });
});

describe("queues", () => {
  test("listQueues follows NextToken across pages and sorts by name", async () => {
    const base = "http://127.0.0.1:1234/000000000000";
    const { client, calls } = fakeSqs((_req, n) =>
      n === 0
        ? { json: { QueueUrls: [`${base}/zeta`, `${base}/alpha`], NextToken: "page-2" } }
        : n === 1
          ? { json: { QueueUrls: [`${base}/mid`], NextToken: "page-3" } }
          : { json: { QueueUrls: [`${base}/beta`] } },
    );
    const qs = await client.listQueues(CREDS, "a");
    expect(calls).toHaveLength(3);
    expect(calls[0]!.headers.get("x-amz-target")).toBe("AmazonSQS.ListQueues");
    expect(calls[0]!.body).toEqual({ MaxResults: 1000, QueueNamePrefix: "a" });
    expect(calls[1]!.body).toEqual({ MaxResults: 1000, QueueNamePrefix: "a", NextToken: "page-2" });
    expect(calls[2]!.body).toEqual({ MaxResults: 1000, QueueNamePrefix: "a", NextToken: "page-3" });
    expect(qs).toEqual([
      { name: "alpha", url: `${base}/alpha` },
      { name: "beta", url: `${base}/beta` },
      { name: "mid", url: `${base}/mid` },
      { name: "zeta", url: `${base}/zeta` },
    ]);
  });

  test("listQueues with no queues ({} answer) is empty", async () => {
    const { client, calls } = fakeSqs(() => ({ json: {} }));
    expect(await client.listQueues(CREDS)).toEqual([]);
    expect(calls[0]!.body).toEqual({ MaxResults: 1000 });
  });

  test("getQueueUrl is cached; forgetQueue clears it", async () => {
    const { client, calls } = fakeSqs(() => ({ json: { QueueUrl: QUEUE_URL } }));
    expect(await client.getQueueUrl(CREDS, "orders")).toBe(QUEUE_URL);
    expect(await client.getQueueUrl(CREDS, "orders")).toBe(QUEUE_URL);
    expect(only(calls, "GetQueueUrl")).toHaveLength(1);
    // other credentials resolve on their own
    await client.getQueueUrl({ accessKeyId: "AKIDOTHER", secretAccessKey: "s" }, "orders");
    expect(only(calls, "GetQueueUrl")).toHaveLength(2);
    client.forgetQueue(CREDS, "orders");
    expect(await client.getQueueUrl(CREDS, "orders")).toBe(QUEUE_URL);
    expect(only(calls, "GetQueueUrl")).toHaveLength(3);
  });

  test("a queue GetQueueUrl reported missing is known missing until it is created", async () => {
    let exists = false;
    const { client } = fakeSqs((req) =>
      req.headers.get("x-amz-target") === "AmazonSQS.CreateQueue" || exists
        ? { json: { QueueUrl: QUEUE_URL } }
        : { status: 400, json: { __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "gone" } },
    );
    expect(client.knownMissing(CREDS, "orders")).toBe(false);
    expect((await rejection(client.getQueueUrl(CREDS, "orders"))).code).toBe("QueueDoesNotExist");
    expect(client.knownMissing(CREDS, "orders")).toBe(true);
    expect(client.knownMissing(CREDS, "other")).toBe(false);
    await client.createQueue(CREDS, "orders");
    exists = true;
    expect(client.knownMissing(CREDS, "orders")).toBe(false);
  });

  test("deleteQueue forgets the cached URL", async () => {
    const { client, calls } = fakeSqs((req) =>
      req.headers.get("x-amz-target") === "AmazonSQS.GetQueueUrl" ? { json: { QueueUrl: QUEUE_URL } } : { text: "" },
    );
    await client.deleteQueue(CREDS, "orders");
    expect(only(calls, "DeleteQueue").map((c) => c.body)).toEqual([{ QueueUrl: QUEUE_URL }]);
    await client.getQueueUrl(CREDS, "orders");
    expect(only(calls, "GetQueueUrl")).toHaveLength(2);
  });

  test("a queue's MaximumMessageSize is read in the background once its URL is known, never waited for", async () => {
    const { client, calls } = fakeSqs((req) =>
      req.headers.get("x-amz-target") === "AmazonSQS.GetQueueUrl"
        ? { json: { QueueUrl: QUEUE_URL } }
        : { json: { Attributes: { MaximumMessageSize: "2048" } } },
    );
    expect(client.queueMaxBytes(CREDS, "orders")).toBeUndefined(); // no URL yet: nothing is asked
    expect(calls).toHaveLength(0);
    await client.getQueueUrl(CREDS, "orders");
    await waitFor(() => client.queueMaxBytes(CREDS, "orders") === 2048, 2_000, "the limit");
    expect(only(calls, "GetQueueAttributes").map((c) => c.body)).toEqual([{ QueueUrl: QUEUE_URL, AttributeNames: ["MaximumMessageSize"] }]);
    client.forgetQueue(CREDS, "orders");
    expect(client.queueMaxBytes(CREDS, "orders")).toBeUndefined();
  });

  test("credentials that may not read a queue's attributes are not asked again on every send", async () => {
    const { client, calls } = fakeSqs((req) =>
      req.headers.get("x-amz-target") === "AmazonSQS.GetQueueUrl"
        ? { json: { QueueUrl: QUEUE_URL } }
        : { status: 400, json: { __type: "com.amazonaws.sqs#AccessDenied", message: "not allowed" } },
    );
    await client.getQueueUrl(CREDS, "orders");
    await waitFor(() => only(calls, "GetQueueAttributes").length === 1, 2_000, "the read");
    for (let i = 0; i < 20; i++) {
      expect(client.queueMaxBytes(CREDS, "orders")).toBeUndefined();
      await Bun.sleep(2);
    }
    expect(only(calls, "GetQueueAttributes")).toHaveLength(1);
  });
});

describe("errors", () => {
  test("an error answer becomes SqsError with code and status", async () => {
    const { client } = fakeSqs(() => ({
      status: 400,
      json: { __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "The specified queue does not exist." },
      headers: { "x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender" },
    }));
    const e = await rejection(client.getQueueUrl(CREDS, "missing"));
    expect(e.code).toBe("QueueDoesNotExist");
    expect(e.status).toBe(400);
    expect(e.retryable).toBe(false);
    expect(e.message).toBe("The specified queue does not exist.");
  });

  test("a throttled answer is a retryable SqsError", async () => {
    const { client } = fakeSqs(() => ({ status: 403, json: { __type: "com.amazonaws.sqs#RequestThrottled", message: "slow down" } }));
    const e = await rejection(client.sendMessage(CREDS, QUEUE_URL, { MessageBody: "x" }));
    expect(e.code).toBe("RequestThrottled");
    expect(e.status).toBe(403);
    expect(e.kind).toBe("throttling");
  });

  test("a 200 that is not JSON is a retryable MalformedResponse", async () => {
    const { client } = fakeSqs(() => ({ text: "<html>proxy</html>" }));
    const e = await rejection(client.getQueueUrl(CREDS, "orders"));
    expect(e.code).toBe("MalformedResponse");
    expect(e.retryable).toBe(true);
  });

  test("a fetch that throws becomes a retryable NetworkError", async () => {
    const client = new SqsClient({
      endpoint: "http://127.0.0.1:1234",
      region: "us-east-1",
      timeoutMs: 5000,
      fetch: async () => {
        throw Object.assign(new TypeError("Unable to connect"), { code: "ECONNREFUSED" });
      },
    });
    const e = await rejection(client.sendMessage(CREDS, QUEUE_URL, { MessageBody: "x" }));
    expect(e.code).toBe("NetworkError");
    expect(e.retryable).toBe(true);
    expect(e.status).toBe(0);
    expect(e.message).toContain("ECONNREFUSED");
  });

  test("a fetch that times out becomes a retryable Timeout", async () => {
    const client = new SqsClient({
      endpoint: "http://127.0.0.1:1234",
      region: "us-east-1",
      timeoutMs: 5000,
      fetch: async () => {
        throw new DOMException("The operation timed out.", "TimeoutError");
      },
    });
    const e = await rejection(client.getQueueUrl(CREDS, "orders"));
    expect(e.code).toBe("Timeout");
    expect(e.retryable).toBe(true);
  });

  test("the timeout is applied to the request signal", async () => {
    const client = new SqsClient({
      endpoint: "http://127.0.0.1:1234",
      region: "us-east-1",
      timeoutMs: 50,
      fetch: (_url, init) =>
        new Promise<Response>((_resolve, reject) => {
          const signal = init.signal;
          if (!signal) return reject(new Error("no signal"));
          signal.addEventListener("abort", () => reject(signal.reason));
        }),
    });
    const e = await rejection(client.getQueueUrl(CREDS, "orders"));
    expect(e.code).toBe("Timeout");
  });
});

// A fault-injecting SQS stand-in for delivery tests: a small real HTTP server speaking AWS JSON 1.0,
// storing what it accepts, and failing exactly the requests a test's fault plan names.
import { md5Hex, md5OfAttributes } from "../src/sqs/md5";
import type { MessageAttributes } from "../src/sqs/types";

export interface Stored {
  body: string;
  groupId?: string;
  dedupId?: string;
  attributes?: MessageAttributes;
}

export type Fault =
  /** An AWS JSON error answer with this status and code (e.g. 400 ThrottlingException, 503 ServiceUnavailable). */
  | { kind: "error"; status: number; code: string; message?: string }
  /** The connection dies after the headers: the client sees a network error, not an answer. */
  | { kind: "reset" }
  /** Answer only after `ms` (beyond the client's timeout, the client gives up). */
  | { kind: "slow"; ms: number }
  /** A SendMessageBatch answer where these entry positions fail with SenderFault as given. */
  | { kind: "partial"; entries: Array<{ index: number; senderFault: boolean; code: string }> }
  /** A send answer whose MD5OfMessageBody is wrong (the message IS stored, as if corrupted in transit). */
  | { kind: "bad-md5" };

export interface FaultContext {
  action: string;
  /** 1-based count of requests for this action so far, this one included. */
  n: number;
  payload: Record<string, unknown>;
}

export interface FakeSqs {
  url: string;
  queues: Map<string, Stored[]>;
  requests: Array<{ action: string; entries: number; fault?: Fault["kind"] }>;
  /** Replace the fault plan at any time. */
  setFaults(plan: (ctx: FaultContext) => Fault | undefined): void;
  /** A queue, with its MaximumMessageSize if not the 1 MiB default. */
  createQueue(name: string, maxMessageSize?: number): void;
  bodies(name: string): string[];
  stop(): void;
}

const ACCOUNT = "000000000000";

export function startFakeSqs(plan: (ctx: FaultContext) => Fault | undefined = () => undefined): FakeSqs {
  const queues = new Map<string, Stored[]>();
  const dedup = new Map<string, Set<string>>();
  const counts = new Map<string, number>();
  const maxSizes = new Map<string, number>();
  const requests: FakeSqs["requests"] = [];
  let faults = plan;

  const err = (status: number, code: string, message = code) =>
    Response.json({ __type: `com.amazonaws.sqs#${code}`, message }, { status, headers: { "x-amzn-query-error": `${code};Sender` } });

  function store(name: string, e: Record<string, unknown>): void {
    const q = queues.get(name)!;
    const dedupId = e.MessageDeduplicationId as string | undefined;
    if (dedupId) {
      const seen = dedup.get(name) ?? new Set();
      dedup.set(name, seen);
      if (seen.has(dedupId)) return; // FIFO deduplication: a retry of a stored message is not stored twice
      seen.add(dedupId);
    }
    q.push({
      body: e.MessageBody as string,
      groupId: e.MessageGroupId as string | undefined,
      dedupId,
      attributes: e.MessageAttributes as MessageAttributes | undefined,
    });
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const action = (request.headers.get("x-amz-target") ?? "").replace("AmazonSQS.", "");
      if (!request.headers.get("authorization")?.startsWith("AWS4-HMAC-SHA256 ")) return err(400, "MissingAuthenticationToken");
      const payload = (await request.json()) as Record<string, unknown>;
      const n = (counts.get(action) ?? 0) + 1;
      counts.set(action, n);
      const fault = faults({ action, n, payload });
      requests.push({ action, entries: Array.isArray(payload.Entries) ? payload.Entries.length : 1, fault: fault?.kind });
      if (fault?.kind === "error") return err(fault.status, fault.code, fault.message);
      if (fault?.kind === "slow") await Bun.sleep(fault.ms);
      if (fault?.kind === "reset") {
        const body = new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode('{"Mess'));
            c.error(new Error("connection reset by the fault plan"));
          },
        });
        return new Response(body, { headers: { "content-type": "application/x-amz-json-1.0", "content-length": "500" } });
      }
      const qname = (url: unknown) => String(url ?? "").slice(String(url ?? "").lastIndexOf("/") + 1);
      const host = new URL(request.url).host;
      switch (action) {
        case "ListQueues": {
          const prefix = String(payload.QueueNamePrefix ?? "");
          const names = [...queues.keys()].filter((q) => q.startsWith(prefix));
          return Response.json({ QueueUrls: names.map((q) => `http://${host}/${ACCOUNT}/${q}`) });
        }
        case "CreateQueue": {
          const name = payload.QueueName as string;
          if (!queues.has(name)) queues.set(name, []);
          return Response.json({ QueueUrl: `http://${host}/${ACCOUNT}/${name}` });
        }
        case "GetQueueAttributes": {
          const name = qname(payload.QueueUrl);
          if (!queues.has(name)) return err(400, "QueueDoesNotExist", "The specified queue does not exist.");
          return Response.json({ Attributes: { MaximumMessageSize: String(maxSizes.get(name) ?? 1_048_576) } });
        }
        case "GetQueueUrl": {
          const name = payload.QueueName as string;
          if (!queues.has(name)) return err(400, "QueueDoesNotExist", "The specified queue does not exist.");
          return Response.json({ QueueUrl: `http://${host}/${ACCOUNT}/${name}` });
        }
        case "SendMessage": {
          const name = qname(payload.QueueUrl);
          if (!queues.has(name)) return err(400, "QueueDoesNotExist", "The specified queue does not exist.");
          store(name, payload);
          const body = payload.MessageBody as string;
          return Response.json({
            MessageId: crypto.randomUUID(),
            MD5OfMessageBody: fault?.kind === "bad-md5" ? md5Hex(`${body}x`) : md5Hex(body),
            ...(payload.MessageAttributes
              ? { MD5OfMessageAttributes: md5OfAttributes(payload.MessageAttributes as MessageAttributes) }
              : {}),
          });
        }
        case "SendMessageBatch": {
          const name = qname(payload.QueueUrl);
          if (!queues.has(name)) return err(400, "QueueDoesNotExist", "The specified queue does not exist.");
          const entries = payload.Entries as Array<Record<string, unknown>>;
          const failing = new Map((fault?.kind === "partial" ? fault.entries : []).map((f) => [f.index, f]));
          const Successful: unknown[] = [];
          const Failed: unknown[] = [];
          entries.forEach((e, i) => {
            const f = failing.get(i);
            if (f) {
              Failed.push({ Id: e.Id, SenderFault: f.senderFault, Code: f.code, Message: `fault plan: ${f.code}` });
              return;
            }
            store(name, e);
            const body = e.MessageBody as string;
            Successful.push({
              Id: e.Id,
              MessageId: crypto.randomUUID(),
              MD5OfMessageBody: fault?.kind === "bad-md5" ? md5Hex(`${body}x`) : md5Hex(body),
              ...(e.MessageAttributes ? { MD5OfMessageAttributes: md5OfAttributes(e.MessageAttributes as MessageAttributes) } : {}),
            });
          });
          return Response.json({ Successful, Failed });
        }
        default:
          return err(400, "InvalidAction", `The fake does not implement ${action}.`);
      }
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    queues,
    requests,
    setFaults: (p) => {
      faults = p;
    },
    createQueue: (name, maxMessageSize) => {
      if (!queues.has(name)) queues.set(name, []);
      if (maxMessageSize !== undefined) maxSizes.set(name, maxMessageSize);
    },
    bodies: (name) => (queues.get(name) ?? []).map((m) => m.body),
    stop: () => server.stop(true),
  };
}

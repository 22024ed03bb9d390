// Message actions: send (FIFO dedup and sequence numbers), receive (long polling, FIFO group order,
// dead-letter redrive), delete and change visibility, one at a time or in batches of up to 10.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
import { MAX_BATCH_BYTES, MAX_BATCH_ENTRIES } from "../sqs/limits";
import { md5OfAttributes } from "../sqs/md5";
import type { MessageAttributes } from "../sqs/types";
import { queueArn, READABLE, redriveOf } from "./attributes";
import { type Action, type ActionContext, DEDUP_WINDOW_MS, queueFrom } from "./context";
import { batchFailure, fault, SqsFault } from "./errors";
import { entryBytes, type PreparedMessage, prepareMessage } from "./message-input";
import { optInt, optObjectList, optString, optStringList, type Params, reqString } from "./params";
import type { MessageRow, QueueRecord } from "./store";

const MAX_VISIBILITY = 43_200;
const MAX_WAIT = 20;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;
/** Message system attributes ReceiveMessage can return. */
const SYSTEM_NAMES = new Set([
  "All",
  "SenderId",
  "SentTimestamp",
  "ApproximateReceiveCount",
  "ApproximateFirstReceiveTimestamp",
  "SequenceNumber",
  "MessageDeduplicationId",
  "MessageGroupId",
  "AWSTraceHeader",
  "DeadLetterQueueSourceArn",
]);

// ---- sending

/** A FIFO sequence number: 20 digits, increasing per queue. */
const sequenceNumber = (n: number) => (10n ** 19n + BigInt(n)).toString();

interface Enqueued {
  MessageId: string;
  SequenceNumber?: string;
}

/** Stores one validated message (or recognises a FIFO duplicate within the 5-minute window). */
function enqueue(ctx: ActionContext, queue: QueueRecord, m: PreparedMessage): Enqueued {
  const now = ctx.now();
  let seq: string | null = null;
  let dedupKey: string | null = null;
  if (queue.fifo) {
    dedupKey = queue.attributes.DeduplicationScope === "messageGroup" ? `${m.groupId}\n${m.dedupId}` : m.dedupId!;
    const dup = ctx.store.dedupLookup(queue.name, dedupKey, now);
    // A duplicate is accepted and answered like the original, but not stored again.
    if (dup) return { MessageId: dup.message_id, ...(dup.seq ? { SequenceNumber: dup.seq } : {}) };
  }
  if (ctx.store.storedBytes + m.bytes > ctx.limits.maxStoredBytes)
    throw fault.overLimit(`local-sqs stores at most ${ctx.limits.maxStoredBytes} bytes of messages; delete or purge some first.`);
  const messageId = crypto.randomUUID();
  if (queue.fifo) {
    const current = ctx.store.queue(queue.name) ?? queue;
    const next = { ...current, seq: current.seq + 1 };
    ctx.store.saveQueue(next);
    seq = sequenceNumber(next.seq);
  }
  ctx.store.insert({
    queue: queue.name,
    messageId,
    body: m.body,
    attributes: m.attributes,
    systemAttributes: m.systemAttributes,
    md5Body: m.md5Body,
    groupId: m.groupId,
    dedupId: queue.fifo ? m.dedupId : null,
    seq,
    sender: ctx.sender,
    sentAt: now,
    visibleAt: now + m.delaySeconds * 1000,
    bytes: m.bytes,
  });
  if (dedupKey !== null) ctx.store.dedupRemember(queue.name, dedupKey, messageId, seq, now + DEDUP_WINDOW_MS);
  return { MessageId: messageId, ...(seq ? { SequenceNumber: seq } : {}) };
}

/**
 * The send answer. MD5OfMessageBody is the hex MD5 of the body's UTF-8 bytes; MD5OfMessageAttributes
 * (and MD5OfMessageSystemAttributes) hash, for each attribute in name order: 4-byte big-endian length +
 * UTF-8 name, length + UTF-8 DataType, one transport byte (1 String/Number, 2 Binary), length + value
 * (UTF-8 string, or the base64-decoded bytes) — src/sqs/md5.ts, as the AWS SDKs verify it.
 */
function sendAnswer(m: PreparedMessage, r: Enqueued) {
  return {
    MD5OfMessageBody: m.md5Body,
    ...(m.md5Attributes ? { MD5OfMessageAttributes: m.md5Attributes } : {}),
    ...(m.md5SystemAttributes ? { MD5OfMessageSystemAttributes: m.md5SystemAttributes } : {}),
    MessageId: r.MessageId,
    ...(r.SequenceNumber ? { SequenceNumber: r.SequenceNumber } : {}),
  };
}

const sendMessage: Action = (ctx, p) => {
  const queue = queueFrom(ctx, p);
  const m = prepareMessage(p, queue);
  const r = ctx.store.tx(() => enqueue(ctx, queue, m));
  ctx.waiters.wake(queue.name);
  return sendAnswer(m, r);
};

/** Checks a batch's shape: 1–10 entries, valid and distinct ids. */
function batchEntries(p: Params, entryName: string): Params[] {
  const entries = optObjectList(p, "Entries") ?? [];
  if (entries.length === 0) throw fault.emptyBatch(entryName);
  if (entries.length > MAX_BATCH_ENTRIES) throw fault.tooManyEntries(entries.length);
  const seen = new Set<string>();
  for (const e of entries) {
    if (typeof e.Id !== "string" || !BATCH_ID.test(e.Id)) throw fault.invalidBatchEntryId();
    if (seen.has(e.Id)) throw fault.idsNotDistinct(e.Id);
    seen.add(e.Id);
  }
  return entries;
}

/** Runs `fn` per entry; an SqsFault becomes that entry's Failed item, anything else fails the request. */
function perEntry<T extends object>(entries: Params[], fn: (e: Params) => T) {
  const Successful: Array<{ Id: string } & T> = [];
  const Failed: ReturnType<typeof batchFailure>[] = [];
  for (const e of entries) {
    const id = e.Id as string;
    try {
      Successful.push({ Id: id, ...fn(e) });
    } catch (err) {
      if (!(err instanceof SqsFault)) throw err;
      Failed.push(batchFailure(id, err));
    }
  }
  return { Successful, Failed };
}

const sendMessageBatch: Action = (ctx, p) => {
  const queue = queueFrom(ctx, p);
  const entries = batchEntries(p, "SendMessageBatchRequestEntry");
  const total = entries.reduce((n, e) => n + entryBytes(e), 0);
  if (total > MAX_BATCH_BYTES) throw fault.batchTooLong(MAX_BATCH_BYTES, total);
  const out = ctx.store.tx(() =>
    perEntry(entries, (e) => {
      const m = prepareMessage(e, queue);
      return sendAnswer(m, enqueue(ctx, queue, m));
    }),
  );
  if (out.Successful.length) ctx.waiters.wake(queue.name);
  return out;
};

// ---- receiving

interface ReceiptHandle {
  id: number;
  nonce: string;
  queue: string;
}

const encodeReceipt = (queue: string, id: number, nonce: string) => Buffer.from(`${id}:${nonce}:${queue}`).toString("base64url");

function decodeReceipt(handle: string, queue: QueueRecord): ReceiptHandle {
  const m = /^(\d{1,15}):([0-9a-f]{32}):(.+)$/.exec(Buffer.from(handle, "base64url").toString("utf8"));
  if (!m || encodeReceipt(m[3]!, Number(m[1]), m[2]!) !== handle || m[3] !== queue.name) throw fault.receiptHandleIsInvalid(handle);
  return { id: Number(m[1]), nonce: m[2]!, queue: m[3]! };
}

function rangeCheck(name: string, v: number | undefined, min: number, max: number, reason: string): void {
  if (v !== undefined && (v < min || v > max)) throw fault.invalidValue(name, v, reason);
}

interface Delivered {
  row: MessageRow;
  receipt: string;
}

/** One pass over the queue: marks up to `max` messages received and moves those past maxReceiveCount. */
function receiveOnce(ctx: ActionContext, queue: QueueRecord, max: number, visibilitySec: number): Delivered[] {
  const now = ctx.now();
  ctx.store.expire(queue.name, now - Number(queue.attributes.MessageRetentionPeriod) * 1000);
  const redrive = redriveOf(queue.attributes);
  const dlqName = redrive?.deadLetterTargetArn.split(":")[5];
  const dlq = dlqName ? ctx.store.queue(dlqName) : undefined;
  const sourceArn = queueArn(ctx.region, queue.name);
  const out: Delivered[] = [];
  const taken = new Set<number>();
  let moved = 0;

  /** Delivers `row`, or moves it to the dead-letter queue; false when it moved. */
  const take = (row: MessageRow): boolean => {
    if (redrive && dlq && row.receive_count >= redrive.maxReceiveCount) {
      ctx.store.moveToDeadLetter(row, dlq.name, sourceArn, now, queue.fifo);
      moved++;
      return false;
    }
    const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex");
    const visibleAt = now + visibilitySec * 1000;
    ctx.store.markReceived(row.id, visibleAt, now, nonce);
    taken.add(row.id);
    out.push({
      row: {
        ...row,
        receive_count: row.receive_count + 1,
        first_receive_at: row.first_receive_at ?? now,
        receipt: nonce,
        visible_at: visibleAt,
      },
      receipt: encodeReceipt(queue.name, row.id, nonce),
    });
    return true;
  };

  ctx.store.tx(() => {
    if (!queue.fifo) {
      // Bounded: each round either fills the answer or moves messages out; a few rounds at most.
      for (let round = 0; round < 20 && out.length < max; round++) {
        const before = moved;
        const rows = ctx.store.ready(queue.name, now, max - out.length + taken.size);
        for (const row of rows) if (!taken.has(row.id) && out.length < max) take(row);
        if (moved === before) break;
      }
      return;
    }
    // FIFO: a group delivers only from its oldest message, and only while none of it is in flight;
    // as many of one group as fit come first, then the next group (in arrival order of their heads).
    for (const head of ctx.store.visibleHeads(queue.name, now, 1000)) {
      if (out.length >= max) break;
      take(head);
      let lastId = head.id;
      let open = true;
      for (let page = 0; page < 100 && open && out.length < max; page++) {
        const rows = ctx.store.groupRun(queue.name, head.group_id, lastId, max - out.length + 1);
        if (rows.length === 0) break;
        for (const row of rows) {
          lastId = row.id;
          // The run stops at the first message not visible (in flight or delayed): order within the group holds.
          if (row.visible_at > now || out.length >= max) {
            open = false;
            break;
          }
          take(row);
        }
      }
    }
  });
  if (moved > 0 && dlq) ctx.waiters.wake(dlq.name);
  return out;
}

/** Which message attributes a receive selects: `All`, `.*`, `prefix.*` or exact names. */
function selectAttributes(attrs: MessageAttributes | null, names: string[]): MessageAttributes | null {
  if (!attrs || names.length === 0) return null;
  const all = names.includes("All") || names.includes(".*");
  const prefixes = names.filter((n) => n.endsWith(".*")).map((n) => n.slice(0, -2));
  const out: MessageAttributes = {};
  for (const [k, v] of Object.entries(attrs)) if (all || names.includes(k) || prefixes.some((pre) => k.startsWith(pre))) out[k] = v;
  return Object.keys(out).length ? out : null;
}

function systemAttributes(row: MessageRow, names: Set<string>): Record<string, string> | null {
  if (names.size === 0) return null;
  const all = names.has("All");
  const want = (n: string) => all || names.has(n);
  const out: Record<string, string> = {};
  if (want("SenderId")) out.SenderId = row.sender;
  if (want("SentTimestamp")) out.SentTimestamp = String(row.sent_at);
  if (want("ApproximateReceiveCount")) out.ApproximateReceiveCount = String(row.receive_count);
  if (want("ApproximateFirstReceiveTimestamp") && row.first_receive_at !== null)
    out.ApproximateFirstReceiveTimestamp = String(row.first_receive_at);
  if (want("SequenceNumber") && row.seq !== null) out.SequenceNumber = row.seq;
  if (want("MessageDeduplicationId") && row.dedup_id !== null) out.MessageDeduplicationId = row.dedup_id;
  if (want("MessageGroupId") && row.group_id !== null) out.MessageGroupId = row.group_id;
  if (want("DeadLetterQueueSourceArn") && row.dlq_source !== null) out.DeadLetterQueueSourceArn = row.dlq_source;
  if (want("AWSTraceHeader") && row.sys_attrs !== null) {
    const trace = (JSON.parse(row.sys_attrs) as MessageAttributes).AWSTraceHeader?.StringValue;
    if (trace) out.AWSTraceHeader = trace;
  }
  return out;
}

function messageOut(d: Delivered, systemNames: Set<string>, attributeNames: string[]) {
  const attrs = selectAttributes(d.row.attrs ? (JSON.parse(d.row.attrs) as MessageAttributes) : null, attributeNames);
  const sys = systemAttributes(d.row, systemNames);
  return {
    MessageId: d.row.message_id,
    ReceiptHandle: d.receipt,
    MD5OfBody: d.row.md5_body,
    Body: d.row.body,
    ...(sys ? { Attributes: sys } : {}),
    // Over the attributes returned, so a client can verify what it got (as the AWS SDKs do).
    ...(attrs ? { MD5OfMessageAttributes: md5OfAttributes(attrs)!, MessageAttributes: attrs } : {}),
  };
}

const receiveMessage: Action = async (ctx, p) => {
  const queue = queueFrom(ctx, p);
  const max = optInt(p, "MaxNumberOfMessages");
  rangeCheck("MaxNumberOfMessages", max, 1, 10, "Must be between 1 and 10, if provided.");
  const wait = optInt(p, "WaitTimeSeconds");
  rangeCheck("WaitTimeSeconds", wait, 0, MAX_WAIT, `Must be >= 0 and <= ${MAX_WAIT}, if provided.`);
  const visibility = optInt(p, "VisibilityTimeout");
  rangeCheck("VisibilityTimeout", visibility, 0, MAX_VISIBILITY, `Must be >= 0 and <= ${MAX_VISIBILITY}, if provided.`);
  const systemNames = new Set([...(optStringList(p, "AttributeNames") ?? []), ...(optStringList(p, "MessageSystemAttributeNames") ?? [])]);
  // The deprecated AttributeNames member is typed as queue attribute names: those select nothing here.
  for (const n of systemNames) if (!SYSTEM_NAMES.has(n) && !READABLE.has(n)) throw fault.invalidAttributeName(n);
  const attributeNames = optStringList(p, "MessageAttributeNames") ?? [];
  optString(p, "ReceiveRequestAttemptId");

  const waitMs = (wait ?? Number(queue.attributes.ReceiveMessageWaitTimeSeconds)) * 1000;
  const deadline = performance.now() + waitMs;
  // Bounded in time (the wait) and in rounds: each round sleeps until a send wakes it, the next
  // message of the queue becomes visible, or the wait ends.
  for (let round = 0; round < 10_000; round++) {
    const current = ctx.store.queue(queue.name);
    if (!current) throw fault.queueDoesNotExist();
    const vt = visibility ?? Number(current.attributes.VisibilityTimeout);
    const got = receiveOnce(ctx, current, max ?? 1, vt);
    if (got.length) return { Messages: got.map((d) => messageOut(d, systemNames, attributeNames)) };
    const left = deadline - performance.now();
    if (left <= 0) break;
    const next = ctx.store.nextVisibleAt(queue.name, ctx.now());
    const sleepMs = next === null ? left : Math.min(left, Math.max(5, next - ctx.now()));
    const slept = await ctx.waiters.sleep(sleepMs, queue.name);
    if (!slept || ctx.stopped()) break;
  }
  return {};
};

// ---- deleting and changing visibility

/** Deletes by receipt handle: a message already gone, or received again since (a stale handle), is no error. */
function deleteOne(ctx: ActionContext, queue: QueueRecord, handle: string): void {
  const h = decodeReceipt(handle, queue);
  const row = ctx.store.message(queue.name, h.id);
  if (!row || row.receipt !== h.nonce) return;
  ctx.store.deleteMessage(row);
}

const deleteMessage: Action = (ctx, p) => {
  const queue = queueFrom(ctx, p);
  deleteOne(ctx, queue, reqString(p, "ReceiptHandle"));
  return {};
};

const deleteMessageBatch: Action = (ctx, p) => {
  const queue = queueFrom(ctx, p);
  const entries = batchEntries(p, "DeleteMessageBatchRequestEntry");
  return ctx.store.tx(() =>
    perEntry(entries, (e) => {
      deleteOne(ctx, queue, reqString(e, "ReceiptHandle"));
      return {};
    }),
  );
};

function changeOne(ctx: ActionContext, queue: QueueRecord, handle: string, timeout: number | undefined): void {
  if (timeout === undefined) throw fault.missingParameter("VisibilityTimeout");
  rangeCheck("VisibilityTimeout", timeout, 0, MAX_VISIBILITY, `Must be >= 0 and <= ${MAX_VISIBILITY}.`);
  const h = decodeReceipt(handle, queue);
  const row = ctx.store.message(queue.name, h.id);
  if (!row || row.receipt !== h.nonce)
    throw fault.invalidValue("ReceiptHandle", handle, "Message does not exist or is not available for visibility timeout change.");
  const now = ctx.now();
  if (row.received_at !== null && now + timeout * 1000 - row.received_at > MAX_VISIBILITY * 1000)
    throw fault.invalidValue(
      "VisibilityTimeout",
      timeout,
      `Total VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY} seconds]`,
    );
  ctx.store.setVisibleAt(row.id, now + timeout * 1000);
  if (timeout === 0) ctx.waiters.wake(queue.name);
}

const changeMessageVisibility: Action = (ctx, p) => {
  const queue = queueFrom(ctx, p);
  changeOne(ctx, queue, reqString(p, "ReceiptHandle"), optInt(p, "VisibilityTimeout"));
  return {};
};

const changeMessageVisibilityBatch: Action = (ctx, p) => {
  const queue = queueFrom(ctx, p);
  const entries = batchEntries(p, "ChangeMessageVisibilityBatchRequestEntry");
  return ctx.store.tx(() =>
    perEntry(entries, (e) => {
      changeOne(ctx, queue, reqString(e, "ReceiptHandle"), optInt(e, "VisibilityTimeout"));
      return {};
    }),
  );
};

export const messageActions: Record<string, Action> = {
  SendMessage: sendMessage,
  SendMessageBatch: sendMessageBatch,
  ReceiveMessage: receiveMessage,
  DeleteMessage: deleteMessage,
  DeleteMessageBatch: deleteMessageBatch,
  ChangeMessageVisibility: changeMessageVisibility,
  ChangeMessageVisibilityBatch: changeMessageVisibilityBatch,
};

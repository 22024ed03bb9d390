// Queue actions: create (idempotent), look up, list with pagination, attributes, tags, purge, delete.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Operations.html
import { isFifoName, isValidQueueName } from "../sqs/limits";
import {
  ACCOUNT_ID,
  defaultAttributes,
  normaliseAttribute,
  type QueueLookup,
  queueArn,
  READABLE,
  redriveOf,
  sameValue,
} from "./attributes";
import { type Action, type ActionContext, DELETED_NAME_WAIT_MS, PURGE_WAIT_MS, queueFrom, queueUrl } from "./context";
import { fault } from "./errors";
import { optInt, optString, optStringList, optStringMap, reqString } from "./params";
import type { QueueRecord } from "./store";

const MAX_TAGS = 50;

/** Finds a queue by ARN (our account and region only): RedrivePolicy targets. */
export function lookupByArn(ctx: ActionContext): QueueLookup {
  return (arn) => {
    const parts = arn.split(":");
    if (parts.length !== 6 || parts[2] !== "sqs" || parts[3] !== ctx.region || parts[4] !== ACCOUNT_ID) return null;
    const q = ctx.store.queue(parts[5]!);
    return q ? { fifo: q.fifo } : null;
  };
}

function normaliseAll(ctx: ActionContext, attrs: Record<string, string>, fifo: boolean): Record<string, string> {
  const lookup = lookupByArn(ctx);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(attrs)) out[name] = normaliseAttribute(name, value, fifo, lookup);
  return out;
}

function checkTags(tags: Record<string, string>): void {
  if (Object.keys(tags).length > MAX_TAGS) throw fault.invalidParameterValue(`Too many tags: at most ${MAX_TAGS} per queue.`);
  for (const [k, v] of Object.entries(tags)) {
    if (k.length < 1 || k.length > 128) throw fault.invalidParameterValue("Tag keys must be between 1 and 128 characters in length.");
    if (v.length > 256) throw fault.invalidParameterValue("Tag values must be at most 256 characters in length.");
  }
}

const createQueue: Action = (ctx, p) => {
  const name = reqString(p, "QueueName");
  const given = optStringMap(p, "Attributes") ?? {};
  const tags = optStringMap(p, "tags") ?? {};
  const fifoValue = given.FifoQueue?.toLowerCase();
  if (fifoValue !== undefined && fifoValue !== "true" && fifoValue !== "false") throw fault.invalidAttributeValue("FifoQueue");
  const fifo = fifoValue === "true";
  if (fifo && !(isValidQueueName(name) && isFifoName(name)))
    throw fault.invalidParameterValue(
      "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.",
    );
  if (!fifo && !(isValidQueueName(name) && !isFifoName(name)))
    throw fault.invalidParameterValue("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  const attrs = normaliseAll(ctx, given, fifo);
  if (!fifo) delete attrs.FifoQueue;
  checkTags(tags);

  const existing = ctx.store.queue(name);
  if (existing) {
    for (const [k, v] of Object.entries(attrs)) if (!sameValue(k, existing.attributes[k], v)) throw fault.queueNameExists(k);
    return { QueueUrl: queueUrl(ctx, name) };
  }
  const now = ctx.now();
  const deletedAt = ctx.store.deletedAt(name);
  if (deletedAt !== null && now - deletedAt < DELETED_NAME_WAIT_MS) throw fault.queueDeletedRecently();
  if (ctx.store.queueCount >= ctx.limits.maxQueues) throw fault.overLimit(`local-sqs holds at most ${ctx.limits.maxQueues} queues.`);
  const attributes = { ...defaultAttributes(fifo), ...attrs };
  for (const [k, v] of Object.entries(attributes)) if (v === "") delete attributes[k];
  ctx.store.saveQueue({ name, fifo, attributes, tags, createdAt: now, modifiedAt: now, purgedAt: null, seq: 0 });
  return { QueueUrl: queueUrl(ctx, name) };
};

const getQueueUrl: Action = (ctx, p) => {
  const name = reqString(p, "QueueName");
  const owner = optString(p, "QueueOwnerAWSAccountId");
  if ((owner !== undefined && owner !== ACCOUNT_ID) || !ctx.store.queue(name)) throw fault.queueDoesNotExist();
  return { QueueUrl: queueUrl(ctx, name) };
};

const encodeToken = (prefix: string, after: string) => Buffer.from(JSON.stringify({ p: prefix, a: after })).toString("base64url");

function decodeToken(token: string, prefix: string): string {
  try {
    const t = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { p?: unknown; a?: unknown };
    if (t.p === prefix && typeof t.a === "string") return t.a;
  } catch {
    // falls through to the error
  }
  throw fault.invalidParameterValue("Invalid NextToken value.");
}

const listQueues: Action = (ctx, p) => {
  const prefix = optString(p, "QueueNamePrefix") ?? "";
  const max = optInt(p, "MaxResults");
  if (max !== undefined && (max < 1 || max > 1000))
    throw fault.invalidValue("MaxResults", max, "MaxResults must be an integer between 1 and 1000.");
  const token = optString(p, "NextToken");
  const after = token ? decodeToken(token, prefix) : null;
  const limit = max ?? 1000;
  const names = ctx.store.queueNames(prefix, after, limit + 1);
  const page = names.slice(0, limit);
  const out: { QueueUrls?: string[]; NextToken?: string } = {};
  if (page.length) out.QueueUrls = page.map((n) => queueUrl(ctx, n));
  // Without MaxResults SQS answers at most 1,000 URLs and no token.
  if (max !== undefined && names.length > limit) out.NextToken = encodeToken(prefix, page[page.length - 1]!);
  return out;
};

/** Every readable attribute of a queue, counts as of now (expired messages dropped first). */
export function queueAttributes(ctx: ActionContext, q: QueueRecord): Record<string, string> {
  const now = ctx.now();
  ctx.store.expire(q.name, now - Number(q.attributes.MessageRetentionPeriod) * 1000);
  const c = ctx.store.counts(q.name, now);
  return {
    ...q.attributes,
    ApproximateNumberOfMessages: String(c.visible),
    ApproximateNumberOfMessagesNotVisible: String(c.notVisible),
    ApproximateNumberOfMessagesDelayed: String(c.delayed),
    CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(q.modifiedAt / 1000)),
    QueueArn: queueArn(ctx.region, q.name),
  };
}

const getQueueAttributes: Action = (ctx, p) => {
  const q = queueFrom(ctx, p);
  const names = optStringList(p, "AttributeNames") ?? [];
  for (const n of names) if (!READABLE.has(n)) throw fault.invalidAttributeName(n);
  if (names.length === 0) return {};
  const all = queueAttributes(ctx, q);
  const wanted = names.includes("All") ? Object.keys(all) : names;
  const out: Record<string, string> = {};
  for (const n of wanted) if (all[n] !== undefined) out[n] = all[n];
  return Object.keys(out).length ? { Attributes: out } : {};
};

const setQueueAttributes: Action = (ctx, p) => {
  const q = queueFrom(ctx, p);
  const given = optStringMap(p, "Attributes");
  if (!given) throw fault.missingParameter("Attributes");
  if ("FifoQueue" in given) throw fault.invalidAttributeName("FifoQueue");
  const attrs = normaliseAll(ctx, given, q.fifo);
  const attributes = { ...q.attributes, ...attrs };
  for (const [k, v] of Object.entries(attributes)) if (v === "") delete attributes[k];
  ctx.store.saveQueue({ ...q, attributes, modifiedAt: ctx.now() });
  ctx.waiters.wake(q.name);
  return {};
};

const deleteQueue: Action = (ctx, p) => {
  const q = queueFrom(ctx, p);
  ctx.store.deleteQueue(q.name, ctx.now());
  ctx.waiters.wake(q.name);
  return {};
};

const purgeQueue: Action = (ctx, p) => {
  const q = queueFrom(ctx, p);
  const now = ctx.now();
  if (q.purgedAt !== null && now - q.purgedAt < PURGE_WAIT_MS) throw fault.purgeInProgress(q.name);
  ctx.store.purge(q.name);
  ctx.store.saveQueue({ ...q, purgedAt: now });
  return {};
};

const tagQueue: Action = (ctx, p) => {
  const q = queueFrom(ctx, p);
  const tags = optStringMap(p, "Tags");
  if (!tags || Object.keys(tags).length === 0) throw fault.missingParameter("Tags");
  const merged = { ...q.tags, ...tags };
  checkTags(merged);
  ctx.store.saveQueue({ ...q, tags: merged });
  return {};
};

const untagQueue: Action = (ctx, p) => {
  const q = queueFrom(ctx, p);
  const keys = optStringList(p, "TagKeys");
  if (!keys || keys.length === 0) throw fault.missingParameter("TagKeys");
  const tags = { ...q.tags };
  for (const k of keys) delete tags[k];
  ctx.store.saveQueue({ ...q, tags });
  return {};
};

const listQueueTags: Action = (ctx, p) => {
  const q = queueFrom(ctx, p);
  return Object.keys(q.tags).length ? { Tags: q.tags } : {};
};

const listDeadLetterSourceQueues: Action = (ctx, p) => {
  const q = queueFrom(ctx, p);
  const arn = queueArn(ctx.region, q.name);
  const max = optInt(p, "MaxResults");
  if (max !== undefined && (max < 1 || max > 1000))
    throw fault.invalidValue("MaxResults", max, "MaxResults must be an integer between 1 and 1000.");
  const names = ctx.store
    .allQueues()
    .filter((s) => redriveOf(s.attributes)?.deadLetterTargetArn === arn)
    .map((s) => s.name)
    .sort();
  const token = optString(p, "NextToken");
  const after = token ? decodeToken(token, arn) : null;
  const rest = after === null ? names : names.filter((n) => n > after);
  const limit = max ?? 1000;
  const page = rest.slice(0, limit);
  const out: { queueUrls: string[]; NextToken?: string } = { queueUrls: page.map((n) => queueUrl(ctx, n)) };
  if (max !== undefined && rest.length > limit) out.NextToken = encodeToken(arn, page[page.length - 1]!);
  return out;
};

export const queueActions: Record<string, Action> = {
  CreateQueue: createQueue,
  GetQueueUrl: getQueueUrl,
  ListQueues: listQueues,
  GetQueueAttributes: getQueueAttributes,
  SetQueueAttributes: setQueueAttributes,
  DeleteQueue: deleteQueue,
  PurgeQueue: purgeQueue,
  TagQueue: tagQueue,
  UntagQueue: untagQueue,
  ListQueueTags: listQueueTags,
  ListDeadLetterSourceQueues: listDeadLetterSourceQueues,
};

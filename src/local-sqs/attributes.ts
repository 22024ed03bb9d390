// Queue attributes: which exist, their ranges and defaults, how values are normalised and compared.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
import { MAX_BODY_BYTES, MAX_DELAY_SECONDS } from "../sqs/limits";
import { fault } from "./errors";

export const ACCOUNT_ID = "000000000000";

const INT_RANGES: Record<string, [number, number]> = {
  DelaySeconds: [0, MAX_DELAY_SECONDS],
  MaximumMessageSize: [1024, MAX_BODY_BYTES],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, 43_200],
  KmsDataKeyReusePeriodSeconds: [60, 86_400],
};
const BOOLEANS = new Set(["FifoQueue", "ContentBasedDeduplication", "SqsManagedSseEnabled"]);
const CHOICES: Record<string, string[]> = {
  DeduplicationScope: ["messageGroup", "queue"],
  FifoThroughputLimit: ["perQueue", "perMessageGroupId"],
};
const JSON_VALUED = new Set(["Policy", "RedriveAllowPolicy"]);
const FIFO_ONLY = new Set(["ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"]);

/** What CreateQueue takes (SetQueueAttributes: the same but FifoQueue). */
export const SETTABLE = new Set([
  ...Object.keys(INT_RANGES),
  ...BOOLEANS,
  ...Object.keys(CHOICES),
  ...JSON_VALUED,
  "RedrivePolicy",
  "KmsMasterKeyId",
]);

/** Computed by the queue, readable by GetQueueAttributes only. */
const COMPUTED = [
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesDelayed",
  "ApproximateNumberOfMessagesNotVisible",
  "CreatedTimestamp",
  "LastModifiedTimestamp",
  "QueueArn",
];
export const READABLE = new Set(["All", ...COMPUTED, ...SETTABLE]);

export function defaultAttributes(fifo: boolean): Record<string, string> {
  const base: Record<string, string> = {
    DelaySeconds: "0",
    MaximumMessageSize: String(MAX_BODY_BYTES),
    MessageRetentionPeriod: "345600",
    ReceiveMessageWaitTimeSeconds: "0",
    VisibilityTimeout: "30",
    SqsManagedSseEnabled: "true",
  };
  if (fifo)
    Object.assign(base, {
      FifoQueue: "true",
      ContentBasedDeduplication: "false",
      DeduplicationScope: "queue",
      FifoThroughputLimit: "perQueue",
    });
  return base;
}

export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

export const queueArn = (region: string, name: string) => `arn:${partitionOf(region)}:sqs:${region}:${ACCOUNT_ID}:${name}`;

export interface Redrive {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

/** Parses a stored RedrivePolicy (already validated); null when absent. */
export function redriveOf(attrs: Record<string, string>): Redrive | null {
  const text = attrs.RedrivePolicy;
  if (!text) return null;
  return JSON.parse(text) as Redrive;
}

/** A queue's view needed to check a RedrivePolicy: does the target exist, is it FIFO. */
export type QueueLookup = (arn: string) => { fifo: boolean } | null;

/**
 * Validates one attribute for a queue (`fifo` says which kind) and returns its normalised value
 * ("" means: remove the attribute). Throws the fault AWS answers.
 */
export function normaliseAttribute(name: string, value: string, fifo: boolean, lookup: QueueLookup): string {
  if (!SETTABLE.has(name)) throw fault.invalidAttributeName(name);
  if (FIFO_ONLY.has(name) && !fifo) throw fault.invalidAttributeName(name);
  const range = INT_RANGES[name];
  if (range) {
    if (!/^\d{1,10}$/.test(value) || Number(value) < range[0] || Number(value) > range[1]) throw fault.invalidAttributeValue(name);
    return String(Number(value));
  }
  if (BOOLEANS.has(name)) {
    const v = value.toLowerCase();
    if (v !== "true" && v !== "false") throw fault.invalidAttributeValue(name);
    return v;
  }
  const choices = CHOICES[name];
  if (choices) {
    if (!choices.includes(value)) throw fault.invalidAttributeValue(name);
    return value;
  }
  if (JSON_VALUED.has(name)) {
    if (value === "") return "";
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not a map");
    } catch {
      throw fault.invalidAttributeValue(name, "not a valid JSON map");
    }
    return value;
  }
  if (name === "RedrivePolicy") return normaliseRedrive(value, fifo, lookup);
  return value;
}

function normaliseRedrive(value: string, fifo: boolean, lookup: QueueLookup): string {
  if (value === "" || value === "{}") return "";
  const bad = (reason: string) => fault.invalidValue("RedrivePolicy", value, reason);
  let parsed: Record<string, unknown>;
  try {
    const p: unknown = JSON.parse(value);
    if (typeof p !== "object" || p === null || Array.isArray(p)) throw new Error("not a map");
    parsed = p as Record<string, unknown>;
  } catch {
    throw bad("Redrive policy is not a valid JSON map.");
  }
  for (const key of Object.keys(parsed))
    if (key !== "deadLetterTargetArn" && key !== "maxReceiveCount")
      throw bad(`Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount].`);
  const arn = parsed.deadLetterTargetArn;
  if (typeof arn !== "string") throw bad("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
  const raw = parsed.maxReceiveCount;
  if (raw === undefined) throw bad("Redrive policy does not contain mandatory attribute: maxReceiveCount.");
  const count = typeof raw === "number" ? raw : typeof raw === "string" && /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(count) || count < 1 || count > 1000)
    throw bad("Invalid value for maxReceiveCount: must be an integer from 1 to 1000.");
  const target = lookup(arn);
  if (!target) throw bad("Dead letter target does not exist.");
  if (target.fifo !== fifo) throw bad("Dead-letter queue must be same type of queue as the source.");
  return JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: count });
}

/** Compares values as SQS does for an idempotent CreateQueue (JSON-valued attributes by content). */
export function sameValue(name: string, a: string | undefined, b: string | undefined): boolean {
  if ((a ?? "") === (b ?? "")) return true;
  if (name === "RedrivePolicy" || JSON_VALUED.has(name)) {
    try {
      return JSON.stringify(JSON.parse(a ?? "null")) === JSON.stringify(JSON.parse(b ?? "null"));
    } catch {
      return false;
    }
  }
  return false;
}

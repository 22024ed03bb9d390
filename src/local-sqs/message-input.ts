// Validates one SendMessage (or batch entry) against its queue and prepares what is stored and answered.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
import { firstForbiddenChar, isValidDataType, MAX_ATTRIBUTES, MAX_DELAY_SECONDS, numberProblem } from "../sqs/limits";
import { md5Hex, md5OfAttributes } from "../sqs/md5";
import type { MessageAttributes } from "../sqs/types";
import { fault, SqsFault } from "./errors";
import { optInt, optObject, optString, type Params } from "./params";

export interface QueueView {
  name: string;
  fifo: boolean;
  attributes: Record<string, string>;
}

export interface PreparedMessage {
  body: string;
  attributes: MessageAttributes | null;
  /** AWSTraceHeader, the one system attribute SendMessage takes. */
  systemAttributes: MessageAttributes | null;
  delaySeconds: number;
  groupId: string | null;
  dedupId: string | null;
  /** UTF-8 bytes of the body plus every attribute's name, type and value: what counts toward the size limit. */
  bytes: number;
  md5Body: string;
  md5Attributes: string | null;
  md5SystemAttributes: string | null;
}

const utf8 = new TextEncoder();
const byteLength = (s: string) => utf8.encode(s).length;

const ALLOWED_CHARS = "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF";
/** Group and deduplication ids: 1–128 of alphanumerics and ASCII punctuation. */
const ID_128 = /^[\x21-\x7e]{1,128}$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;

function hex(cp: number) {
  return `#x${cp.toString(16).toUpperCase()}`;
}

function checkChars(text: string, where: string): void {
  const at = firstForbiddenChar(text);
  if (at === -1) return;
  throw fault.invalidMessageContents(
    `Invalid binary character '${hex(text.codePointAt(at) ?? 0)}' was found in the ${where}, the set of allowed characters is ${ALLOWED_CHARS}`,
  );
}

/** SQS numbers: up to 38 significant digits, zero or of magnitude 10^-128 to 10^126 (the door's rule too). */
const validNumber = (v: string) => numberProblem(v) === null;

/** Checks message attributes (user or system) and returns them with their byte count. */
function readAttributes(raw: Params | undefined, system: boolean): { attrs: MessageAttributes | null; bytes: number } {
  if (!raw) return { attrs: null, bytes: 0 };
  const names = Object.keys(raw);
  if (names.length === 0) return { attrs: null, bytes: 0 };
  const kind = system ? "system" : "user";
  if (!system && names.length > MAX_ATTRIBUTES)
    throw fault.invalidParameterValue(`Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`);
  const attrs: MessageAttributes = {};
  let bytes = 0;
  for (const name of names) {
    if (system && name !== "AWSTraceHeader") throw fault.invalidParameterValue(`Message system attribute name '${name}' is invalid.`);
    const lower = name.toLowerCase();
    if (
      !ATTRIBUTE_NAME.test(name) ||
      name.startsWith(".") ||
      name.endsWith(".") ||
      name.includes("..") ||
      (!system && (lower.startsWith("aws.") || lower.startsWith("amazon.")))
    )
      throw fault.invalidParameterValue(
        `Message (${kind}) attribute name '${name}' is invalid. Attribute name can contain A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) characters; it cannot start or end with a period, have two periods in a row, or start with AWS. or Amazon.`,
      );
    const v = raw[name];
    if (typeof v !== "object" || v === null || Array.isArray(v))
      throw fault.serialization(`MessageAttributes.${name}: expected a structure`);
    const value = v as Params;
    const dataType = optString(value, "DataType");
    if (!dataType)
      throw fault.invalidParameterValue(`The message (${kind}) attribute '${name}' must contain a non-empty message attribute type.`);
    if (!isValidDataType(dataType) || (system && dataType !== "String"))
      throw fault.invalidParameterValue(
        `The type of message (${kind}) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    if (value.StringListValues !== undefined || value.BinaryListValues !== undefined) {
      const lists = [value.StringListValues, value.BinaryListValues];
      if (lists.some((l) => Array.isArray(l) && l.length > 0))
        throw fault.unsupportedOperation("Message attribute list values in SendMessage operation are not supported.");
    }
    const binary = dataType.startsWith("Binary");
    const emptyValue = () =>
      fault.invalidParameterValue(
        `Message (${kind}) attribute '${name}' must contain a non-empty value of type '${binary ? "Binary" : "String"}'.`,
      );
    let valueBytes: number;
    if (binary) {
      const b64 = optString(value, "BinaryValue");
      if (!b64) throw emptyValue();
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw fault.serialization(`MessageAttributes.${name}.BinaryValue: expected base64`);
      valueBytes = Buffer.from(b64, "base64").length;
      if (valueBytes === 0) throw emptyValue();
      attrs[name] = { DataType: dataType, BinaryValue: b64 };
    } else {
      const s = optString(value, "StringValue");
      if (!s) throw emptyValue();
      checkChars(s, `message attribute '${name}'`);
      if (dataType.startsWith("Number") && !validNumber(s))
        throw fault.invalidParameterValue(`Can't cast message (${kind}) attribute '${name}' value '${s.slice(0, 64)}' to a number.`);
      valueBytes = byteLength(s);
      attrs[name] = { DataType: dataType, StringValue: s };
    }
    bytes += byteLength(name) + byteLength(dataType) + valueBytes;
  }
  return { attrs, bytes };
}

/**
 * Validates an entry (SendMessage's input, or one SendMessageBatch entry) for `queue`. Throws the
 * SqsFault AWS answers; the order of checks follows what AWS reports first for a typical bad input.
 */
export function prepareMessage(p: Params, queue: QueueView): PreparedMessage {
  const body = optString(p, "MessageBody");
  // AWS answers an empty body exactly like a missing one.
  if (body === undefined || body === "") throw fault.missingParameter("MessageBody");
  checkChars(body, "message body");

  const delay = optInt(p, "DelaySeconds");
  const groupId = optString(p, "MessageGroupId") ?? null;
  const dedupGiven = optString(p, "MessageDeduplicationId") ?? null;
  if (delay !== undefined && (delay < 0 || delay > MAX_DELAY_SECONDS))
    throw fault.invalidValue("DelaySeconds", delay, `DelaySeconds must be >= 0 and <= ${MAX_DELAY_SECONDS}.`);

  let dedupId = dedupGiven;
  if (queue.fifo) {
    if (delay !== undefined && delay !== 0)
      throw fault.invalidValue("DelaySeconds", delay, "The request include parameter that is not valid for this queue type.");
    if (groupId === null) throw fault.missingParameter("MessageGroupId");
    if (dedupId === null) {
      if (queue.attributes.ContentBasedDeduplication !== "true")
        throw fault.invalidParameterValue(
          "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
        );
      dedupId = new Bun.CryptoHasher("sha256").update(body).digest("hex");
    }
  } else if (dedupGiven !== null) {
    throw fault.invalidValue("MessageDeduplicationId", dedupGiven, "The request include parameter that is not valid for this queue type.");
  }
  if (groupId !== null && !ID_128.test(groupId))
    throw fault.invalidValue(
      "MessageGroupId",
      groupId,
      "MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.",
    );
  if (dedupGiven !== null && !ID_128.test(dedupGiven))
    throw fault.invalidValue(
      "MessageDeduplicationId",
      dedupGiven,
      "MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.",
    );

  const user = readAttributes(optObject(p, "MessageAttributes"), false);
  const system = readAttributes(optObject(p, "MessageSystemAttributes"), true);
  const bytes = byteLength(body) + user.bytes;
  const max = Number(queue.attributes.MaximumMessageSize);
  if (bytes > max)
    throw fault.invalidParameterValue(`One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`);

  return {
    body,
    attributes: user.attrs,
    systemAttributes: system.attrs,
    delaySeconds: delay ?? Number(queue.attributes.DelaySeconds),
    groupId,
    dedupId,
    bytes,
    md5Body: md5Hex(body),
    md5Attributes: md5OfAttributes(user.attrs ?? undefined),
    md5SystemAttributes: md5OfAttributes(system.attrs ?? undefined),
  };
}

/** Size of an entry as BatchRequestTooLong counts it, without validating anything else. */
export function entryBytes(p: Params): number {
  const body = typeof p.MessageBody === "string" ? byteLength(p.MessageBody) : 0;
  let attrs = 0;
  const raw = p.MessageAttributes;
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    for (const [name, v] of Object.entries(raw as Params)) {
      if (typeof v !== "object" || v === null) continue;
      const value = v as Params;
      const type = typeof value.DataType === "string" ? value.DataType : "";
      const s = typeof value.StringValue === "string" ? byteLength(value.StringValue) : 0;
      const b = typeof value.BinaryValue === "string" ? Buffer.from(value.BinaryValue, "base64").length : 0;
      attrs += byteLength(name) + byteLength(type) + s + b;
    }
  }
  return body + attrs;
}

export const isFault = (e: unknown): e is SqsFault => e instanceof SqsFault;

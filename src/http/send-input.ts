// Reads a send request (form fields or a raw body plus X-Sqs-* headers) into an SQS entry, validated as SQS would.
import { AppError, badRequest, tooLarge } from "../errors";
import {
  checkBody,
  decodeUtf8,
  firstForbiddenChar,
  isFifoName,
  isValidDataType,
  MAX_ATTRIBUTES,
  MAX_DELAY_SECONDS,
  MAX_NUMBER_DIGITS,
  numberProblem,
  parseIntIn,
} from "../sqs/limits";
import type { MessageAttributes, SendEntry } from "../sqs/types";

/** What a send request said, before validation. Field names are the form's. */
export interface SendFields {
  body: string;
  bodyBytes: number;
  /** Other fields: delay_seconds, message_group_id, message_deduplication_id, _method, confirm… */
  fields: Map<string, string>;
  /** `attr.NAME` / `X-Sqs-Attribute-NAME` values with their declared type. */
  attributes: Array<{ name: string; type: string; value: string }>;
  /** A form without a message_body field (a likely mistake: say so rather than "empty body"). */
  noBodyField?: boolean;
}

const enc = new TextEncoder();
export const utf8Length = (s: string) => (s.length < 256 && !/[^\x00-\x7f]/.test(s) ? s.length : enc.encode(s).length);

/** Strict form decoding: decodeURIComponent throws on bad escapes and on invalid UTF-8 (lone surrogates too). */
function formDecode(part: string): string | null {
  const plus = part.includes("+") ? part.replaceAll("+", " ") : part;
  if (!plus.includes("%")) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return null;
  }
}

/** application/x-www-form-urlencoded, strictly: bad escapes or invalid UTF-8 are errors, not U+FFFD. */
export function parseUrlEncoded(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of text.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const k = formDecode(eq === -1 ? pair : pair.slice(0, eq));
    const v = formDecode(eq === -1 ? "" : pair.slice(eq + 1));
    if (k === null || v === null) throw badRequest("InvalidEncoding", "The form is not valid UTF-8 or has a malformed %-escape.");
    if (!out.has(k)) out.set(k, v);
  }
  return out;
}

const ATTR_FIELD = /^attr\.(.+?)(?:;(String|Number|Binary)(\.[^;]*)?)?$/;
const ATTR_HEADER = /^x-sqs-(?:(number|binary)-)?attribute-(.+)$/;

/**
 * Bun hands header bytes over as one char per byte (Latin-1); clients (curl, fetch, SDKs) send
 * UTF-8, so the bytes are read again as UTF-8. Null when they are not valid UTF-8.
 */
function headerText(value: string): string | null {
  if (!/[^\x00-\x7f]/.test(value)) return value;
  return decodeUtf8(Buffer.from(value, "latin1"));
}

/** Reads the request body (already size-capped by the server) into SendFields. */
export async function readSend(request: Request, maxBodyBytes: number): Promise<SendFields> {
  const ct = (request.headers.get("content-type") ?? "").toLowerCase();
  const raw = new Uint8Array(await request.arrayBuffer());
  const attributes: SendFields["attributes"] = [];
  if (ct.startsWith("application/x-www-form-urlencoded") || ct.startsWith("multipart/form-data")) {
    let fields: Map<string, string>;
    if (ct.startsWith("multipart/")) {
      const text = decodeUtf8(raw);
      if (text === null) throw badRequest("InvalidEncoding", "The form is not valid UTF-8.");
      let form: FormData;
      try {
        form = await new Response(raw, { headers: { "content-type": request.headers.get("content-type")! } }).formData();
      } catch {
        throw badRequest("InvalidForm", "The multipart form could not be parsed.");
      }
      fields = new Map();
      for (const [k, v] of form) if (typeof v === "string" && !fields.has(k)) fields.set(k, v);
    } else {
      const text = decodeUtf8(raw);
      if (text === null) throw badRequest("InvalidEncoding", "The form is not valid UTF-8.");
      fields = parseUrlEncoded(text);
    }
    for (const [k, v] of fields) {
      const m = ATTR_FIELD.exec(k);
      if (m) attributes.push({ name: m[1]!, type: `${m[2] ?? "String"}${m[3] ?? ""}`, value: v });
    }
    const body = fields.get("message_body") ?? "";
    const noBodyField = !fields.has("message_body");
    fields.delete("message_body");
    const bodyBytes = utf8Length(body);
    if (bodyBytes > maxBodyBytes) throw tooLarge(maxBodyBytes);
    return { body, bodyBytes, fields, attributes, ...(noBodyField ? { noBodyField } : {}) };
  }
  if (raw.length > maxBodyBytes) throw tooLarge(maxBodyBytes);
  const body = decodeUtf8(raw);
  if (body === null) throw badRequest("InvalidMessageContents", "The message body is not valid UTF-8.");
  const fields = new Map<string, string>();
  for (const [k, raw] of request.headers) {
    if (!k.startsWith("x-sqs-")) continue;
    const v = headerText(raw);
    if (v === null) throw badRequest("InvalidEncoding", `The ${k} header is not valid UTF-8.`);
    const a = ATTR_HEADER.exec(k);
    if (a) {
      attributes.push({ name: a[2]!, type: a[1] === "number" ? "Number" : a[1] === "binary" ? "Binary" : "String", value: v });
      continue;
    }
    fields.set(k.slice(6).replaceAll("-", "_"), v);
  }
  return { body, bodyBytes: raw.length, fields, attributes };
}

const ID_CHARS = /^[\x21-\x7e]{1,128}$/;
const ATTR_NAME = /^[A-Za-z0-9_.-]{1,256}$/;

function checkAttributes(list: SendFields["attributes"]): { attrs?: MessageAttributes; bytes: number } {
  if (list.length === 0) return { bytes: 0 };
  if (list.length > MAX_ATTRIBUTES)
    throw badRequest("InvalidParameterValue", `At most ${MAX_ATTRIBUTES} message attributes are allowed; got ${list.length}.`);
  const attrs: MessageAttributes = Object.create(null);
  let bytes = 0;
  for (const { name, type, value } of list) {
    const bad = (why: string) => badRequest("InvalidParameterValue", `Message attribute ${JSON.stringify(name)}: ${why}.`);
    if (!ATTR_NAME.test(name) || name.startsWith(".") || name.endsWith(".") || name.includes(".."))
      throw bad("names are 1-256 of A-Z a-z 0-9 _ - . with no leading, trailing or double dot");
    if (/^(aws|amazon)\./i.test(name)) throw bad("names starting with AWS. or Amazon. are reserved");
    if (Object.hasOwn(attrs, name)) throw bad("given twice");
    if (!isValidDataType(type))
      throw bad(
        "the data type must be String, Number or Binary, or one of those, a dot and a label (printable ASCII, no spaces), 256 characters at most",
      );
    if (value === "") throw bad("the value is empty");
    if (type.startsWith("Binary")) {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0) throw bad("a Binary value must be base64");
      attrs[name] = { DataType: type, BinaryValue: value };
      bytes += Buffer.from(value, "base64").length;
    } else {
      const problem = type.startsWith("Number") ? numberProblem(value) : null;
      if (problem === "syntax") throw bad("a Number value must be a decimal number such as -12.5 or 3e10");
      if (problem === "digits") throw bad(`a Number value may have at most ${MAX_NUMBER_DIGITS} significant digits`);
      if (problem === "range") throw bad("a Number value must be 0 or between 10^-128 and 10^126 in magnitude");
      if (firstForbiddenChar(value) !== -1) throw bad("the value contains characters SQS does not allow");
      attrs[name] = { DataType: type, StringValue: value };
      bytes += utf8Length(value);
    }
    bytes += utf8Length(name) + utf8Length(type);
  }
  return { attrs, bytes };
}

/**
 * Validates what was sent and shapes the SQS entry. FIFO messages get the accelerator's id as
 * their deduplication id unless one is given, so a retry can never duplicate.
 */
export function toEntry(queue: string, id: string, input: SendFields, maxBodyBytes: number): { entry: SendEntry; bytes: number } {
  if (input.noBodyField)
    throw badRequest("MissingParameter", "The form has no message_body field; send it, or send the raw body with another content type.");
  const { attrs, bytes: attrBytes } = checkAttributes(input.attributes);
  const problem = checkBody(input.body, input.bodyBytes, maxBodyBytes);
  if (problem) throw problem.code === "MessageTooLarge" ? tooLarge(maxBodyBytes) : badRequest(problem.code, problem.message);
  const bytes = input.bodyBytes + attrBytes;
  if (bytes > maxBodyBytes)
    throw new AppError(413, "MessageTooLarge", `The body and attributes together are ${bytes} bytes; the limit is ${maxBodyBytes}.`);
  const entry: SendEntry = { MessageBody: input.body };
  const f = input.fields;
  const fifo = isFifoName(queue);
  const delay = f.get("delay_seconds");
  if (delay !== undefined && delay !== "") {
    const n = parseIntIn(delay, 0, MAX_DELAY_SECONDS);
    if (n === null) throw badRequest("InvalidParameterValue", `delay_seconds must be a whole number from 0 to ${MAX_DELAY_SECONDS}.`);
    if (fifo && n !== 0) throw badRequest("InvalidParameterValue", "FIFO queues take no per-message delay; set DelaySeconds on the queue.");
    if (n > 0) entry.DelaySeconds = n;
  }
  const group = f.get("message_group_id");
  if (group !== undefined && group !== "") {
    if (!ID_CHARS.test(group)) throw badRequest("InvalidParameterValue", "message_group_id must be 1-128 printable ASCII characters.");
    entry.MessageGroupId = group;
  } else if (fifo)
    throw badRequest("MissingParameter", "A FIFO queue needs message_group_id (form field or X-Sqs-Message-Group-Id header).");
  const dedup = f.get("message_deduplication_id");
  if (dedup !== undefined && dedup !== "") {
    if (!fifo) throw badRequest("InvalidParameterValue", "message_deduplication_id applies to FIFO queues only.");
    if (!ID_CHARS.test(dedup))
      throw badRequest("InvalidParameterValue", "message_deduplication_id must be 1-128 printable ASCII characters.");
    entry.MessageDeduplicationId = dedup;
  } else if (fifo) entry.MessageDeduplicationId = id;
  if (attrs) entry.MessageAttributes = attrs;
  return { entry, bytes };
}

// Reads POST /queues/NAME/batch: a JSON array (or NDJSON) of messages, each shaped like one send.
import { badRequest, tooLarge } from "../errors";
import { decodeUtf8 } from "../sqs/limits";
import { type SendFields, utf8Length } from "./send-input";

/** Largest batch request body, and most messages in one. */
export const MAX_BATCH_REQUEST_BYTES = 16 * 1024 * 1024;
export const MAX_BATCH_MESSAGES = 1000;

export interface BatchItem {
  body: string;
  delay_seconds?: number | string;
  group_id?: string;
  deduplication_id?: string;
  /** name → string value, or { type: "String" | "Number" | "Binary"[.label], value }. */
  attributes?: Record<string, string | { type: string; value: string }>;
}

export async function readBatchText(request: Request): Promise<string> {
  const raw = new Uint8Array(await request.arrayBuffer());
  if (raw.length > MAX_BATCH_REQUEST_BYTES) throw tooLarge(MAX_BATCH_REQUEST_BYTES);
  const text = decodeUtf8(raw);
  if (text === null) throw badRequest("InvalidEncoding", "The batch is not valid UTF-8.");
  return text;
}

/** A JSON array, or one JSON object per line (NDJSON); every item must have a string `body`. */
export function parseBatch(text: string): BatchItem[] {
  let items: unknown[];
  const trimmed = text.trim();
  try {
    items = trimmed.startsWith("[")
      ? (JSON.parse(trimmed) as unknown[])
      : trimmed
          .split("\n")
          .filter((l) => l.trim() !== "")
          .map((l) => JSON.parse(l) as unknown);
  } catch {
    throw badRequest("MalformedBatch", 'The batch must be a JSON array or NDJSON of {"body": ...} objects.');
  }
  if (!Array.isArray(items) || items.length === 0) throw badRequest("EmptyBatch", "The batch has no messages.");
  if (items.length > MAX_BATCH_MESSAGES) throw badRequest("TooManyMessages", `At most ${MAX_BATCH_MESSAGES} messages per batch request.`);
  items.forEach((item, i) => {
    if (!item || typeof item !== "object" || typeof (item as BatchItem).body !== "string")
      throw badRequest("MalformedBatch", `Message #${i} needs a string "body".`);
    checkAttributesShape((item as { attributes?: unknown }).attributes, i);
  });
  return items as BatchItem[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `attributes` is absent, or a JSON object whose values are strings or `{"type": string, "value": string}`. */
function checkAttributesShape(attributes: unknown, i: number): void {
  if (attributes === undefined) return;
  if (!isPlainObject(attributes))
    throw badRequest("MalformedBatch", `Message #${i}: "attributes" must be a JSON object of name → value or {"type", "value"}.`);
  for (const [name, v] of Object.entries(attributes)) {
    if (typeof v === "string" || (isPlainObject(v) && typeof v.type === "string" && typeof v.value === "string")) continue;
    throw badRequest(
      "MalformedBatch",
      `Message #${i}: attribute ${JSON.stringify(name)} must be a string or {"type": "String|Number|Binary[.label]", "value": "…"} with string type and value.`,
    );
  }
}

/** Shapes one batch item like a single send's fields, so both share one validation. */
export function batchFields(item: BatchItem): SendFields {
  const fields = new Map<string, string>();
  if (item.delay_seconds !== undefined) fields.set("delay_seconds", String(item.delay_seconds));
  if (item.group_id !== undefined) fields.set("message_group_id", String(item.group_id));
  if (item.deduplication_id !== undefined) fields.set("message_deduplication_id", String(item.deduplication_id));
  // parseBatch has checked the shape; the type and value themselves are checked like a single send's.
  const attributes = Object.entries(item.attributes ?? {}).map(([name, v]) =>
    typeof v === "string" ? { name, type: "String", value: v } : { name, type: v.type, value: v.value },
  );
  return { body: item.body, bodyBytes: utf8Length(item.body), fields, attributes };
}

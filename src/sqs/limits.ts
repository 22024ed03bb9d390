// SQS's validation rules, checked at the door so that an accepted message is one SQS will take.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html

export const MAX_BODY_BYTES = 1_048_576;
export const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 1_048_576;
export const MAX_DELAY_SECONDS = 900;
export const MAX_ATTRIBUTES = 10;

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** `[A-Za-z0-9_-]{1,80}`; a FIFO name ends in `.fifo`, counted within the 80. */
export function isValidQueueName(name: string): boolean {
  if (name.length > 80) return false;
  return QUEUE_NAME.test(name.endsWith(".fifo") ? name.slice(0, -5) : name);
}

export const isFifoName = (name: string) => name.endsWith(".fifo");

/**
 * Index of the first character SQS rejects, or -1. Allowed: #x9 #xA #xD #x20–#xD7FF
 * #xE000–#xFFFD #x10000–#x10FFFF; a lone surrogate is not a character and is rejected.
 */
export function firstForbiddenChar(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c < 0xd800) continue;
    if (c === 0x9 || c === 0xa || c === 0xd) continue;
    if (c >= 0xe000 && c <= 0xfffd) continue;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes UTF-8, or returns null when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

export type BodyProblem =
  | { code: "EmptyBody"; message: string }
  | { code: "MessageTooLarge"; message: string }
  | { code: "InvalidMessageContents"; message: string };

/** Checks a decoded body; `byteLength` is its UTF-8 size. */
export function checkBody(body: string, byteLength: number, maxBytes: number): BodyProblem | null {
  if (byteLength === 0) return { code: "EmptyBody", message: "The message body is empty; SQS needs at least 1 character." };
  if (byteLength > maxBytes)
    return { code: "MessageTooLarge", message: `The message body is ${byteLength} bytes; the limit is ${maxBytes}.` };
  const at = firstForbiddenChar(body);
  if (at !== -1) {
    const cp = body.codePointAt(at) ?? 0;
    return {
      code: "InvalidMessageContents",
      message: `The message body contains U+${cp.toString(16).toUpperCase().padStart(4, "0")} at position ${at}, which SQS does not allow.`,
    };
  }
  return null;
}

const DATA_TYPE = /^(String|Number|Binary)(\.[\x21-\x7e]+)?$/;

/**
 * `String`, `Number` or `Binary`, optionally followed by `.` and a custom label (printable ASCII,
 * no whitespace), 256 characters in all.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
 */
export const isValidDataType = (type: string) => type.length <= 256 && DATA_TYPE.test(type);

const NUMBER = /^[+-]?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?)(\d+))?$/;
export const MAX_NUMBER_DIGITS = 38;

/**
 * Why SQS would refuse `text` as a Number attribute value, or null: a decimal number with at most
 * 38 significant digits (leading and trailing zeros trimmed), zero or of magnitude from 10^-128 to
 * 10^126. The decimal exponent is
 * worked out from the digits and exponent exactly, with no floating point.
 */
export function numberProblem(text: string): "syntax" | "digits" | "range" | null {
  const m = NUMBER.exec(text);
  if (!m) return "syntax";
  const frac = m[2] ?? m[3] ?? "";
  const digits = `${m[1] ?? ""}${frac}`.replace(/^0+/, "");
  // SQS trims leading and trailing zeros before counting.
  if (digits.replace(/0+$/, "").length > MAX_NUMBER_DIGITS) return "digits";
  if (digits === "") return null; // zero, whatever its exponent
  const expDigits = (m[5] ?? "").replace(/^0+/, "");
  if (expDigits.length > 15) return "range"; // beyond any exponent a short mantissa could offset
  const exp = (m[4] === "-" ? -1 : 1) * Number(expDigits);
  // The value is d.ddd… × 10^scientific, with the first digit non-zero.
  const scientific = digits.length - 1 - frac.length + exp;
  if (scientific < -128 || scientific > 126) return "range";
  if (scientific === 126 && !/^10*$/.test(digits)) return "range"; // above 10^126
  return null;
}

/** Integer within [min, max] given as text (form fields, headers); null when it is not. */
export function parseIntIn(text: string, min: number, max: number): number | null {
  if (!/^\d{1,10}$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= min && n <= max ? n : null;
}

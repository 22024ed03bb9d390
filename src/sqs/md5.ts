// The checksums SQS returns for what it stored: MD5 of the body and of the message attributes.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation
import type { MessageAttributes } from "./types";

export function md5Hex(data: string | Uint8Array): string {
  return new Bun.CryptoHasher("md5").update(data).digest("hex");
}

/**
 * Names sorted; for each: 4-byte big-endian length + UTF-8 name, length + UTF-8 DataType,
 * one transport byte (1 String/Number, 2 Binary), length + value bytes. Null when empty.
 */
export function md5OfAttributes(attrs: MessageAttributes | undefined): string | null {
  if (!attrs) return null;
  const names = Object.keys(attrs).sort();
  if (names.length === 0) return null;
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const withLength = (bytes: Uint8Array) => {
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, bytes.length);
    parts.push(len, bytes);
  };
  for (const name of names) {
    const v = attrs[name]!;
    withLength(enc.encode(name));
    withLength(enc.encode(v.DataType));
    if (v.DataType.startsWith("Binary")) {
      parts.push(Uint8Array.of(2));
      withLength(Uint8Array.from(Buffer.from(v.BinaryValue ?? "", "base64")));
    } else {
      parts.push(Uint8Array.of(1));
      withLength(enc.encode(v.StringValue ?? ""));
    }
  }
  const hasher = new Bun.CryptoHasher("md5");
  for (const p of parts) hasher.update(p);
  return hasher.digest("hex");
}

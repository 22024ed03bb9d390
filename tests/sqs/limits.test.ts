// SQS's validation rules: queue names, allowed characters, strict UTF-8 and body size in bytes.
import { describe, expect, test } from "bun:test";
import { checkBody, decodeUtf8, firstForbiddenChar, isFifoName, isValidQueueName, MAX_BODY_BYTES, parseIntIn } from "../../src/sqs/limits";

const utf8 = (s: string) => new TextEncoder().encode(s).length;

describe("isValidQueueName", () => {
  test("1 to 80 of A-Z a-z 0-9 _ -", () => {
    expect(isValidQueueName("a")).toBe(true);
    expect(isValidQueueName("Orders_2026-eu")).toBe(true);
    expect(isValidQueueName("x".repeat(80))).toBe(true);
    expect(isValidQueueName("x".repeat(81))).toBe(false);
    expect(isValidQueueName("")).toBe(false);
  });

  test("characters outside the set are refused", () => {
    for (const bad of ["with space", "dot.name", "slash/name", "colon:name", "ümlaut", "emoji😀", "tab\tname", "star*"]) {
      expect(isValidQueueName(bad)).toBe(false);
    }
  });

  test(".fifo suffix counts within the 80", () => {
    expect(isValidQueueName(`${"f".repeat(75)}.fifo`)).toBe(true);
    expect(isValidQueueName(`${"f".repeat(76)}.fifo`)).toBe(false);
    expect(isValidQueueName("jobs.fifo")).toBe(true);
    expect(isValidQueueName(".fifo")).toBe(false);
    expect(isValidQueueName("a.fifo.fifo")).toBe(false);
    expect(isValidQueueName("jobs.FIFO")).toBe(false);
  });

  test("isFifoName looks at the suffix only", () => {
    expect(isFifoName("jobs.fifo")).toBe(true);
    expect(isFifoName("jobs")).toBe(false);
    expect(isFifoName("fifo")).toBe(false);
  });
});

describe("firstForbiddenChar", () => {
  const ch = (cp: number) => String.fromCodePoint(cp);

  test("allowed single characters on every range boundary", () => {
    for (const cp of [0x9, 0xa, 0xd, 0x20, 0x7e, 0x7f, 0xd7ff, 0xe000, 0xfffd, 0x10000, 0x1f600, 0x10ffff]) {
      expect({ cp, at: firstForbiddenChar(`ok${ch(cp)}ok`) }).toEqual({ cp, at: -1 });
    }
  });

  test("forbidden characters just outside each range", () => {
    for (const cp of [0x0, 0x1, 0x8, 0xb, 0xc, 0xe, 0x1f, 0xfffe, 0xffff]) {
      expect({ cp, at: firstForbiddenChar(`ok${ch(cp)}ok`) }).toEqual({ cp, at: 2 });
    }
  });

  test("lone surrogates are refused wherever they stand", () => {
    expect(firstForbiddenChar("\ud800")).toBe(0);
    expect(firstForbiddenChar("ab\udbff")).toBe(2);
    expect(firstForbiddenChar("a\udc00b")).toBe(1);
    expect(firstForbiddenChar("a\udfff")).toBe(1);
    // high surrogate followed by a non-surrogate
    expect(firstForbiddenChar("x\ud83dA")).toBe(1);
    // two high surrogates in a row: the first is lone
    expect(firstForbiddenChar("\ud83d\ud83d\ude00")).toBe(0);
    // a low surrogate right after a complete pair
    expect(firstForbiddenChar("\ud83d\ude00\ude00")).toBe(2);
  });

  test("valid surrogate pairs (emoji, U+10000, U+10FFFF) pass", () => {
    expect(firstForbiddenChar("hi 😀 👍🏽 🇫🇷")).toBe(-1);
    expect(firstForbiddenChar("\ud800\udc00")).toBe(-1);
    expect(firstForbiddenChar("\udbff\udfff")).toBe(-1);
  });

  test("reports the first bad index, in UTF-16 units", () => {
    expect(firstForbiddenChar("😀\u0000\u0001")).toBe(2);
    expect(firstForbiddenChar("")).toBe(-1);
  });
});

describe("decodeUtf8", () => {
  test("decodes valid UTF-8 and keeps a BOM as part of the text", () => {
    expect(decodeUtf8(new TextEncoder().encode("héllo 😀"))).toBe("héllo 😀");
    expect(decodeUtf8(Uint8Array.of(0xef, 0xbb, 0xbf, 0x41))).toBe("\ufeffA");
    expect(decodeUtf8(new Uint8Array(0))).toBe("");
  });

  test("rejects invalid bytes instead of substituting U+FFFD", () => {
    const bad = [
      [0xff],
      [0x41, 0xc3], // truncated 2-byte sequence
      [0xc0, 0xaf], // overlong "/"
      [0xed, 0xa0, 0x80], // encoded surrogate U+D800
      [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
      [0x80], // lone continuation byte
    ];
    for (const bytes of bad) expect({ bytes, text: decodeUtf8(Uint8Array.from(bytes)) }).toEqual({ bytes, text: null });
  });
});

describe("checkBody", () => {
  test("empty body", () => {
    expect(checkBody("", 0, MAX_BODY_BYTES)?.code).toBe("EmptyBody");
  });

  test("exactly the maximum passes; one byte more does not", () => {
    const max = "a".repeat(MAX_BODY_BYTES);
    expect(checkBody(max, MAX_BODY_BYTES, MAX_BODY_BYTES)).toBeNull();
    const over = `${max}a`;
    const p = checkBody(over, MAX_BODY_BYTES + 1, MAX_BODY_BYTES);
    expect(p?.code).toBe("MessageTooLarge");
    expect(p?.message).toContain(String(MAX_BODY_BYTES + 1));
  });

  test("the limit is in UTF-8 bytes, not characters", () => {
    const text = "é😀€"; // 2 + 4 + 3 bytes, 4 UTF-16 units, 3 characters
    expect(utf8(text)).toBe(9);
    expect(checkBody(text, utf8(text), 9)).toBeNull();
    expect(checkBody(text, utf8(text), 8)?.code).toBe("MessageTooLarge");
    const many = "é".repeat(600_000); // 600,000 characters, 1,200,000 bytes
    expect(checkBody(many, utf8(many), MAX_BODY_BYTES)?.code).toBe("MessageTooLarge");
  });

  test("forbidden characters name the code point and position", () => {
    const p = checkBody("ab\u0000", 3, 100);
    expect(p?.code).toBe("InvalidMessageContents");
    expect(p?.message).toContain("U+0000");
    expect(p?.message).toContain("position 2");
    expect(checkBody("x\uffff", 4, 100)?.message).toContain("U+FFFF");
    expect(checkBody("\ud800", 3, 100)?.message).toContain("U+D800");
    expect(checkBody("tab\tnewline\ncr\r😀", 20, 100)).toBeNull();
  });
});

describe("parseIntIn", () => {
  test("whole numbers within bounds only", () => {
    expect(parseIntIn("0", 0, 900)).toBe(0);
    expect(parseIntIn("900", 0, 900)).toBe(900);
    expect(parseIntIn(" 15 ", 0, 900)).toBe(15);
    expect(parseIntIn("901", 0, 900)).toBeNull();
    expect(parseIntIn("-1", 0, 900)).toBeNull();
    expect(parseIntIn("1.5", 0, 900)).toBeNull();
    expect(parseIntIn("1e2", 0, 900)).toBeNull();
    expect(parseIntIn("", 0, 900)).toBeNull();
    expect(parseIntIn("12345678901", 0, Number.MAX_SAFE_INTEGER)).toBeNull();
  });
});

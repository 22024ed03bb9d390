// MD5 of bodies and of message attributes, checked against known vectors and an independent node:crypto build.

import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { md5Hex, md5OfAttributes } from "../../src/sqs/md5";
import type { MessageAttributes } from "../../src/sqs/types";

/** The algorithm from the SQS developer guide, written independently with Buffer and node:crypto. */
function reference(attrs: MessageAttributes): string {
  const chunks: Buffer[] = [];
  const lengthPrefixed = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length, 0);
    chunks.push(len, b);
  };
  for (const name of Object.keys(attrs).sort()) {
    const v = attrs[name]!;
    lengthPrefixed(Buffer.from(name, "utf8"));
    lengthPrefixed(Buffer.from(v.DataType, "utf8"));
    if (v.DataType.split(".")[0] === "Binary") {
      chunks.push(Buffer.from([2]));
      lengthPrefixed(Buffer.from(v.BinaryValue ?? "", "base64"));
    } else {
      chunks.push(Buffer.from([1]));
      lengthPrefixed(Buffer.from(v.StringValue ?? "", "utf8"));
    }
  }
  return createHash("md5").update(Buffer.concat(chunks)).digest("hex");
}

describe("md5Hex", () => {
  test("known digests", () => {
    expect(md5Hex("")).toBe("d41d8cd98f00b204e9800998ecf8427e");
    expect(md5Hex("The quick brown fox jumps over the lazy dog")).toBe("9e107d9d372bb6826bd81d3542a419d6");
    expect(md5Hex("😀")).toBe("2a02eac39d716a70ecf37579185927b6");
  });

  test("hashes UTF-8 bytes; strings and bytes agree", () => {
    const text = "héllo wörld 😀 €";
    expect(md5Hex(text)).toBe(createHash("md5").update(text, "utf8").digest("hex"));
    expect(md5Hex(new TextEncoder().encode(text))).toBe(md5Hex(text));
  });
});

describe("md5OfAttributes", () => {
  test("the AWS vector", () => {
    expect(md5OfAttributes({ attribName1: { DataType: "String", StringValue: "attribValue 1" } })).toBe("19e27d4e946b072f3f58da80d94fd778");
  });

  test("null when there are no attributes", () => {
    expect(md5OfAttributes(undefined)).toBeNull();
    expect(md5OfAttributes({})).toBeNull();
  });

  test("names are sorted: insertion order does not matter", () => {
    const a: MessageAttributes = {
      zeta: { DataType: "String", StringValue: "last" },
      Alpha: { DataType: "Number", StringValue: "42" },
      alpha: { DataType: "String", StringValue: "é😀" },
      "10": { DataType: "String", StringValue: "numeric-looking name" },
      "2": { DataType: "String", StringValue: "another" },
    };
    const b: MessageAttributes = {
      "2": a["2"]!,
      alpha: a.alpha!,
      "10": a["10"]!,
      zeta: a.zeta!,
      Alpha: a.Alpha!,
    };
    expect(md5OfAttributes(a)).toBe(reference(a));
    expect(md5OfAttributes(b)).toBe(md5OfAttributes(a));
  });

  test("Binary values hash their decoded bytes with transport byte 2", () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255, 128]);
    const attrs: MessageAttributes = {
      blob: { DataType: "Binary", BinaryValue: bytes.toString("base64") },
      img: { DataType: "Binary.png", BinaryValue: Buffer.from("PNG…").toString("base64") },
      n: { DataType: "Number.int", StringValue: "-1.5e3" },
      s: { DataType: "String.custom", StringValue: "labelled" },
    };
    expect(md5OfAttributes(attrs)).toBe(reference(attrs));
    // treating the binary as a String would give a different digest
    const asString: MessageAttributes = { ...attrs, blob: { DataType: "Binary", StringValue: bytes.toString("base64") } };
    expect(md5OfAttributes(asString)).not.toBe(md5OfAttributes(attrs));
  });

  test("the value's type matters: Number and String with the same text differ", () => {
    const s = md5OfAttributes({ n: { DataType: "String", StringValue: "5" } });
    const n = md5OfAttributes({ n: { DataType: "Number", StringValue: "5" } });
    expect(s).not.toBe(n);
    expect(n).toBe(reference({ n: { DataType: "Number", StringValue: "5" } }));
  });
});

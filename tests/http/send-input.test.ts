// Reading send requests (form, multipart, raw body + X-Sqs-* headers) and validating them into SQS entries.
import { describe, expect, test } from "bun:test";
import { AppError } from "../../src/errors";
import { parseUrlEncoded, readSend, type SendFields, toEntry } from "../../src/http/send-input";
import { appsOnFakeSqs, req, waitFor } from "../helpers";

const MAX = 1_048_576;
const bytes = (s: string) => new TextEncoder().encode(s).length;

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected an AppError");
}

async function rejected(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected an AppError");
}

function input(body: string, fields: Record<string, string> = {}, attributes: SendFields["attributes"] = []): SendFields {
  return { body, bodyBytes: bytes(body), fields: new Map(Object.entries(fields)), attributes };
}

const attr = (name: string, value: string, type = "String") => ({ name, type, value });

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request("http://localhost:9292/queues/orders/messages", { method: "POST", headers, body });

describe("parseUrlEncoded", () => {
  test("+ is a space, %2B is a plus, %-escapes decode as UTF-8", () => {
    const m = parseUrlEncoded("message_body=a+b%2Bc%3D%26d&emoji=%F0%9F%98%80&e=caf%C3%A9");
    expect(m.get("message_body")).toBe("a b+c=&d");
    expect(m.get("emoji")).toBe("😀");
    expect(m.get("e")).toBe("café");
  });

  test("keys without = get an empty value; the first of repeated keys wins; empty pairs are skipped", () => {
    const m = parseUrlEncoded("flag&&a=1&a=2&=x");
    expect(m.get("flag")).toBe("");
    expect(m.get("a")).toBe("1");
    expect(m.get("")).toBe("x");
    expect(m.size).toBe(3);
  });

  test("raw (unescaped) UTF-8 text is kept as is", () => {
    expect(parseUrlEncoded("b=héllo 😀").get("b")).toBe("héllo 😀");
  });

  test("raw emoji next to %-escapes survives (surrogate pairs are not split)", () => {
    expect(parseUrlEncoded("b=😀%21").get("b")).toBe("😀!");
    expect(parseUrlEncoded("b=%F0%9F%98%80+and+👍").get("b")).toBe("😀 and 👍");
  });

  test("bad %-escapes and invalid UTF-8 are 400 InvalidEncoding", () => {
    for (const text of ["a=%zz", "a=%", "a=%4", "a=%FF", "a=%C3", "%ZZ=1", "a=%ED%A0%80"]) {
      const e = thrown(() => parseUrlEncoded(text));
      expect({ text, status: e.status, code: e.code }).toEqual({ text, status: 400, code: "InvalidEncoding" });
    }
  });
});

describe("toEntry", () => {
  test("a plain message", () => {
    const { entry, bytes: n } = toEntry("orders", "id-1", input("hello"), MAX);
    expect(entry).toEqual({ MessageBody: "hello" });
    expect(n).toBe(5);
  });

  test("empty body is 400 EmptyBody; forbidden characters are 400 InvalidMessageContents", () => {
    const empty = thrown(() => toEntry("orders", "id", input(""), MAX));
    expect([empty.status, empty.code]).toEqual([400, "EmptyBody"]);
    const ctl = thrown(() => toEntry("orders", "id", input("a\u0000b"), MAX));
    expect([ctl.status, ctl.code]).toEqual([400, "InvalidMessageContents"]);
  });

  test("body size is counted in bytes: over the limit is 413", () => {
    const e = thrown(() => toEntry("orders", "id", input("é".repeat(6)), 11));
    expect([e.status, e.code]).toEqual([413, "MessageTooLarge"]);
    expect(toEntry("orders", "id", input("é".repeat(6)), 12).bytes).toBe(12);
  });

  test("delay_seconds 0..900", () => {
    expect(toEntry("orders", "id", input("x", { delay_seconds: "900" }), MAX).entry.DelaySeconds).toBe(900);
    expect(toEntry("orders", "id", input("x", { delay_seconds: "1" }), MAX).entry.DelaySeconds).toBe(1);
    expect(toEntry("orders", "id", input("x", { delay_seconds: "0" }), MAX).entry.DelaySeconds).toBeUndefined();
    expect(toEntry("orders", "id", input("x", { delay_seconds: "" }), MAX).entry.DelaySeconds).toBeUndefined();
    for (const bad of ["901", "-1", "1.5", "abc", "1e2"]) {
      const e = thrown(() => toEntry("orders", "id", input("x", { delay_seconds: bad }), MAX));
      expect({ bad, status: e.status, code: e.code }).toEqual({ bad, status: 400, code: "InvalidParameterValue" });
    }
  });

  test("FIFO: message_group_id is required", () => {
    const e = thrown(() => toEntry("jobs.fifo", "id", input("x"), MAX));
    expect([e.status, e.code]).toEqual([400, "MissingParameter"]);
    const blank = thrown(() => toEntry("jobs.fifo", "id", input("x", { message_group_id: "" }), MAX));
    expect(blank.code).toBe("MissingParameter");
  });

  test("FIFO: deduplication id defaults to the accelerator's id; a given one is kept", () => {
    const a = toEntry("jobs.fifo", "0190-abc", input("x", { message_group_id: "g1" }), MAX).entry;
    expect(a).toEqual({ MessageBody: "x", MessageGroupId: "g1", MessageDeduplicationId: "0190-abc" });
    const b = toEntry("jobs.fifo", "0190-abc", input("x", { message_group_id: "g1", message_deduplication_id: "mine" }), MAX).entry;
    expect(b.MessageDeduplicationId).toBe("mine");
  });

  test("FIFO: no per-message delay other than 0", () => {
    expect(toEntry("jobs.fifo", "id", input("x", { message_group_id: "g", delay_seconds: "0" }), MAX).entry.DelaySeconds).toBeUndefined();
    const e = thrown(() => toEntry("jobs.fifo", "id", input("x", { message_group_id: "g", delay_seconds: "5" }), MAX));
    expect([e.status, e.code]).toEqual([400, "InvalidParameterValue"]);
  });

  test("group and dedup ids: 1-128 printable ASCII", () => {
    expect(toEntry("jobs.fifo", "id", input("x", { message_group_id: "g".repeat(128) }), MAX).entry.MessageGroupId).toHaveLength(128);
    for (const bad of ["g".repeat(129), "has space", "ümlaut"]) {
      expect(thrown(() => toEntry("jobs.fifo", "id", input("x", { message_group_id: bad }), MAX)).code).toBe("InvalidParameterValue");
      expect(thrown(() => toEntry("jobs.fifo", "id", input("x", { message_group_id: "g", message_deduplication_id: bad }), MAX)).code).toBe(
        "InvalidParameterValue",
      );
    }
  });

  test("deduplication id on a standard queue is refused; no dedup id is invented there", () => {
    const e = thrown(() => toEntry("orders", "id", input("x", { message_deduplication_id: "d" }), MAX));
    expect([e.status, e.code]).toEqual([400, "InvalidParameterValue"]);
    expect(toEntry("orders", "id", input("x"), MAX).entry.MessageDeduplicationId).toBeUndefined();
  });

  describe("attributes", () => {
    test("String, Number, Binary and custom type labels", () => {
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]).toString("base64");
      const { entry } = toEntry(
        "orders",
        "id",
        input("x", {}, [attr("color", "red"), attr("n", "-12.5e3", "Number"), attr("img", png, "Binary.png"), attr("k.v_1-2", "ok")]),
        MAX,
      );
      expect(entry.MessageAttributes).toEqual({
        color: { DataType: "String", StringValue: "red" },
        n: { DataType: "Number", StringValue: "-12.5e3" },
        img: { DataType: "Binary.png", BinaryValue: png },
        "k.v_1-2": { DataType: "String", StringValue: "ok" },
      });
    });

    test("no attributes: MessageAttributes is absent", () => {
      expect("MessageAttributes" in toEntry("orders", "id", input("x"), MAX).entry).toBe(false);
    });

    test("reserved prefixes, bad dots and bad characters in names are refused", () => {
      for (const name of [
        "AWS.trace",
        "aws.x",
        "Amazon.x",
        "AMAZON.x",
        ".lead",
        "trail.",
        "dou..ble",
        "has space",
        "ümlaut",
        "",
        "n".repeat(257),
      ]) {
        const e = thrown(() => toEntry("orders", "id", input("x", {}, [attr(name, "v")]), MAX));
        expect({ name, status: e.status, code: e.code }).toEqual({ name, status: 400, code: "InvalidParameterValue" });
      }
      expect(
        toEntry("orders", "id", input("x", {}, [attr("AWSish", "v"), attr("n".repeat(256), "v")]), MAX).entry.MessageAttributes,
      ).toBeDefined();
    });

    test("names that are Object.prototype members are ordinary names", () => {
      for (const name of ["constructor", "toString", "hasOwnProperty", "__proto__"]) {
        const { entry } = toEntry("orders", "id", input("x", {}, [attr(name, "v")]), MAX);
        const attrs = entry.MessageAttributes ?? {};
        expect({ name, keys: Object.keys(attrs) }).toEqual({ name, keys: [name] });
        expect(JSON.parse(JSON.stringify(attrs))[name]).toEqual({ DataType: "String", StringValue: "v" });
      }
    });

    test("at most 10; duplicates refused", () => {
      const ten = Array.from({ length: 10 }, (_, i) => attr(`a${i}`, "v"));
      expect(Object.keys(toEntry("orders", "id", input("x", {}, ten), MAX).entry.MessageAttributes ?? {})).toHaveLength(10);
      const eleven = thrown(() => toEntry("orders", "id", input("x", {}, [...ten, attr("a10", "v")]), MAX));
      expect([eleven.status, eleven.code]).toEqual([400, "InvalidParameterValue"]);
      expect(thrown(() => toEntry("orders", "id", input("x", {}, [attr("a", "1"), attr("a", "2")]), MAX)).code).toBe(
        "InvalidParameterValue",
      );
    });

    test("empty values, bad base64, bad numbers and forbidden characters are refused", () => {
      const bad = [
        attr("e", ""),
        attr("b", "not base64!", "Binary"),
        attr("b", "abc", "Binary"),
        attr("b", "", "Binary"),
        attr("n", "abc", "Number"),
        attr("n", "1.2.3", "Number"),
        attr("n", "1".repeat(39), "Number"),
        attr("s", "a\u0001b"),
      ];
      for (const a of bad) {
        const e = thrown(() => toEntry("orders", "id", input("x", {}, [a]), MAX));
        expect({ a, status: e.status, code: e.code }).toEqual({ a, status: 400, code: "InvalidParameterValue" });
      }
    });

    test("Number: 38 significant digits pass, leading zeros do not count", () => {
      expect(
        toEntry("orders", "id", input("x", {}, [attr("n", "9".repeat(38), "Number")]), MAX).entry.MessageAttributes?.n?.StringValue,
      ).toBe("9".repeat(38));
      expect(
        toEntry("orders", "id", input("x", {}, [attr("n", `000${"1".repeat(38)}`, "Number")]), MAX).entry.MessageAttributes,
      ).toBeDefined();
    });

    test("data types: String, Number or Binary, optionally .LABEL of printable ASCII, 256 characters at most", () => {
      const ok = [
        "String",
        "Number",
        "Binary",
        "String.JSON",
        "Number.int",
        "Binary.image/png",
        "String.a.b-c_d!~",
        `String.${"x".repeat(249)}`,
      ];
      for (const type of ok) {
        const value = type.startsWith("Binary") ? "AAEC" : "1";
        expect({
          type,
          a: toEntry("orders", "id", input("x", {}, [attr("a", value, type)]), MAX).entry.MessageAttributes?.a?.DataType,
        }).toEqual({
          type,
          a: type,
        });
      }
      const bad = [
        "Integer",
        "",
        "string",
        "NUMBER",
        " String",
        "String ",
        "Number.",
        "Number.a b",
        "String.\t",
        "String.ü",
        "Stringy",
        "Number,int",
        `String.${"x".repeat(250)}`,
      ];
      for (const type of bad) {
        const e = thrown(() => toEntry("orders", "id", input("x", {}, [attr("a", "1", type)]), MAX));
        expect({ type, status: e.status, code: e.code }).toEqual({ type, status: 400, code: "InvalidParameterValue" });
      }
    });

    test("Number range: 0, or a magnitude from 10^-128 to 10^126, worked out exactly", () => {
      const ok = [
        "0",
        "-0.000",
        "0e999",
        "1e126",
        "1E+126",
        "-1e126",
        "10e125",
        `${"0".repeat(200)}1e126`,
        "1.000e126",
        `${"9".repeat(38)}e88`, // 9.99…e125
        "1e-128",
        "-1E-128",
        "0.0001e-124",
        `0.${"0".repeat(127)}1`, // 10^-128 written out
        `1${"0".repeat(37)}`,
        `1${"0".repeat(60)}`, // trailing zeros are trimmed before the digits are counted
        `1.5${"0".repeat(50)}`,
        `${"1".repeat(38)}e10`, // exponent digits are not significant digits
        ".5",
        "5.",
        "+3e-0",
      ];
      for (const n of ok) {
        expect({
          n,
          ok: toEntry("orders", "id", input("x", {}, [attr("n", n, "Number")]), MAX).entry.MessageAttributes?.n?.StringValue,
        }).toEqual({
          n,
          ok: n,
        });
      }
      const bad = [
        "1e200",
        "1e127",
        "2e126",
        "1.0000001e126",
        "-1e127",
        `1${"0".repeat(126)}.5e-1`, // 1.00…05e125 has too many digits anyway
        "1e-129",
        "0.1e-128",
        "9.99e-129",
        `0.${"0".repeat(128)}1`,
        "1e99999999999999999999",
        "1e-99999999999999999999",
        `1${"0".repeat(37)}1`, // 39 significant digits
        "1.5e",
        "e5",
        ".",
        "0x10",
        "Infinity",
        "NaN",
        "1_000",
      ];
      for (const n of bad) {
        const e = thrown(() => toEntry("orders", "id", input("x", {}, [attr("n", n, "Number")]), MAX));
        expect({ n, status: e.status, code: e.code }).toEqual({ n, status: 400, code: "InvalidParameterValue" });
      }
      expect(thrown(() => toEntry("orders", "id", input("x", {}, [attr("n", "1e200", "Number.big")]), MAX)).message).toContain("10^126");
    });

    test("attribute names, types and values count toward the size limit (413)", () => {
      const body = "b".repeat(80);
      const a = attr("name", "v".repeat(10)); // 4 + 6 + 10 = 20 bytes
      expect(toEntry("orders", "id", input(body, {}, [a]), 100).bytes).toBe(100);
      const e = thrown(() => toEntry("orders", "id", input(body, {}, [a]), 99));
      expect([e.status, e.code]).toEqual([413, "MessageTooLarge"]);
      // binary counts decoded bytes
      const bin = attr("b", Buffer.alloc(30, 7).toString("base64"), "Binary"); // 1 + 6 + 30
      expect(toEntry("orders", "id", input("x", {}, [bin]), 100).bytes).toBe(1 + 1 + 6 + 30);
      // multibyte values count in bytes
      expect(toEntry("orders", "id", input("x", {}, [attr("e", "😀")]), 100).bytes).toBe(1 + 1 + 6 + 4);
    });
  });
});

describe("readSend", () => {
  test("raw text/plain body with X-Sqs-* headers", async () => {
    const r = await readSend(
      post("hello 😀", {
        "content-type": "text/plain; charset=utf-8",
        "x-sqs-delay-seconds": "30",
        "x-sqs-message-group-id": "g-1",
        "x-sqs-message-deduplication-id": "d-1",
        "x-sqs-attribute-color": "red",
        "x-sqs-number-attribute-n": "5",
        "x-sqs-binary-attribute-blob": "AAEC",
        "x-other": "ignored",
      }),
      MAX,
    );
    expect(r.body).toBe("hello 😀");
    expect(r.bodyBytes).toBe(10);
    expect(Object.fromEntries(r.fields)).toEqual({ delay_seconds: "30", message_group_id: "g-1", message_deduplication_id: "d-1" });
    const sorted = [...r.attributes].sort((x, y) => x.name.localeCompare(y.name));
    expect(sorted).toEqual([
      { name: "blob", type: "Binary", value: "AAEC" },
      { name: "color", type: "String", value: "red" },
      { name: "n", type: "Number", value: "5" },
    ]);
    r.fields.delete("message_deduplication_id"); // "orders" is a standard queue: no dedup id there
    const { entry } = toEntry("orders", "id", r, MAX);
    expect(entry.DelaySeconds).toBe(30);
    expect(entry.MessageAttributes?.n).toEqual({ DataType: "Number", StringValue: "5" });
  });

  test("raw body over the limit is 413; invalid UTF-8 is 400", async () => {
    const big = await rejected(readSend(post("x".repeat(11), { "content-type": "text/plain" }), 10));
    expect([big.status, big.code]).toEqual([413, "MessageTooLarge"]);
    const ok = await readSend(post("x".repeat(10), { "content-type": "text/plain" }), 10);
    expect(ok.bodyBytes).toBe(10);
    const bad = await rejected(readSend(post(Uint8Array.of(0x61, 0xff, 0x62), { "content-type": "application/octet-stream" }), MAX));
    expect([bad.status, bad.code]).toEqual([400, "InvalidMessageContents"]);
  });

  test("raw body bytes are counted as received (multibyte)", async () => {
    const big = await rejected(readSend(post("é".repeat(6), { "content-type": "text/plain" }), 11));
    expect(big.status).toBe(413);
  });

  test("urlencoded form: body, fields and attr.* fields with types", async () => {
    const form = "message_body=a+b%2B%F0%9F%98%80&delay_seconds=3&attr.color=red&attr.n%3BNumber=5&attr.n2;Number.int=7&attr.b;Binary=AAEC";
    const r = await readSend(post(form, { "content-type": "application/x-www-form-urlencoded" }), MAX);
    expect(r.body).toBe("a b+😀");
    expect(r.bodyBytes).toBe(bytes("a b+😀"));
    expect(r.fields.has("message_body")).toBe(false);
    expect(r.fields.get("delay_seconds")).toBe("3");
    expect(r.attributes).toEqual([
      { name: "color", type: "String", value: "red" },
      { name: "n", type: "Number", value: "5" },
      { name: "n2", type: "Number.int", value: "7" },
      { name: "b", type: "Binary", value: "AAEC" },
    ]);
    const { entry } = toEntry("orders", "id", r, MAX);
    expect(entry).toEqual({
      MessageBody: "a b+😀",
      DelaySeconds: 3,
      MessageAttributes: {
        color: { DataType: "String", StringValue: "red" },
        n: { DataType: "Number", StringValue: "5" },
        n2: { DataType: "Number.int", StringValue: "7" },
        b: { DataType: "Binary", BinaryValue: "AAEC" },
      },
    });
  });

  test("urlencoded form: body over the limit in bytes is 413; bad escapes are 400", async () => {
    const big = await rejected(
      readSend(post(`message_body=${"%C3%A9".repeat(6)}`, { "content-type": "application/x-www-form-urlencoded" }), 11),
    );
    expect(big.status).toBe(413);
    const bad = await rejected(readSend(post("message_body=%FF", { "content-type": "application/x-www-form-urlencoded" }), MAX));
    expect([bad.status, bad.code]).toEqual([400, "InvalidEncoding"]);
  });

  test("multipart/form-data", async () => {
    const fd = new FormData();
    fd.append("message_body", "multi 😀 part");
    fd.append("message_group_id", "g");
    fd.append("attr.color", "blue");
    fd.append("attr.n;Number", "42");
    const r = await readSend(new Request("http://localhost:9292/queues/jobs.fifo/messages", { method: "POST", body: fd }), MAX);
    expect(r.body).toBe("multi 😀 part");
    expect(r.bodyBytes).toBe(bytes("multi 😀 part"));
    expect(r.fields.get("message_group_id")).toBe("g");
    expect(r.attributes).toEqual([
      { name: "color", type: "String", value: "blue" },
      { name: "n", type: "Number", value: "42" },
    ]);
    const { entry } = toEntry("jobs.fifo", "acc-id", r, MAX);
    expect(entry.MessageGroupId).toBe("g");
    expect(entry.MessageDeduplicationId).toBe("acc-id");
  });
});

describe("sends through the app (against the SQS stand-in)", () => {
  const withApp = appsOnFakeSqs();

  function setup() {
    const made = withApp();
    made.fake.createQueue("orders");
    return made;
  }

  const error = async (r: Response) => ((await r.json()) as { error: { code: string; message: string } }).error;
  /** A header value as Bun's server hands it over: one char per byte received. */
  const asReceived = (text: string) => Buffer.from(text, "utf8").toString("latin1");

  test("X-Sqs-* header values sent as UTF-8 arrive as sent", async () => {
    const { fake, app, dispatcher } = setup();
    const r = await app.handle(
      req("/queues/orders", {
        method: "POST",
        body: "hi",
        headers: {
          "content-type": "text/plain",
          "x-sqs-attribute-city": asReceived("Zürich"),
          "x-sqs-attribute-mood": asReceived("😀 ok"),
          "x-sqs-attribute-plain": "ascii only",
        },
      }),
    );
    expect(r.status).toBe(202);
    const { id } = (await r.json()) as { id: string };
    await waitFor(() => dispatcher.status(id)?.state === "sent", 10_000, "sent");
    expect(fake.queues.get("orders")?.[0]?.attributes).toEqual({
      city: { DataType: "String", StringValue: "Zürich" },
      mood: { DataType: "String", StringValue: "😀 ok" },
      plain: { DataType: "String", StringValue: "ascii only" },
    });
  });

  test("X-Sqs-* header values that are not UTF-8 are 400 InvalidEncoding, naming the header", async () => {
    const { app, dispatcher } = setup();
    for (const [name, value] of [
      ["x-sqs-attribute-city", "Z\u00fcrich"], // Latin-1 ü: not UTF-8
      ["x-sqs-message-group-id", "g\u00c3"], // a truncated UTF-8 sequence
    ] as const) {
      const r = await app.handle(
        req("/queues/orders", { method: "POST", body: "hi", headers: { "content-type": "text/plain", [name]: value } }),
      );
      expect({ name, status: r.status }).toEqual({ name, status: 400 });
      const e = await error(r);
      expect(e.code).toBe("InvalidEncoding");
      expect(e.message).toContain(name);
    }
    expect(dispatcher.stats().accepted).toBe(0);
  });

  test("form attribute types with a bad label are 400; a good label is delivered", async () => {
    const { fake, app, dispatcher } = setup();
    for (const key of ["attr.n;Number.", "attr.n;Number.a b", "attr.n;Number.ü"]) {
      const r = await app.handle(req("/queues/orders", { method: "POST", form: { message_body: "x", [key]: "1" } }));
      expect({ key, status: r.status }).toEqual({ key, status: 400 });
      expect((await error(r)).code).toBe("InvalidParameterValue");
    }
    expect(dispatcher.stats().accepted).toBe(0);
    const r = await app.handle(req("/queues/orders", { method: "POST", form: { message_body: "x", "attr.n;Number.int": "7" } }));
    expect(r.status).toBe(202);
    const { id } = (await r.json()) as { id: string };
    await waitFor(() => dispatcher.status(id)?.state === "sent", 10_000, "sent");
    expect(fake.queues.get("orders")?.[0]?.attributes).toEqual({ n: { DataType: "Number.int", StringValue: "7" } });
  });

  test("Number attributes out of SQS's range are 400 at the door (form and header)", async () => {
    const { app, dispatcher } = setup();
    const form = await app.handle(req("/queues/orders", { method: "POST", form: { message_body: "x", "attr.n;Number": "1e200" } }));
    expect(form.status).toBe(400);
    expect((await error(form)).message).toContain("10^126");
    const header = await app.handle(
      req("/queues/orders", { method: "POST", body: "x", headers: { "content-type": "text/plain", "x-sqs-number-attribute-n": "1e-129" } }),
    );
    expect(header.status).toBe(400);
    expect(dispatcher.stats().accepted).toBe(0);
  });
});

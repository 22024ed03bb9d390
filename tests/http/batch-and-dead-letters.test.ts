// Routes of the batch send and the dead letters, through app.handle, against the SQS stand-in (no faults unless stated).
import { describe, expect, test } from "bun:test";
import { appsOnFakeSqs, req, waitFor } from "../helpers";

const setup = appsOnFakeSqs();

const OTHER = { accessKeyId: "AKIDSOMEONEELSE", secretAccessKey: "other" };

describe("POST /queues/NAME/batch", () => {
  test("a JSON array → 202 with one id per message, all delivered with their attributes", async () => {
    const { fake, app, dispatcher } = setup();
    fake.createQueue("orders");
    const r = await app.handle(
      req("/queues/orders/batch", {
        method: "POST",
        json: [{ body: "a" }, { body: "b 😀", delay_seconds: 5 }, { body: "c", attributes: { n: { type: "Number", value: "7" }, s: "x" } }],
      }),
    );
    expect(r.status).toBe(202);
    const { ids, queue } = (await r.json()) as { ids: string[]; queue: string };
    expect(queue).toBe("orders");
    expect(ids).toHaveLength(3);
    await waitFor(() => ids.every((id) => dispatcher.status(id)?.state === "sent"), 10_000, "sent");
    const stored = fake.queues.get("orders")!;
    expect(stored.map((m) => m.body).sort()).toEqual(["a", "b 😀", "c"]);
    expect(stored.find((m) => m.body === "c")?.attributes).toEqual({
      n: { DataType: "Number", StringValue: "7" },
      s: { DataType: "String", StringValue: "x" },
    });
  });

  test("NDJSON works too", async () => {
    const { fake, app } = setup();
    fake.createQueue("q");
    const r = await app.handle(
      req("/queues/q/batch", {
        method: "POST",
        body: '{"body":"one"}\n{"body":"two"}\n',
        headers: { "content-type": "application/x-ndjson" },
      }),
    );
    expect(r.status).toBe(202);
    expect(((await r.json()) as { ids: string[] }).ids).toHaveLength(2);
  });

  test("one bad entry → 400 naming each bad entry, and nothing of the request is accepted", async () => {
    const { fake, app, dispatcher } = setup();
    fake.createQueue("jobs.fifo");
    const r = await app.handle(
      req("/queues/jobs.fifo/batch", {
        method: "POST",
        json: [{ body: "ok", group_id: "g" }, { body: "", group_id: "g" }, { body: "no group" }, { body: "bad\u0001char", group_id: "g" }],
      }),
    );
    expect(r.status).toBe(400);
    const { error } = (await r.json()) as { error: { code: string; entries: Array<{ index: number; code: string }> } };
    expect(error.code).toBe("InvalidBatch");
    expect(error.entries.map((e) => [e.index, e.code])).toEqual([
      [1, "EmptyBody"],
      [2, "MissingParameter"],
      [3, "InvalidMessageContents"],
    ]);
    expect(dispatcher.stats().accepted).toBe(0);
  });

  test("malformed, empty and oversized batches → 400", async () => {
    const { app } = setup();
    const codes: string[] = [];
    for (const body of ["{not json", "[]", JSON.stringify(Array.from({ length: 1001 }, () => ({ body: "x" }))), '[{"nobody":1}]']) {
      const r = await app.handle(req("/queues/q/batch", { method: "POST", body, headers: { "content-type": "application/json" } }));
      expect(r.status).toBe(400);
      codes.push(((await r.json()) as { error: { code: string } }).error.code);
    }
    expect(codes).toEqual(["MalformedBatch", "EmptyBatch", "TooManyMessages", "MalformedBatch"]);
  });

  test("attribute types and values are checked like a single send's: bad ones → 400 InvalidBatch naming each entry", async () => {
    const { fake, app, dispatcher } = setup();
    fake.createQueue("orders");
    const r = await app.handle(
      req("/queues/orders/batch", {
        method: "POST",
        json: [
          { body: "ok", attributes: { n: { type: "Number.int", value: "7" } } },
          { body: "a", attributes: { n: { type: "Integer", value: "1" } } },
          { body: "b", attributes: { n: { type: "", value: "1" } } },
          { body: "c", attributes: { n: { type: "String.has space", value: "1" } } },
          { body: "d", attributes: { n: { type: "Number", value: "1e200" } } },
          { body: "e", attributes: { n: { type: "Number", value: "1e-129" } } },
        ],
      }),
    );
    expect(r.status).toBe(400);
    const { error } = (await r.json()) as { error: { code: string; entries: Array<{ index: number; code: string }> } };
    expect(error.code).toBe("InvalidBatch");
    expect(error.entries.map((e) => [e.index, e.code])).toEqual([
      [1, "InvalidParameterValue"],
      [2, "InvalidParameterValue"],
      [3, "InvalidParameterValue"],
      [4, "InvalidParameterValue"],
      [5, "InvalidParameterValue"],
    ]);
    expect(dispatcher.stats().accepted).toBe(0);
  });

  test('"attributes" must be an object of strings or {"type", "value"} strings → else 400 MalformedBatch naming the message', async () => {
    const { fake, app, dispatcher } = setup();
    fake.createQueue("orders");
    for (const attributes of [
      "xyz",
      ["a", "b"],
      null,
      5,
      { n: 7 },
      { n: null },
      { n: ["x"] },
      { n: { type: "Number", value: 7 } },
      { n: { value: "x" } },
      { n: { type: 1, value: "x" } },
    ]) {
      const r = await app.handle(req("/queues/orders/batch", { method: "POST", json: [{ body: "fine" }, { body: "x", attributes }] }));
      expect({ attributes, status: r.status }).toEqual({ attributes, status: 400 });
      const { error } = (await r.json()) as { error: { code: string; message: string } };
      expect({ attributes, code: error.code }).toEqual({ attributes, code: "MalformedBatch" });
      expect(error.message).toContain("#1");
    }
    expect(dispatcher.stats().accepted).toBe(0);
  });

  test("a batch URL with a query or a trailing slash gets the batch size limit, not a single send's", async () => {
    const { fake, app, dispatcher } = setup();
    fake.createQueue("orders");
    // Two messages of 800 KB: 1.6 MB in one request, over the single-send limit (1 MiB) but a fine batch.
    const text = JSON.stringify([{ body: "a".repeat(800_000) }, { body: "b".repeat(800_000) }]);
    for (const path of ["/queues/orders/batch?src=app", "/queues/orders/batch/", "/queues/orders/batch"]) {
      const r = await app.handle(
        req(path, { method: "POST", body: text, headers: { "content-type": "application/json", "content-length": String(text.length) } }),
      );
      expect({ path, status: r.status }).toEqual({ path, status: 202 });
    }
    await waitFor(() => dispatcher.stats().accepted === 6, 10_000, "accepted");
  });
});

describe("dead letters", () => {
  test("fault: the queue does not exist → dead letter, listed only to its key, retried after the queue exists", async () => {
    const { fake, app, dispatcher } = setup();
    const sent = await app.handle(
      req("/queues/later/batch", { method: "POST", json: [{ body: "<script>alert(1)</script>" }, { body: "two" }] }),
    );
    const { ids } = (await sent.json()) as { ids: string[] };
    await waitFor(() => ids.every((id) => dispatcher.status(id)?.state === "dead"), 10_000, "dead");

    const mine = (await (await app.handle(req("/dead-letters"))).json()) as {
      total: number;
      dead_letters: Array<{ id: string; reason: string }>;
    };
    expect(mine.total).toBe(2);
    expect(mine.dead_letters[0]?.reason).toContain("does not exist");
    const theirs = (await (await app.handle(req("/dead-letters", { auth: OTHER }))).json()) as { total: number };
    expect(theirs.total).toBe(0);
    expect((await app.handle(req("/dead-letters", { auth: false }))).status).toBe(401);
    const page = await (await app.handle(req("/dead-letters", { html: true }))).text();
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).not.toContain("<script>alert(1)");

    expect((await app.handle(req(`/dead-letters/${ids[0]}/retry`, { method: "POST", auth: OTHER }))).status).toBe(403);
    expect((await app.handle(req("/dead-letters/no-such-id/retry", { method: "POST" }))).status).toBe(404);
    fake.createQueue("later");
    const retried = await app.handle(req(`/dead-letters/${ids[0]}/retry`, { method: "POST" }));
    expect(retried.status).toBe(202);
    await waitFor(() => dispatcher.status(ids[0]!)?.state === "sent", 10_000, "sent after retry");
    expect(fake.bodies("later")).toEqual(["<script>alert(1)</script>"]);

    expect((await app.handle(req(`/dead-letters/${ids[1]}`, { method: "DELETE" }))).status).toBe(204);
    expect((await app.handle(req(`/dead-letters/${ids[1]}`, { method: "DELETE" }))).status).toBe(404);
    const after = (await (await app.handle(req("/dead-letters"))).json()) as { total: number };
    expect(after.total).toBe(0);
  });
});

// Routes of the queue feature through app.handle, against a real moto server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CREDS, type Moto, makeApp, req, startMoto, waitFor } from "../helpers";

let moto: Moto;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

const uniq = (p: string) => `${p}-${Math.random().toString(36).slice(2, 8)}`;

describe("queues against moto", () => {
  test("create (form) → 201 with Location, then list and info", async () => {
    const { app } = makeApp(moto.url);
    const name = uniq("orders");
    const created = await app.handle(req("/queues", { method: "POST", form: { queue_name: name, visibility_timeout: "45" } }));
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`/queues/${name}`);
    expect((await created.json()).url).toContain(name);

    const list = await app.handle(req("/queues"));
    expect(list.status).toBe(200);
    const { queues } = await list.json();
    expect(queues.map((q: { name: string }) => q.name)).toContain(name);

    const info = await app.handle(req(`/queues/${name}`));
    expect(info.status).toBe(200);
    const body = await info.json();
    expect(body.attributes.VisibilityTimeout).toBe("45");
  });

  test("create with JSON and a .fifo name makes a FIFO queue", async () => {
    const { app } = makeApp(moto.url);
    const name = `${uniq("jobs")}.fifo`;
    const r = await app.handle(req("/queues", { method: "POST", json: { queue_name: name, delay_seconds: 3 } }));
    expect(r.status).toBe(201);
    const info = await (await app.handle(req(`/queues/${name}`))).json();
    expect(info.attributes.FifoQueue).toBe("true");
    expect(info.attributes.DelaySeconds).toBe("3");
  });

  test("HTML list links each queue to its page", async () => {
    const { app } = makeApp(moto.url);
    const name = uniq("linked");
    await app.handle(req("/queues", { method: "POST", form: { queue_name: name } }));
    const page = await app.handle(req("/queues", { html: true }));
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain(`<a href="/queues/${name}">${name}</a>`);
  });

  test("unknown queue → 404; bad name → 400; bad attribute → 400; missing name → 400", async () => {
    const { app } = makeApp(moto.url);
    expect((await app.handle(req("/queues/no-such-queue-here"))).status).toBe(404);
    const bad = await app.handle(req("/queues/bad%20name"));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("InvalidQueueName");
    expect((await app.handle(req("/queues", { method: "POST", form: { queue_name: "x", visibility_timeout: "-1" } }))).status).toBe(400);
    expect((await app.handle(req("/queues", { method: "POST", form: { queue_name: "" } }))).status).toBe(400);
    expect((await app.handle(req("/queues", { method: "POST", form: { queue_name: "a".repeat(81) } }))).status).toBe(400);
  });

  test("send → 202 with a UUIDv7 id, then the message arrives in SQS", async () => {
    const { app, sqs, dispatcher } = makeApp(moto.url);
    const name = uniq("send");
    await app.handle(req("/queues", { method: "POST", form: { queue_name: name } }));
    const r = await app.handle(
      req(`/queues/${name}`, { method: "POST", body: "hello & goodbye", headers: { "content-type": "text/plain" } }),
    );
    expect(r.status).toBe(202);
    const { id, queue } = await r.json();
    expect(queue).toBe(name);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await waitFor(() => dispatcher.status(id)?.state === "sent", 10_000, "sent");
    const url = await sqs.getQueueUrl({ accessKeyId: "AKIDEXAMPLETEST", secretAccessKey: "x" }, name);
    const got = await sqs.call<{ Messages?: Array<{ Body: string }> }>(
      { accessKeyId: "AKIDEXAMPLETEST", secretAccessKey: "x" },
      "ReceiveMessage",
      {
        QueueUrl: url,
        MaxNumberOfMessages: 10,
      },
    );
    expect(got.Messages?.map((m) => m.Body)).toEqual(["hello & goodbye"]);
    const tracked = await (await app.handle(req(`/messages/${id}`))).json();
    expect(tracked.state).toBe("sent");
    expect(tracked.sqsMessageId).toBeString();
  });

  test("a queue's own MaximumMessageSize is enforced at the door once known: 413, not a 202 and a dead letter", async () => {
    const { app, sqs } = makeApp(moto.url);
    const name = uniq("small");
    const created = await app.handle(req("/queues", { method: "POST", form: { queue_name: name, maximum_message_size: "1024" } }));
    expect(created.status).toBe(201);
    // Read in the background once the queue's URL is known (here: at once, after the create).
    await waitFor(() => sqs.queueMaxBytes(CREDS, name) === 1024, 5_000, "the queue's limit");
    const big = await app.handle(req(`/queues/${name}`, { method: "POST", form: { message_body: "x".repeat(2_000) } }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { message: string } }).error.message).toContain("1024");
    const batch = await app.handle(req(`/queues/${name}/batch`, { method: "POST", json: [{ body: "ok" }, { body: "y".repeat(1_500) }] }));
    expect(batch.status).toBe(400);
    const fits = await app.handle(req(`/queues/${name}`, { method: "POST", form: { message_body: "x".repeat(1_000) } }));
    expect(fits.status).toBe(202);
  });

  test("delete → 204, then 404; the HTML form needs its confirmation box", async () => {
    const { app } = makeApp(moto.url);
    const name = uniq("gone");
    await app.handle(req("/queues", { method: "POST", form: { queue_name: name } }));
    const unconfirmed = await app.handle(req(`/queues/${name}`, { method: "POST", html: true, form: { _method: "DELETE" } }));
    expect(unconfirmed.status).toBe(400);
    expect((await app.handle(req(`/queues/${name}`))).status).toBe(200);
    const del = await app.handle(req(`/queues/${name}`, { method: "DELETE" }));
    expect(del.status).toBe(204);
    expect((await app.handle(req(`/queues/${name}`))).status).toBe(404);
    const name2 = uniq("gone2");
    await app.handle(req("/queues", { method: "POST", form: { queue_name: name2 } }));
    const viaForm = await app.handle(req(`/queues/${name2}`, { method: "POST", html: true, form: { _method: "DELETE", confirm: "yes" } }));
    expect(viaForm.status).toBe(200);
    expect(await viaForm.text()).toContain("deleted");
    expect((await app.handle(req(`/queues/${name2}`))).status).toBe(404);
  });
});

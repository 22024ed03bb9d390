// Who may see and change dead letters: they hold message bodies, so a key id alone is not enough.
import { expect, test } from "bun:test";
import type { FakeSqs } from "../fake-sqs";
import { appsOnFakeSqs, CREDS, req, waitFor } from "../helpers";

const setup = appsOnFakeSqs();

/** Two dead letters of CREDS (their queue does not exist). */
async function withDeadLetters() {
  const made = setup();
  const sent = await made.app.handle(req("/queues/nowhere/batch", { method: "POST", json: [{ body: "secret one" }, { body: "two" }] }));
  const { ids } = (await sent.json()) as { ids: string[] };
  await waitFor(() => ids.every((id) => made.dispatcher.status(id)?.state === "dead"), 10_000, "dead");
  return { ids, ...made };
}

const TYPO = { accessKeyId: CREDS.accessKeyId, secretAccessKey: "not-the-secret" };
const listQueues = (f: FakeSqs) => f.requests.filter((r) => r.action === "ListQueues").length;

test("the right key id with a secret SQS refuses: no list, no retry, no discard", async () => {
  const { fake, app, ids } = await withDeadLetters();
  // The stand-in cannot check signatures: the fault plan refuses ListQueues while the typo is used.
  fake.setFaults(({ action }) => (action === "ListQueues" ? { kind: "error", status: 403, code: "SignatureDoesNotMatch" } : undefined));
  const list = await app.handle(req("/dead-letters", { auth: TYPO }));
  expect(list.status).toBe(403);
  expect(await list.text()).not.toContain("secret one");
  expect((await app.handle(req(`/dead-letters/${ids[0]}/retry`, { method: "POST", auth: TYPO }))).status).toBe(403);
  expect((await app.handle(req(`/dead-letters/${ids[0]}`, { method: "DELETE", auth: TYPO }))).status).toBe(403);
  fake.setFaults(() => undefined);
  const mine = (await (await app.handle(req("/dead-letters"))).json()) as { total: number };
  expect(mine.total).toBe(2);
});

test("a key SQS knows but which may not list queues is proven all the same (AccessDenied proves the signature)", async () => {
  const { fake, app } = await withDeadLetters();
  fake.setFaults(({ action }) => (action === "ListQueues" ? { kind: "error", status: 403, code: "AccessDenied" } : undefined));
  expect((await app.handle(req("/dead-letters"))).status).toBe(200);
});

test("credentials SQS accepted are not asked about again (for an hour)", async () => {
  const { fake, app } = await withDeadLetters();
  await app.handle(req("/dead-letters"));
  const asked = listQueues(fake);
  await app.handle(req("/dead-letters"));
  await app.handle(req("/dead-letters?queue=nowhere"));
  expect(listQueues(fake)).toBe(asked);
});

test("another key id cannot discard someone's dead letter", async () => {
  const { app, ids } = await withDeadLetters();
  const OTHER = { accessKeyId: "AKIDSOMEONEELSE", secretAccessKey: "other" };
  const r = await app.handle(req(`/dead-letters/${ids[1]}`, { method: "DELETE", auth: OTHER }));
  expect(r.status).toBe(403);
  expect(((await r.json()) as { error: { code: string } }).error.code).toBe("OtherCredentials");
  const form = await app.handle(req(`/dead-letters/${ids[1]}`, { method: "POST", auth: OTHER, form: { _method: "DELETE" } }));
  expect(form.status).toBe(403);
  expect(((await (await app.handle(req("/dead-letters"))).json()) as { total: number }).total).toBe(2);
  expect((await app.handle(req(`/dead-letters/${ids[1]}`, { method: "DELETE" }))).status).toBe(204);
});

test("while SQS cannot be reached to check the secret: the list without bodies, and no retry or discard (503)", async () => {
  const { fake, app, ids } = await withDeadLetters();
  fake.setFaults(({ action }) => (action === "ListQueues" ? { kind: "error", status: 503, code: "ServiceUnavailable" } : undefined));
  const list = await app.handle(req("/dead-letters"));
  expect(list.status).toBe(200);
  const body = (await list.json()) as { total: number; bodies_hidden?: string; dead_letters: Array<{ body_preview: string | null }> };
  expect(body.total).toBe(2);
  expect(body.bodies_hidden).toContain("cannot be reached");
  expect(body.dead_letters.map((d) => d.body_preview)).toEqual([null, null]);
  const page = await (await app.handle(req("/dead-letters", { html: true }))).text();
  expect(page).toContain("cannot be reached");
  expect(page).not.toContain("secret one");
  expect(page).not.toContain("Discard");
  for (const r of [
    await app.handle(req(`/dead-letters/${ids[0]}/retry`, { method: "POST" })),
    await app.handle(req(`/dead-letters/${ids[0]}`, { method: "DELETE" })),
  ]) {
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("5");
  }
  fake.setFaults(() => undefined);
  const shown = (await (await app.handle(req("/dead-letters"))).json()) as { dead_letters: Array<{ body_preview: string }> };
  expect(shown.dead_letters.map((d) => d.body_preview).sort()).toEqual(["secret one", "two"]);
});

test("credentials whose sends SQS took are proven without asking again", async () => {
  const { fake, app, dispatcher } = await withDeadLetters();
  fake.createQueue("somewhere");
  const sent = await app.handle(req("/queues/somewhere", { method: "POST", form: { message_body: "fine" } }));
  const { id } = (await sent.json()) as { id: string };
  await waitFor(() => dispatcher.status(id)?.state === "sent", 5_000, "sent");
  expect((await app.handle(req("/dead-letters"))).status).toBe(200);
  expect(listQueues(fake)).toBe(0);
});

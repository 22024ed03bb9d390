// The worker-thread sender: the same outcomes as the in-thread client, errors revived with their kind.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { SqsError } from "../../src/sqs/errors";
import { WorkerSender } from "../../src/sqs/remote-sender";
import { type FakeSqs, startFakeSqs } from "../fake-sqs";
import { CREDS } from "../helpers";

let fake: FakeSqs;
let sender: WorkerSender;
let url: string;
beforeAll(() => {
  fake = startFakeSqs();
  fake.createQueue("q");
  url = `${fake.url}/000000000000/q`;
  sender = new WorkerSender({ endpoint: fake.url, region: "us-east-1", timeoutMs: 300 });
});
afterAll(() => {
  sender.close();
  fake.stop();
});

test("sendMessage and sendMessageBatch go out from the worker and come back as the client's answers", async () => {
  const one = await sender.sendMessage(CREDS, url, { MessageBody: "from a thread 😀" });
  expect(one.MessageId).toBeString();
  const batch = await sender.sendMessageBatch(CREDS, url, [
    { MessageBody: "a" },
    { MessageBody: "b", MessageAttributes: { k: { DataType: "String", StringValue: "v" } } },
  ]);
  expect(batch.successful.map((s) => s.id)).toEqual(["0", "1"]);
  expect(batch.failed).toEqual([]);
  expect(fake.bodies("q")).toEqual(["from a thread 😀", "a", "b"]);
});

test("fault: a partial batch failure and an error answer arrive as SqsErrors with code, fault side and kind", async () => {
  fake.setFaults(({ action, n }) =>
    action === "SendMessageBatch" && n === 2
      ? {
          kind: "partial",
          entries: [
            { index: 0, senderFault: true, code: "InvalidParameterValue" },
            { index: 1, senderFault: false, code: "InternalError" },
          ],
        }
      : action === "SendMessage" && n === 2
        ? { kind: "error", status: 400, code: "ThrottlingException" }
        : undefined,
  );
  const batch = await sender.sendMessageBatch(CREDS, url, [{ MessageBody: "x" }, { MessageBody: "y" }]);
  const [permanent, transient] = batch.failed;
  expect(permanent?.error).toBeInstanceOf(SqsError);
  expect([permanent?.error.code, permanent?.error.senderFault, permanent?.error.retryable]).toEqual(["InvalidParameterValue", true, false]);
  expect([transient?.error.code, transient?.error.retryable]).toEqual(["InternalError", true]);
  const err = await sender.sendMessage(CREDS, url, { MessageBody: "z" }).catch((e) => e);
  expect(err).toBeInstanceOf(SqsError);
  expect([err.code, err.kind, err.status]).toEqual(["ThrottlingException", "throttling", 400]);
});

test("fault: a slow answer beyond the timeout is a retryable Timeout", async () => {
  fake.setFaults(({ action }) => (action === "SendMessage" ? { kind: "slow", ms: 800 } : undefined));
  const err = await sender.sendMessage(CREDS, url, { MessageBody: "slow" }).catch((e) => e);
  expect([err.code, err.retryable]).toEqual(["Timeout", true]);
  fake.setFaults(() => undefined);
});

test("fault: a sender thread that stops answering is replaced, and the sends it held fail as retryable Timeouts", async () => {
  const silent = new WorkerSender(
    { endpoint: fake.url, region: "us-east-1", timeoutMs: 100 },
    { workerSpec: new URL("./silent-worker.ts", import.meta.url).href, graceMs: 100 },
  );
  try {
    const [a, b] = await Promise.all([
      silent.sendMessage(CREDS, url, { MessageBody: "held 1" }).catch((e) => e),
      silent.sendMessageBatch(CREDS, url, [{ MessageBody: "held 2" }, { MessageBody: "held 3" }]).catch((e) => e),
    ]);
    expect([a.code, a.retryable, b.code, b.retryable]).toEqual(["Timeout", true, "Timeout", true]);
    expect(silent.restarts).toBe(1);
  } finally {
    silent.close();
  }
});

test("a worker that answers, if slowly, is not replaced", () => {
  expect(sender.restarts).toBe(0);
});

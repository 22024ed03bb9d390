// The binary's embedded SQS-compatible server: `local-sqs` for any SDK, and `--local` for a newcomer with no AWS account.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { SqsClient } from "../../src/sqs/client";
import { BIN, cleanEnv, ensureBinary, freePort, waitFor } from "../helpers";

const running: Bun.Subprocess[] = [];
beforeAll(() => ensureBinary());
afterEach(async () => {
  for (const p of running.splice(0)) {
    p.kill("SIGKILL");
    await p.exited;
  }
});

async function start(args: string[]): Promise<{ url: string; proc: Bun.Subprocess }> {
  const port = await freePort();
  const proc = Bun.spawn([BIN, ...args, "--port", String(port)], { env: cleanEnv(), stdout: "ignore", stderr: "pipe" });
  running.push(proc);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (proc.exitCode !== null)
        throw new Error(`${args.join(" ")} exited with ${proc.exitCode}: ${await new Response(proc.stderr as ReadableStream).text()}`);
      return fetch(`${url}/health`).then(
        () => true,
        () => false,
      );
    },
    15_000,
    `${args[0]} to listen`,
  );
  return { url, proc };
}

describe("embedded SQS-compatible server", () => {
  test("`local-sqs`: a SigV4 client creates a queue, sends, receives, deletes; SIGTERM exits 0", async () => {
    const { url, proc } = await start(["local-sqs", "--data", "none"]);
    const sqs = new SqsClient({ endpoint: url, region: "us-east-1", timeoutMs: 5_000 });
    const creds = { accessKeyId: "ANYKEY", secretAccessKey: "any" };
    const queueUrl = await sqs.createQueue(creds, "cycle");
    expect(queueUrl).toBe(`${url}/000000000000/cycle`);
    await sqs.sendMessage(creds, queueUrl, {
      MessageBody: "round trip ✓",
      MessageAttributes: { k: { DataType: "String", StringValue: "v" } },
    });
    type Received = {
      Messages?: Array<{ Body: string; ReceiptHandle: string; MessageAttributes?: Record<string, { StringValue?: string }> }>;
    };
    const got = await sqs.call<Received>(creds, "ReceiveMessage", {
      QueueUrl: queueUrl,
      MessageAttributeNames: ["All"],
      WaitTimeSeconds: 1,
    });
    expect(got.Messages?.map((m) => m.Body)).toEqual(["round trip ✓"]);
    expect(got.Messages?.[0]?.MessageAttributes?.k?.StringValue).toBe("v");
    await sqs.call(creds, "DeleteMessage", { QueueUrl: queueUrl, ReceiptHandle: got.Messages![0]!.ReceiptHandle });
    const attrs = await sqs.getQueueAttributes(creds, queueUrl);
    expect([attrs.ApproximateNumberOfMessages, attrs.ApproximateNumberOfMessagesNotVisible]).toEqual(["0", "0"]);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  });

  test("`--local`: no credentials needed — create a queue, send, and see it counted", async () => {
    const { url } = await start(["--local", "--spool", "none", "--log-level", "warn"]);
    const created = await fetch(`${url}/queues`, { method: "POST", body: new URLSearchParams({ queue_name: "newcomer" }) });
    expect(created.status).toBe(201);
    const sent = await fetch(`${url}/queues/newcomer`, {
      method: "POST",
      body: new URLSearchParams({ message_body: "hello from a fresh machine" }),
    });
    expect(sent.status).toBe(202);
    const { id } = (await sent.json()) as { id: string };
    await waitFor(
      async () => ((await (await fetch(`${url}/messages/${id}`)).json()) as { state: string }).state === "sent",
      10_000,
      "sent",
    );
    const info = (await (await fetch(`${url}/queues/newcomer`)).json()) as { attributes: Record<string, string> };
    expect(info.attributes.ApproximateNumberOfMessages).toBe("1");
    const home = await (await fetch(`${url}/`, { headers: { accept: "text/html" } })).text();
    expect(home).toContain("Local mode");
    const page = await fetch(`${url}/queues`, { headers: { accept: "text/html" } });
    expect(await page.text()).toContain('<a href="/queues/newcomer">newcomer</a>');
  });

  test("`local-sqs` with a bad option exits 2 naming it", () => {
    const r = Bun.spawnSync([BIN, "local-sqs", "--latency-ms", "soon"], { env: cleanEnv(), stderr: "pipe" });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.toString()).toContain("--latency-ms");
  });
});

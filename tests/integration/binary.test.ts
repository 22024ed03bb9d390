// The compiled binary end to end over real HTTP: queue routes, 300 concurrent sends of awkward bodies, delivery to moto, batching, shutdown.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import pkg from "../../package.json";
import { SqsClient } from "../../src/sqs/client";
import { BIN, basic, CREDS, cleanEnv, ensureBinary, freePort, type Moto, ROOT, startMoto, waitFor } from "../helpers";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const KIB = 1024;
const MIB = 1024 * 1024;
const COUNT = 300;
const GROUP = 50;

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");
/** A body of exactly `bytes` UTF-8 bytes mixing 1-, 2-, 3- and 4-byte characters, distinct per `tag`. */
function sized(bytes: number, tag: string): string {
  const head = `[${tag}] `;
  const unit = "aé€😀\t\r\n<&>\"'%+=#";
  let s = head;
  const unitBytes = utf8(unit);
  while (utf8(s) + unitBytes <= bytes) s += unit;
  while (utf8(s) < bytes) s += "x";
  return s;
}

/** Bodies SQS accepts that are easy to mangle on the way: encodings, escapes, whitespace, markup, sizes. */
const VARIANTS: Array<(i: number) => string> = [
  (i) => `plain message ${i}`,
  (i) => `unicode ${i}: Grüße, 日本語, Ελληνικά, עברית, العربية, ñ, ß, Å, e\u0301 combining`,
  (i) => `emoji ${i}: 😀🎉🚀👍🏽👨‍👩‍👧‍👦🏳️‍🌈 and astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𐍈`,
  (i) => `form specials ${i}: a&b=c+d%20e%2B#frag?x=1&y=%%25`,
  (i) => `line one ${i}\nline two\r\nline three\rtabs\there\t\tand trailing newline\n`,
  (i) => `  leading and trailing spaces ${i}  `,
  (i) => `quotes ${i}: "double" 'single' \`back\` \\ backslash \\" escaped`,
  (i) => `<script>alert(${i})</script><img src=x onerror="alert('${i}')">&amp;&lt;`,
  (i) => `long ${i}: ${"The quick brown fox jumps over the lazy dog. ".repeat(250)}`,
  (i) => `private use and edges ${i}: \uE000 \uFFFD \u00A0 \u2028 \u2029 \u200B zero-width`,
  (i) => `{"looks":"like json","i":${i},"nested":{"a":[1,2,3]}}`,
  (i) => `${i}`,
];

type Transport = "text" | "json" | "form";

interface Outgoing {
  body: string;
  transport: Transport;
}

function buildMessages(): Outgoing[] {
  const out: Outgoing[] = [];
  const transports: Transport[] = ["text", "json", "form"];
  // Sizes at and near the limits, each through a different transport.
  out.push({ body: sized(256 * KIB, "256KiB-form"), transport: "form" });
  out.push({ body: sized(256 * KIB, "256KiB-text"), transport: "text" });
  out.push({ body: sized(MIB, "1MiB-text"), transport: "text" });
  out.push({ body: sized(MIB - 576, "near-1MiB-form"), transport: "form" });
  // The same body three times: SQS keeps duplicates on a standard queue, and so must the accelerator.
  for (const transport of transports) out.push({ body: "the very same body, sent three times", transport });
  for (let i = 0; out.length < COUNT; i++) {
    // Every variant goes through every transport: the transport changes once per round of variants.
    const transport = transports[Math.floor(i / VARIANTS.length) % transports.length]!;
    const text = VARIANTS[i % VARIANTS.length]!(i);
    // Raw JSON bodies are real JSON documents (pretty-printed so they carry raw newlines too).
    const body = transport === "json" ? JSON.stringify({ i, text, ok: true, n: null }, null, i % 2 ? 2 : undefined) : text;
    out.push({ body, transport });
  }
  return out;
}

interface Running {
  proc: ReturnType<typeof Bun.spawn>;
  base: string;
  port: number;
  stderr: () => string;
}

let moto: Moto | undefined;
let daemon: Running | undefined;

async function startDaemon(endpoint: string): Promise<Running> {
  const port = await freePort();
  const proc = Bun.spawn(
    [BIN, "--port", String(port), "--endpoint", endpoint, "--spool", "none", "--region", "us-east-1", "--log-level", "warn"],
    { cwd: ROOT, env: cleanEnv(), stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  let err = "";
  const decoder = new TextDecoder();
  // Drain stderr continuously so the child never blocks on a full pipe.
  const reader = (proc.stderr as ReadableStream<Uint8Array>).getReader();
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      err += decoder.decode(value, { stream: true });
    }
  })();
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break;
    try {
      const r = await fetch(`${base}/health`);
      if (r.status === 200) return { proc, base, port, stderr: () => err };
    } catch {
      // not listening yet
    }
    await Bun.sleep(50);
  }
  proc.kill("SIGKILL");
  await proc.exited;
  throw new Error(`the binary did not answer /health on ${base} (exit ${proc.exitCode}):\n${err.slice(-4000)}`);
}

function http(path: string, init: RequestInit & { form?: Record<string, string> } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", basic(CREDS));
  if (!headers.has("accept")) headers.set("accept", "application/json");
  let body = init.body;
  if (init.form) {
    body = new URLSearchParams(init.form).toString();
    headers.set("content-type", "application/x-www-form-urlencoded");
  }
  return fetch(`${daemon!.base}${path}`, { ...init, headers, body });
}

function send(queue: string, m: Outgoing): Promise<Response> {
  const path = `/queues/${queue}`;
  switch (m.transport) {
    case "text":
      return http(path, { method: "POST", body: m.body, headers: { "content-type": "text/plain; charset=utf-8" } });
    case "json":
      return http(path, { method: "POST", body: m.body, headers: { "content-type": "application/json" } });
    case "form":
      return http(path, { method: "POST", form: { message_body: m.body } });
  }
}

const preview = (s: string) => `${JSON.stringify(s.slice(0, 60))}${s.length > 60 ? `… (${utf8(s)} bytes)` : ""}`;

function counts(bodies: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const b of bodies) m.set(b, (m.get(b) ?? 0) + 1);
  return m;
}

beforeAll(async () => {
  ensureBinary();
  moto = await startMoto();
  daemon = await startDaemon(moto.url);
});

afterAll(async () => {
  if (daemon && daemon.proc.exitCode === null) {
    daemon.proc.kill("SIGKILL");
    await daemon.proc.exited;
  }
  await moto?.stop();
});

describe("the compiled binary against moto", () => {
  const queue = `binary-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  let queueUrl = "";
  const messages = buildMessages();
  const ids: string[] = [];

  test("prints one startup line on stderr with address, region, endpoint and version", async () => {
    const line = await waitFor(
      () =>
        daemon!
          .stderr()
          .split("\n")
          .find((l) => l.includes("listening on")),
      5_000,
      "the startup line on stderr",
    );
    expect(line).toContain(`sqs-accelerator ${pkg.version}`);
    expect(line).toContain(`http://127.0.0.1:${daemon!.port}`);
    expect(line).toContain("region=us-east-1");
    expect(line).toContain(`endpoint=${moto!.url}`);
    expect(line).toContain("spool=none");
  });

  test("GET /health answers ok with the version", async () => {
    const r = await fetch(`${daemon!.base}/health`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { status: string; version: string };
    expect(body.status).toBe("ok");
    expect(body.version).toBe(pkg.version);
  });

  test("create a queue (form), see it in GET /queues and its attributes in GET /queues/NAME", async () => {
    const created = await http("/queues", { method: "POST", form: { queue_name: queue } });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`/queues/${queue}`);
    const made = (await created.json()) as { name: string; url: string };
    expect(made.name).toBe(queue);
    expect(made.url.endsWith(`/${queue}`)).toBe(true);

    const list = await http("/queues");
    expect(list.status).toBe(200);
    expect(list.headers.get("content-type")).toContain("application/json");
    const { queues } = (await list.json()) as { queues: Array<{ name: string; url: string }> };
    expect(queues.find((q) => q.name === queue)?.url).toBe(made.url);

    const info = await http(`/queues/${queue}`);
    expect(info.status).toBe(200);
    const detail = (await info.json()) as { name: string; url: string; attributes: Record<string, string> };
    expect(detail.name).toBe(queue);
    expect(detail.url).toBe(made.url);
    expect(detail.attributes.QueueArn).toContain(queue);
    expect(detail.attributes.ApproximateNumberOfMessages).toBe("0");
    queueUrl = detail.url;
  });

  test(`${COUNT} concurrent sends over text/plain, application/json and forms each get 202 with a UUIDv7`, async () => {
    expect(queueUrl).not.toBe("");
    expect(messages.length).toBe(COUNT);
    expect(messages.some((m) => utf8(m.body) === 256 * KIB)).toBe(true);
    expect(messages.some((m) => utf8(m.body) === MIB)).toBe(true);
    expect(new Set(messages.map((m) => m.transport)).size).toBe(3);
    const failures: string[] = [];
    for (let start = 0; start < messages.length; start += GROUP) {
      const group = messages.slice(start, start + GROUP);
      const answers = await Promise.all(
        group.map(async (m) => {
          const r = await send(queue, m);
          return { r, json: (await r.json()) as { id?: string; queue?: string; error?: { code: string; message: string } } };
        }),
      );
      answers.forEach(({ r, json }, k) => {
        const m = group[k]!;
        if (
          r.status !== 202 ||
          !json.id ||
          !UUID_V7.test(json.id) ||
          json.queue !== queue ||
          r.headers.get("location") !== `/messages/${json.id}`
        )
          failures.push(`#${start + k} via ${m.transport} ${preview(m.body)} → ${r.status} ${JSON.stringify(json)}`);
        ids[start + k] = json.id ?? "";
      });
    }
    expect(failures).toEqual([]);
    expect(new Set(ids).size).toBe(COUNT);
  });

  test("every message reaches state sent (GET /messages/ID)", async () => {
    expect(ids.length).toBe(COUNT);
    let open = [...ids];
    const dead: string[] = [];
    const deadline = Date.now() + 60_000;
    for (let round = 0; open.length > 0 && round < 600 && Date.now() < deadline; round++) {
      const still: string[] = [];
      for (let start = 0; start < open.length; start += GROUP) {
        const states = await Promise.all(
          open.slice(start, start + GROUP).map(async (id) => {
            const r = await http(`/messages/${id}`);
            expect(r.status).toBe(200);
            return (await r.json()) as { id: string; state: string; queue: string; sqsMessageId?: string; lastError?: string };
          }),
        );
        for (const s of states) {
          expect(s.queue).toBe(queue);
          if (s.state === "sent") expect(s.sqsMessageId).toBeTruthy();
          else if (s.state === "dead") dead.push(`${s.id}: ${s.lastError}`);
          else still.push(s.id);
        }
      }
      expect(dead).toEqual([]);
      open = still;
      if (open.length > 0) await Bun.sleep(100);
    }
    expect(open).toEqual([]);
  });

  test(`moto holds exactly the ${COUNT} bodies sent, byte for byte`, async () => {
    const sqs = new SqsClient({ endpoint: moto!.url, region: "us-east-1", timeoutMs: 30_000 });
    type Received = { Messages?: Array<{ Body: string; MD5OfBody: string; MessageId: string }> };
    const received: Array<{ Body: string; MD5OfBody: string; MessageId: string }> = [];
    const deadline = Date.now() + 60_000;
    let empty = 0;
    for (let i = 0; i < 200 && empty < 3 && Date.now() < deadline; i++) {
      const r = await sqs.call<Received>(CREDS, "ReceiveMessage", {
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 300,
        WaitTimeSeconds: 0,
      });
      const got = r.Messages ?? [];
      if (got.length === 0) empty++;
      else empty = 0;
      received.push(...got);
    }
    expect(empty).toBe(3); // the queue was read until it stayed empty
    expect(new Set(received.map((m) => m.MessageId)).size).toBe(received.length);

    const sent = counts(messages.map((m) => m.body));
    const got = counts(received.map((m) => m.Body));
    const missing: string[] = [];
    const extra: string[] = [];
    for (const [body, n] of sent) if ((got.get(body) ?? 0) < n) missing.push(`${n - (got.get(body) ?? 0)}× ${preview(body)}`);
    for (const [body, n] of got) if ((sent.get(body) ?? 0) < n) extra.push(`${n - (sent.get(body) ?? 0)}× ${preview(body)}`);
    expect(missing).toEqual([]);
    expect(extra).toEqual([]);
    expect(received.length).toBe(COUNT);
    // Byte for byte: the MD5 of what we sent matches the MD5 SQS computed over what it stored.
    const md5 = (s: string) => new Bun.CryptoHasher("md5").update(s).digest("hex");
    const badMd5 = received.filter((m) => m.MD5OfBody !== md5(m.Body)).length;
    expect(badMd5).toBe(0);
    const bytesSent = messages.reduce((n, m) => n + utf8(m.body), 0);
    const bytesGot = received.reduce((n, m) => n + utf8(m.Body), 0);
    expect(bytesGot).toBe(bytesSent);
  });

  test("GET /stats shows the sends were batched", async () => {
    const r = await http("/stats");
    expect(r.status).toBe(200);
    const stats = (await r.json()) as {
      accepted: number;
      sent: number;
      dead: number;
      pending: number;
      upstreamRequests: number;
      averageBatchSize: number;
    };
    expect(stats.accepted).toBe(COUNT);
    expect(stats.sent).toBe(COUNT);
    expect(stats.dead).toBe(0);
    expect(stats.pending).toBe(0);
    expect(stats.averageBatchSize).toBeGreaterThan(1);
    expect(stats.upstreamRequests).toBeLessThan(COUNT);
  });

  test("DELETE /queues/NAME → 204, then GET /queues/NAME → 404", async () => {
    const del = await http(`/queues/${queue}`, { method: "DELETE" });
    expect(del.status).toBe(204);
    expect(await del.text()).toBe("");
    const gone = await http(`/queues/${queue}`);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe("QueueDoesNotExist");
  });

  test("SIGTERM stops the binary with exit code 0", async () => {
    const proc = daemon!.proc;
    proc.kill("SIGTERM");
    const code = await Promise.race([proc.exited, Bun.sleep(15_000).then(() => "still running after 15 s")]);
    expect(code).toBe(0);
    // Nothing was logged at level error during the whole run (lines are "<time> <level> <message>").
    expect(
      daemon!
        .stderr()
        .split("\n")
        .filter((l) => /^\S+ error /.test(l)),
    ).toEqual([]);
    // The sends went out from the sender thread bundled into the binary, not from the fallback.
    expect(daemon!.stderr()).not.toContain("sender thread failed");
  });
});

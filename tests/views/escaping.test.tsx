// Every page component rendered with hostile values: markup in names, ids and messages must come out escaped.
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { DeadLetter } from "../../src/delivery/spool";
import type { DeliveryStats, MessageStatus } from "../../src/delivery/types";
import { DeadLetterDonePage, DeadLettersPage } from "../../src/views/dead-letters";
import { ErrorPage } from "../../src/views/error";
import { HomePage } from "../../src/views/home";
import { Layout } from "../../src/views/layout";
import { AcceptedPage, MessagePage } from "../../src/views/message";
import { DeletedPage, QueuePage } from "../../src/views/queue";
import { CreatedPage, QueuesPage } from "../../src/views/queues";
import { StatsPage } from "../../src/views/stats";

const SCRIPT = "<script>alert(1)</script>";
const IMG = '"><img src=x onerror=alert(1)>';
const HOSTILE = [SCRIPT, IMG] as const;
const BENIGN = "plain-value";

/** Components return string | Promise<string>; these are synchronous but await keeps the test honest. */
const render = async (el: JSX.Element): Promise<string> => {
  const html = await el;
  expect(typeof html).toBe("string");
  return html as string;
};

const count = (s: string, ch: string) => s.split(ch).length - 1;

/**
 * The hostile markup never appears raw, and its escaped form does (so the value was rendered at
 * all). `benign` is the same page rendered with a harmless value: the hostile value must not add
 * a single `<`, `>` or `"` (no new tag, no attribute break-out).
 */
function expectEscaped(html: string, value: string, benign: string) {
  expect(html).not.toContain("<script>alert");
  expect(html).not.toContain("<img src=x");
  expect(html).not.toContain("<img");
  expect(html).not.toMatch(/<script\b/i);
  for (const ch of ["<", ">", '"']) expect({ ch, n: count(html, ch) }).toEqual({ ch, n: count(benign, ch) });
  if (value === SCRIPT) expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  else expect(html).toMatch(/&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;|&#34;&gt;&lt;img src=x onerror=alert\(1\)&gt;/);
  // A page is still one well-formed document frame.
  expect(html.startsWith("<!doctype html>")).toBe(true);
  expect(html.match(/<html\b/g)?.length).toBe(1);
  expect(html.match(/<\/html>/g)?.length).toBe(1);
}

const status = (v: string, over: Partial<MessageStatus> = {}): MessageStatus => ({
  id: v,
  queue: v,
  state: "dead",
  attempts: 3,
  acceptedAt: 1_700_000_000_000,
  updatedAt: 1_700_000_001_000,
  lastError: v,
  sqsMessageId: v,
  ...over,
});

const deadLetter = (v: string): DeadLetter => ({
  id: v,
  queue: v,
  accessKeyId: v,
  entry: { MessageBody: v, MessageGroupId: v },
  bytes: v.length,
  acceptedAt: 1_700_000_000_000,
  attempts: 2,
  reason: v,
  diedAt: 1_700_000_002_000,
});

/** Each page once per hostile value; the function gets the value and returns the page. */
const PAGES: Record<string, (v: string) => JSX.Element> = {
  Layout: (v) => Layout({ title: v, children: <p safe>{v}</p> }),
  HomePage: (v) => HomePage({ version: v, base: v }),
  QueuesPage: (v) => QueuesPage({ queues: [{ name: v, url: v }] }),
  CreatedPage: (v) => CreatedPage({ name: v }),
  QueuePage: (v) => QueuePage({ name: v, url: v, attributes: { [v]: v, QueueArn: v } }),
  "QueuePage (FIFO)": (v) => QueuePage({ name: v, url: v, attributes: { FifoQueue: "true", [v]: v } }),
  DeletedPage: (v) => DeletedPage({ name: v }),
  AcceptedPage: (v) => AcceptedPage({ id: v, queue: v }),
  MessagePage: (v) => MessagePage({ status: status(v) }),
  "MessagePage (waiting for credentials)": (v) => MessagePage({ status: status(v, { state: "waiting-for-credentials", waitingFor: v }) }),
  StatsPage: (v) => {
    // Numbers in the type, but rendering must not trust that: hostile strings in every slot.
    const n = v as unknown as number;
    const p = { p50: n, p90: n, p99: n, count: n };
    const stats: DeliveryStats = {
      accepted: n,
      sent: n,
      retried: n,
      dead: n,
      pending: n,
      inMemory: n,
      inflight: n,
      upstreamRequests: n,
      averageBatchSize: n,
      ackLatencyMs: p,
      deliveryLatencyMs: p,
    };
    return StatsPage({ stats });
  },
  ErrorPage: (v) => ErrorPage({ status: 400, code: v, message: v }),
  DeadLettersPage: (v) => DeadLettersPage({ total: 2, items: [deadLetter(v)], queue: v }),
  DeadLetterDonePage: (v) => DeadLetterDonePage({ id: v, what: "retried" }),
  "DeadLetterDonePage (discarded)": (v) => DeadLetterDonePage({ id: v, what: "discarded" }),
};

describe("every page escapes what it is given", () => {
  for (const [name, page] of Object.entries(PAGES)) {
    for (const v of HOSTILE) {
      test(`${name} with ${JSON.stringify(v)}`, async () => {
        expectEscaped(await render(page(v)), v, await render(page(BENIGN)));
      });
    }
  }

  test("links carry hostile names percent-encoded, never raw", async () => {
    for (const v of HOSTILE) {
      const enc = encodeURIComponent(v);
      expect(await render(QueuesPage({ queues: [{ name: v, url: "u" }] }))).toContain(`href="/queues/${enc}"`);
      expect(await render(CreatedPage({ name: v }))).toContain(`href="/queues/${enc}"`);
      expect(await render(AcceptedPage({ id: v, queue: "q" }))).toContain(`href="/messages/${enc}"`);
      const queue = await render(QueuePage({ name: v, url: "u", attributes: {} }));
      expect(queue).toContain(`action="/queues/${enc}"`);
    }
  });

  test("the hostile value is shown as text where the page names it (title, heading, table cells)", async () => {
    const queue = await render(QueuePage({ name: SCRIPT, url: SCRIPT, attributes: { [SCRIPT]: IMG } }));
    expect(queue).toContain("<title>&lt;script&gt;alert(1)&lt;/script&gt; - SQS Accelerator</title>");
    expect(queue).toContain("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>");
    expect(queue).toContain("<th>&lt;script&gt;alert(1)&lt;/script&gt;</th>");
    const error = await render(ErrorPage({ status: 500, code: SCRIPT, message: SCRIPT }));
    expect(error).toContain("<h1>500 &lt;script&gt;alert(1)&lt;/script&gt;</h1>");
    const message = await render(MessagePage({ status: status(SCRIPT) }));
    expect(message.match(/<td>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/td>/g)?.length).toBe(4); // id, queue, SQS MessageId, last error
  });

  test("every page component exported by src/views is covered above", async () => {
    const dir = join(import.meta.dir, "../../src/views");
    const exported: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".tsx"))) {
      const mod = (await import(join(dir, file))) as Record<string, unknown>;
      for (const [k, v] of Object.entries(mod)) if (typeof v === "function" && /^[A-Z]/.test(k)) exported.push(k);
    }
    const covered = new Set(Object.keys(PAGES).map((k) => k.split(" ")[0]));
    expect(exported.filter((k) => !covered.has(k))).toEqual([]);
    expect(exported.length).toBeGreaterThanOrEqual(10);
  });
});

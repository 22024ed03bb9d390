// The browser UI end to end: Debian's Chromium (playwright-core) against the app on a real port, delivering to moto.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import type { Server } from "bun";
import { type Browser, type BrowserContext, chromium, type Page, type Response as PwResponse } from "playwright-core";
import type { Credentials } from "../../src/sqs/types";
import { type Moto, makeApp, startMoto, waitFor } from "../helpers";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const CREDS: Credentials = { accessKeyId: "AKIDBROWSER", secretAccessKey: "secret" };
const REALM = 'Basic realm="SQS Accelerator - use SQS credentials"';
const STEP_MS = 15_000;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const uniq = (p: string) => `${p}-${Math.random().toString(36).slice(2, 8)}`;

let moto: Moto | undefined;
let made: ReturnType<typeof makeApp> | undefined;
let server: Server<undefined> | undefined;
let attacker: Server<undefined> | undefined;
let browser: Browser | undefined;
let launchError: unknown;
let base = "";
/** Pages the attacker's server hands out, by path. */
const attackerPages = new Map<string, string>();

beforeAll(async () => {
  moto = await startMoto();
  made = makeApp(moto.url);
  server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: made.app.fetch });
  base = `http://127.0.0.1:${server.port}`;
  // A different origin (another port): the "evil" site whose pages auto-submit forms to the app.
  attacker = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request) {
      const page = attackerPages.get(new URL(request.url).pathname);
      return page
        ? new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } })
        : new Response("not here", { status: 404 });
    },
  });
  try {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} does not exist`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
  } catch (err) {
    launchError = err;
  }
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  attacker?.stop(true);
  server?.stop(true);
  await made?.dispatcher.stop({ drainMs: 0 });
  await moto?.stop();
}, 60_000);

/** The browser, or a failure that says why there is none (these tests never skip). */
function theBrowser(): Browser {
  if (browser) return browser;
  throw new Error(
    `Chromium could not be launched from ${CHROMIUM} with playwright-core; install Debian's chromium ` +
      `(apt-get install -y chromium). Cause: ${launchError instanceof Error ? launchError.message : String(launchError)}`,
  );
}

async function newContext(withCredentials: boolean): Promise<BrowserContext> {
  const context = await theBrowser().newContext(
    withCredentials ? { httpCredentials: { username: CREDS.accessKeyId, password: CREDS.secretAccessKey } } : {},
  );
  context.setDefaultTimeout(STEP_MS);
  context.setDefaultNavigationTimeout(STEP_MS);
  return context;
}

const sqs = () => made!.sqs;
const dispatcher = () => made!.dispatcher;

/** Asks moto directly (no URL cache) whether the queue exists. */
async function queueExists(name: string): Promise<boolean> {
  try {
    await sqs().call(CREDS, "GetQueueUrl", { QueueName: name });
    return true;
  } catch (err) {
    if (err instanceof Error && "code" in err && /NonExistentQueue|QueueDoesNotExist/.test(String(err.code))) return false;
    throw err;
  }
}

async function receiveAll(queueUrl: string): Promise<Array<{ Body: string }>> {
  const r = await sqs().call<{ Messages?: Array<{ Body: string }> }>(CREDS, "ReceiveMessage", {
    QueueUrl: queueUrl,
    MaxNumberOfMessages: 10,
  });
  return r.Messages ?? [];
}

/** Clicks and waits for the answer to the request the click caused. */
async function clickFor(page: Page, selector: string, matches: (r: PwResponse) => boolean): Promise<PwResponse> {
  const [response] = await Promise.all([page.waitForResponse(matches), page.click(selector)]);
  await page.waitForLoadState("domcontentloaded");
  return response;
}

const isPost = (path: string) => (r: PwResponse) => r.request().method() === "POST" && new URL(r.url()).pathname === path;

describe("browser UI (Chromium against the app and moto)", () => {
  test("home → create a queue → open it → send a message → follow it to sent → delete with confirmation", async () => {
    const context = await newContext(true);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    const name = uniq("browser");
    const path = `/queues/${name}`;
    const BODY = "Grüße 👋🏽 from <b>bold</b> & \"quotes\" &amp; 'apos' — 日本語 ✓ 100% a+b=c";
    try {
      // Home: lists the routes.
      const home = await page.goto(`${base}/`);
      expect(home?.status()).toBe(200);
      expect(home?.headers()["content-type"]).toContain("text/html");
      const homeText = await page.locator("main").textContent();
      for (const route of [
        "GET /queues",
        "POST /queues",
        "GET /queues/NAME",
        "POST /queues/NAME",
        "DELETE /queues/NAME",
        "GET /messages/ID",
      ])
        expect(homeText).toContain(route);
      expect(await page.title()).toBe("Home - SQS Accelerator");

      // The queue list (the browser answers the Basic challenge with the context's credentials).
      const list = await Promise.all([page.waitForURL(`${base}/queues`), page.click("text=Open the queues")]);
      expect(list).toBeDefined();
      expect(await page.locator("h1").textContent()).toBe("Queues");

      // Create.
      await page.fill("input[name=queue_name]", name);
      const created = await clickFor(page, "button:has-text('Create queue')", isPost("/queues"));
      expect(created.status()).toBe(201);
      expect((await page.locator("p.ok").textContent())?.trim()).toBe(`Queue ${name} created.`);
      expect(await queueExists(name)).toBe(true);

      // Back to the list, then the queue's link.
      await Promise.all([page.waitForURL(`${base}/queues`), page.click("header >> text=Queues")]);
      await Promise.all([page.waitForURL(`${base}${path}`), page.getByRole("link", { name, exact: true }).click()]);
      expect(await page.locator("h1").textContent()).toBe(name);
      const attributes = await page.locator("#attributes").textContent();
      expect(attributes).toContain("QueueArn");
      expect(attributes).toContain(`:${name}`);
      expect(attributes).toContain("VisibilityTimeout");

      // Send a message full of characters that need care.
      const acceptedBefore = dispatcher().stats().accepted;
      await page.fill("#send textarea[name=message_body]", BODY);
      const sent = await clickFor(page, "#send button[type=submit]", isPost(path));
      expect(sent.status()).toBe(202);
      const id = (await page.locator("p.ok code").textContent())?.trim();
      expect(id).toMatch(UUID_V7);
      expect(await page.locator("p.ok strong").textContent()).toBe(name);
      expect(dispatcher().stats().accepted).toBe(acceptedBefore + 1);

      // Follow the id to its tracking page and reload (bounded) until it says sent.
      await Promise.all([page.waitForURL(`${base}/messages/${id}`), page.click("text=Follow it")]);
      const stateOf = async () => (await page.locator("#message tr", { hasText: "state" }).locator("td").textContent())?.trim() ?? "";
      const deadline = Date.now() + 20_000;
      let state = await stateOf();
      for (let i = 0; i < 80 && state !== "sent" && Date.now() < deadline; i++) {
        await Bun.sleep(250);
        await page.reload();
        state = await stateOf();
      }
      expect(state).toBe("sent");
      expect(await page.locator("#message").textContent()).toContain("SQS MessageId");

      // The message is in SQS, body exactly as typed.
      const queueUrl = (await sqs().call<{ QueueUrl: string }>(CREDS, "GetQueueUrl", { QueueName: name })).QueueUrl;
      const got = await waitFor(
        async () => {
          const m = await receiveAll(queueUrl);
          return m.length > 0 ? m : null;
        },
        10_000,
        "the message in moto",
      );
      expect((got ?? []).map((m) => m.Body)).toEqual([BODY]);

      // Delete without ticking the box: the browser refuses to submit (the checkbox is required).
      await page.goto(`${base}${path}`);
      expect(await page.locator("#delete").evaluate((f: HTMLFormElement) => f.checkValidity())).toBe(false);
      const posts: string[] = [];
      const onRequest = (r: { method(): string; url(): string }) => {
        if (r.method() === "POST") posts.push(r.url());
      };
      page.on("request", onRequest);
      await page.click("#delete button[type=submit]");
      await Bun.sleep(750);
      page.off("request", onRequest);
      expect(posts).toEqual([]);
      expect(page.url()).toBe(`${base}${path}`);
      expect(await page.locator("h1").textContent()).toBe(name);
      expect(await queueExists(name)).toBe(true);

      // Tick it and submit: the "deleted" page, and the queue is gone.
      await page.check("#delete input[name=confirm]");
      const deleted = await clickFor(page, "#delete button[type=submit]", isPost(path));
      expect(deleted.status()).toBe(200);
      expect((await page.locator("p.ok").textContent())?.trim()).toBe(`Queue ${name} deleted.`);
      expect(await queueExists(name)).toBe(false);
      const gone = await page.goto(`${base}${path}`);
      expect(gone?.status()).toBe(404);
      expect(await page.locator("h1").textContent()).toContain("404");
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  test("without credentials a page gets 401 with the Basic challenge; home and health stay open", async () => {
    const context = await newContext(false);
    const page = await context.newPage();
    try {
      const url = `${base}/queues`;
      // Headless Chromium has no login dialog: with no credentials to give it ends the navigation with
      // ERR_INVALID_AUTH_CREDENTIALS, after the 401 and its challenge were received (the response event).
      const [answer, navigation] = await Promise.all([
        page.waitForResponse((r) => r.url() === url),
        page.goto(url).then(
          (r) => r,
          (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
        ),
      ]);
      expect(answer.status()).toBe(401);
      expect(answer.headers()["www-authenticate"]).toBe(REALM);
      if (navigation instanceof Error) expect(navigation.message).toContain("ERR_INVALID_AUTH_CREDENTIALS");
      else expect(navigation?.status()).toBe(401);
      // A fresh page (the failed one is still settling on Chrome's error page): open routes need nothing.
      const open = await context.newPage();
      expect((await open.goto(`${base}/`))?.status()).toBe(200);
      const health = await open.goto(`${base}/health`);
      expect(health?.status()).toBe(200);
      expect(await open.locator("pre").textContent()).toContain('"status": "ok"');
    } finally {
      await context.close();
    }
  }, 60_000);

  test("credentials the app cannot use (not an access key id) → the 401 page, with the challenge", async () => {
    const context = await theBrowser().newContext({ httpCredentials: { username: "not a key id!", password: "secret" } });
    context.setDefaultTimeout(STEP_MS);
    const page = await context.newPage();
    try {
      // Playwright gives the credentials once; the second 401 is shown as the page.
      const r = await page.goto(`${base}/queues`);
      expect(r?.status()).toBe(401);
      expect(r?.headers()["www-authenticate"]).toBe(REALM);
      expect(await page.locator("h1").textContent()).toBe("401 MissingCredentials");
    } finally {
      await context.close();
    }
  }, 60_000);

  test("a form on another origin that auto-submits to the app is refused with 403; nothing is accepted or deleted", async () => {
    const name = uniq("csrf");
    const queueUrl = await sqs().createQueue(CREDS, name);
    const target = `${base}/queues/${name}`;
    const attackerOrigin = `http://127.0.0.1:${attacker!.port}`;
    const form = (fields: Record<string, string>) =>
      `<!doctype html><html><body><form method="post" action="${target}">${Object.entries(fields)
        .map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`)
        .join("")}</form><script>document.forms[0].submit()</script></body></html>`;
    attackerPages.set("/send.html", form({ message_body: "csrf message" }));
    attackerPages.set("/delete.html", form({ _method: "DELETE", confirm: "yes" }));

    // The victim's browser holds the credentials, as it would after using the UI.
    const context = await newContext(true);
    const page = await context.newPage();
    try {
      const accepted = dispatcher().stats().accepted;
      for (const attack of ["/send.html", "/delete.html"]) {
        const [answer] = await Promise.all([
          page.waitForResponse((r) => r.url() === target && r.request().method() === "POST"),
          page.goto(`${attackerOrigin}${attack}`),
        ]);
        expect({ attack, status: answer.status() }).toEqual({ attack, status: 403 });
        // The browser did say where the form came from.
        expect(await answer.request().headerValue("origin")).toBe(attackerOrigin);
        await page.waitForURL(target);
        expect(await page.locator("h1").textContent()).toContain("403 CrossSiteRequest");
      }
      expect(dispatcher().stats().accepted).toBe(accepted);
      expect(await queueExists(name)).toBe(true);
      expect(await receiveAll(queueUrl)).toEqual([]);
    } finally {
      await context.close();
      await sqs()
        .deleteQueue(CREDS, name)
        .catch(() => {});
    }
  }, 60_000);
});

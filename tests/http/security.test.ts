// The door of the daemon through app.handle: credentials, Host and Origin checks, body validation, error shapes.
// Nothing here reaches SQS: the endpoint is 127.0.0.1:9 (discard), and sends are only accepted, never awaited.
import { afterEach, describe, expect, test } from "bun:test";
import { VERSION } from "../../src/version";
import { basic, makeApp, type ReqInit, req } from "../helpers";

const NOWHERE = "http://127.0.0.1:9";
const REALM = 'Basic realm="SQS Accelerator - use SQS credentials"';

type Made = ReturnType<typeof makeApp>;
const made: Made[] = [];
function app(opts: Parameters<typeof makeApp>[1] = {}): Made["app"] {
  const m = makeApp(NOWHERE, opts);
  made.push(m);
  return m.app;
}
afterEach(async () => {
  for (const m of made.splice(0)) await m.dispatcher.stop({ drainMs: 0 });
});

async function errorOf(r: Response): Promise<{ code: string; message: string }> {
  expect(r.headers.get("content-type") ?? "").toContain("application/json");
  const body = (await r.json()) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(typeof body.error.code).toBe("string");
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

const text = (body: string | Uint8Array<ArrayBuffer>, init: ReqInit = {}): ReqInit => ({
  method: "POST",
  ...init,
  body,
  headers: { "content-type": "text/plain; charset=utf-8", ...(init.headers as Record<string, string> | undefined) },
});

const urlencoded = (body: string, init: ReqInit = {}): ReqInit => ({
  method: "POST",
  ...init,
  body,
  headers: { "content-type": "application/x-www-form-urlencoded", ...(init.headers as Record<string, string> | undefined) },
});

describe("credentials", () => {
  const routes: Array<[string, string, ReqInit]> = [
    ["GET", "/queues", {}],
    ["POST", "/queues", { form: { queue_name: "x" } }],
    ["POST", "/queues/x", text("hello")],
    ["DELETE", "/queues/x", {}],
  ];
  const malformed: Array<[string, string]> = [
    ["Basic !!!", "not base64"],
    ["Bearer x", "not Basic"],
    [`Basic ${Buffer.from("AKIDNOCOLON").toString("base64")}`, "no colon"],
    [`Basic ${Buffer.from(":secret").toString("base64")}`, "empty access key id"],
    [`Basic ${Buffer.from("AKID:").toString("base64")}`, "empty secret"],
    ["Basic", "no token"],
  ];

  for (const [method, path, init] of routes) {
    test(`${method} ${path} without credentials → 401 with the Basic challenge`, async () => {
      const r = await app().handle(req(path, { ...init, method, auth: false }));
      expect(r.status).toBe(401);
      expect(r.headers.get("www-authenticate")).toBe(REALM);
      expect((await errorOf(r)).code).toBe("MissingCredentials");
    });

    for (const [authorization, why] of malformed) {
      test(`${method} ${path} with malformed auth (${why}) → 401`, async () => {
        const r = await app().handle(req(path, { ...init, method, auth: false, headers: { ...(init.headers as object), authorization } }));
        expect(r.status).toBe(401);
        expect(r.headers.get("www-authenticate")).toBe(REALM);
        expect((await errorOf(r)).code).toBe("MissingCredentials");
      });
    }
  }

  test("a browser asking for HTML gets the 401 as a page, with the challenge", async () => {
    const r = await app().handle(req("/queues", { auth: false, html: true }));
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toBe(REALM);
    expect(r.headers.get("content-type")).toContain("text/html");
    expect(await r.text()).toContain("401 MissingCredentials");
  });

  test("a send without credentials is not accepted", async () => {
    const m = makeApp(NOWHERE);
    made.push(m);
    const r = await m.app.handle(req("/queues/q", text("hello", { auth: false })));
    expect(r.status).toBe(401);
    expect(m.dispatcher.stats().accepted).toBe(0);
  });
});

describe("Host header (DNS rebinding)", () => {
  test("a foreign name is refused with 403 HostNotAllowed, before credentials are looked at", async () => {
    for (const [path, init] of [
      ["/queues", {}],
      ["/health", { auth: false }],
      ["/queues/q", text("hello")],
    ] as Array<[string, ReqInit]>) {
      const r = await app().handle(req(path, { ...init, headers: { ...(init.headers as object), host: "evil.example.com" } }));
      expect(r.status).toBe(403);
      expect((await errorOf(r)).code).toBe("HostNotAllowed");
    }
  });

  test("a foreign name without a port and one that merely contains localhost are refused too", async () => {
    for (const host of ["evil.example.com", "localhost.evil.example:9292", "127.0.0.1.evil.example:9292"]) {
      const r = await app().handle(req("/health", { auth: false, headers: { host } }));
      expect({ host, status: r.status }).toEqual({ host, status: 403 });
    }
  });

  test("loopback names and literals are accepted", async () => {
    for (const host of ["localhost:9292", "127.0.0.1:9292", "[::1]:9292", "localhost", "LOCALHOST:9292"]) {
      const r = await app().handle(req("/health", { auth: false, headers: { host } }));
      expect({ host, status: r.status }).toEqual({ host, status: 200 });
    }
  });

  test("--allowed-hosts adds names (and only those)", async () => {
    const withList = app({ allowedHosts: ["acc.internal"] });
    expect((await withList.handle(req("/health", { auth: false, headers: { host: "acc.internal:9292" } }))).status).toBe(200);
    expect((await withList.handle(req("/health", { auth: false, headers: { host: "acc.internal" } }))).status).toBe(200);
    expect((await withList.handle(req("/health", { auth: false, headers: { host: "other.internal:9292" } }))).status).toBe(403);
    const without = app();
    expect((await without.handle(req("/health", { auth: false, headers: { host: "acc.internal:9292" } }))).status).toBe(403);
  });
});

describe("cross-site requests", () => {
  test("a POST from another Origin → 403 CrossSiteRequest, nothing accepted", async () => {
    const m = makeApp(NOWHERE);
    made.push(m);
    for (const origin of ["http://evil.example", "null", "http://localhost:9293", "http://127.0.0.1:9292", "not a url"]) {
      const r = await m.app.handle(req("/queues/q", text("hello", { headers: { origin } })));
      expect({ origin, status: r.status }).toEqual({ origin, status: 403 });
      expect((await errorOf(r)).code).toBe("CrossSiteRequest");
    }
    expect(m.dispatcher.stats().accepted).toBe(0);
  });

  test("a cross-site form (create, delete) → 403", async () => {
    const a = app();
    const create = await a.handle(
      req("/queues", { method: "POST", form: { queue_name: "x" }, headers: { origin: "http://evil.example" } }),
    );
    expect(create.status).toBe(403);
    const del = await a.handle(req("/queues/x", { method: "DELETE", headers: { origin: "http://evil.example" } }));
    expect(del.status).toBe(403);
    const formDelete = await a.handle(
      req("/queues/x", { method: "POST", form: { _method: "DELETE", confirm: "yes" }, headers: { origin: "http://evil.example" } }),
    );
    expect(formDelete.status).toBe(403);
  });

  test("Sec-Fetch-Site: cross-site without Origin → 403", async () => {
    const r = await app().handle(req("/queues/q", text("hello", { headers: { "sec-fetch-site": "cross-site" } })));
    expect(r.status).toBe(403);
    expect((await errorOf(r)).code).toBe("CrossSiteRequest");
  });

  test("same-origin Origin and no Origin are accepted (202 for a send)", async () => {
    const m = makeApp(NOWHERE);
    made.push(m);
    const same = await m.app.handle(req("/queues/q", text("hello", { headers: { origin: "http://localhost:9292" } })));
    expect(same.status).toBe(202);
    const none = await m.app.handle(req("/queues/q", text("hello")));
    expect(none.status).toBe(202);
    const sameSite = await m.app.handle(req("/queues/q", text("hello", { headers: { "sec-fetch-site": "same-origin" } })));
    expect(sameSite.status).toBe(202);
    expect(m.dispatcher.stats().accepted).toBe(3);
  });

  test("GET from another origin is not refused (reading needs credentials anyway)", async () => {
    const r = await app().handle(
      req("/health", { auth: false, headers: { origin: "http://evil.example", "sec-fetch-site": "cross-site" } }),
    );
    expect(r.status).toBe(200);
  });
});

describe("send body validation", () => {
  const MAX = 1_048_576;

  test("empty body → 400 EmptyBody", async () => {
    const r = await app().handle(req("/queues/q", text("")));
    expect(r.status).toBe(400);
    expect((await errorOf(r)).code).toBe("EmptyBody");
  });

  test("1,048,577-byte raw body → 413; exactly 1,048,576 bytes → 202", async () => {
    const m = makeApp(NOWHERE);
    made.push(m);
    const over = await m.app.handle(req("/queues/q", text(new Uint8Array(MAX + 1).fill(0x61))));
    expect(over.status).toBe(413);
    expect((await errorOf(over)).code).toBe("MessageTooLarge");
    const overDeclared = await m.app.handle(
      req("/queues/q", text(new Uint8Array(MAX + 1).fill(0x61), { headers: { "content-length": String(MAX + 1) } })),
    );
    expect(overDeclared.status).toBe(413);
    const exact = await m.app.handle(req("/queues/q", text(new Uint8Array(MAX).fill(0x61))));
    expect(exact.status).toBe(202);
    expect(m.dispatcher.stats().accepted).toBe(1);
  });

  test("multi-byte characters count as UTF-8 bytes: 1,048,576 bytes of é is fine, one more byte is not", async () => {
    const a = app();
    expect((await a.handle(req("/queues/q", text("é".repeat(MAX / 2))))).status).toBe(202);
    expect((await a.handle(req("/queues/q", text(`${"é".repeat(MAX / 2)}a`)))).status).toBe(413);
    // The same through a form: message_body is measured, not the percent-encoded form.
    const form = await a.handle(req("/queues/q", { method: "POST", form: { message_body: "é".repeat(MAX / 2) } }));
    expect(form.status).toBe(202);
    const formOver = await a.handle(req("/queues/q", { method: "POST", form: { message_body: `${"é".repeat(MAX / 2)}a` } }));
    expect(formOver.status).toBe(413);
  });

  test("maxBodyBytes 1000: 1001 bytes → 413, 1000 bytes → 202", async () => {
    const a = app({ maxBodyBytes: 1000 });
    expect((await a.handle(req("/queues/q", text("a".repeat(1001))))).status).toBe(413);
    expect((await a.handle(req("/queues/q", { method: "POST", form: { message_body: "a".repeat(1001) } }))).status).toBe(413);
    expect((await a.handle(req("/queues/q", text("a".repeat(1000))))).status).toBe(202);
  });

  test("a control character → 400 InvalidMessageContents; tab, newline and CR are fine", async () => {
    const a = app();
    const r = await a.handle(req("/queues/q", text("bad \u0001 char")));
    expect(r.status).toBe(400);
    expect((await errorOf(r)).code).toBe("InvalidMessageContents");
    const viaForm = await a.handle(req("/queues/q", { method: "POST", form: { message_body: "bad \u0001 char" } }));
    expect(viaForm.status).toBe(400);
    expect((await errorOf(viaForm)).code).toBe("InvalidMessageContents");
    expect((await a.handle(req("/queues/q", text("tab\tnewline\ncr\r")))).status).toBe(202);
  });

  test("invalid UTF-8 bytes → 400", async () => {
    const r = await app().handle(req("/queues/q", text(new Uint8Array([0xff, 0xfe]))));
    expect(r.status).toBe(400);
    expect((await errorOf(r)).code).toBe("InvalidMessageContents");
  });

  test("a lone surrogate through a form (%ED%A0%80) → 400; a bad %-escape → 400", async () => {
    const a = app();
    const surrogate = await a.handle(req("/queues/q", urlencoded("message_body=%ED%A0%80")));
    expect(surrogate.status).toBe(400);
    expect((await errorOf(surrogate)).code).toBe("InvalidEncoding");
    const badEscape = await a.handle(req("/queues/q", urlencoded("message_body=50%zz")));
    expect(badEscape.status).toBe(400);
    // A valid pair (U+1F600) is fine.
    expect((await a.handle(req("/queues/q", urlencoded("message_body=%F0%9F%98%80")))).status).toBe(202);
  });

  test("a .fifo queue without message_group_id → 400; with one → 202", async () => {
    const a = app();
    const r = await a.handle(req("/queues/jobs.fifo", text("hello")));
    expect(r.status).toBe(400);
    expect((await errorOf(r)).message).toContain("message_group_id");
    const viaForm = await a.handle(req("/queues/jobs.fifo", { method: "POST", form: { message_body: "hello" } }));
    expect(viaForm.status).toBe(400);
    const ok = await a.handle(req("/queues/jobs.fifo", text("hello", { headers: { "x-sqs-message-group-id": "g1" } })));
    expect(ok.status).toBe(202);
  });

  test("delay_seconds 901 → 400; 900 → 202", async () => {
    const a = app();
    const r = await a.handle(req("/queues/q", { method: "POST", form: { message_body: "hello", delay_seconds: "901" } }));
    expect(r.status).toBe(400);
    expect((await errorOf(r)).message).toContain("delay_seconds");
    const viaHeader = await a.handle(req("/queues/q", text("hello", { headers: { "x-sqs-delay-seconds": "901" } })));
    expect(viaHeader.status).toBe(400);
    const ok = await a.handle(req("/queues/q", { method: "POST", form: { message_body: "hello", delay_seconds: "900" } }));
    expect(ok.status).toBe(202);
  });

  test("a realistic form body (+, %, =, base64url, emoji) is taken as typed", async () => {
    const m = makeApp(NOWHERE);
    made.push(m);
    const body = "a+b=c%20d&e ö 🚀 aGVsbG8_d29ybGQ-";
    const r = await m.app.handle(req("/queues/q", { method: "POST", form: { message_body: body } }));
    expect(r.status).toBe(202);
    const { id } = (await r.json()) as { id: string };
    expect(m.dispatcher.status(id)?.queue).toBe("q");
  });
});

describe("error shapes and operator routes", () => {
  test("JSON clients get { error: { code, message } }; browsers get a text/html error page", async () => {
    const a = app();
    const json = await a.handle(req("/queues/q", text("")));
    expect(json.status).toBe(400);
    expect(await errorOf(json)).toEqual({ code: "EmptyBody", message: expect.any(String) });
    const page = await a.handle(req("/queues/q", text("", { html: true })));
    expect(page.status).toBe(400);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("400 EmptyBody");
    const forbidden = await a.handle(req("/health", { auth: false, html: true, headers: { host: "evil.example.com" } }));
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get("content-type")).toContain("text/html");
    expect(await forbidden.text()).toContain("403 HostNotAllowed");
  });

  test("GET /health needs no credentials and reports version and uptime", async () => {
    const r = await app().handle(req("/health", { auth: false }));
    expect(r.status).toBe(200);
    const body = (await r.json()) as { status: string; version: string; uptime_seconds: number };
    expect(body.status).toBe("ok");
    expect(body.version).toBe(VERSION);
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Number.isInteger(body.uptime_seconds)).toBe(true);
    expect(body.uptime_seconds).toBeGreaterThanOrEqual(0);
  });

  test("unknown routes → 404 NotFound (JSON and HTML)", async () => {
    const a = app();
    const r = await a.handle(req("/no/such/route"));
    expect(r.status).toBe(404);
    expect((await errorOf(r)).code).toBe("NotFound");
    const page = await a.handle(req("/no/such/route", { html: true }));
    expect(page.status).toBe(404);
    expect(page.headers.get("content-type")).toContain("text/html");
    const unauthenticated = await a.handle(req("/nothing-here", { auth: false }));
    expect(unauthenticated.status).toBe(404);
  });

  test("the credentials in the helper are well-formed (so 202s above are not an auth bypass)", () => {
    expect(basic()).toMatch(/^Basic [A-Za-z0-9+/=]+$/);
  });
});

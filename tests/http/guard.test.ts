// Checks made before a body is read: allowed Host names, cross-site requests and Content-Length.
import { describe, expect, test } from "bun:test";
import { MAX_BATCH_REQUEST_BYTES } from "../../src/http/batch-input";
import { crossSite, guard, hostAllowed, maxRequestBytes } from "../../src/http/guard";

const MAX = 1000;

function request(method: string, headers: Record<string, string>): Request {
  return new Request("http://localhost:9292/queues/orders/messages", { method, headers });
}

describe("hostAllowed", () => {
  test("loopback names, IP literals and *.localhost, with or without a port", () => {
    for (const host of [
      "localhost",
      "localhost:9292",
      "LOCALHOST:9292",
      "127.0.0.1",
      "127.0.0.1:9292",
      "[::1]",
      "[::1]:9292",
      "app.localhost:9292",
      "10.1.2.3:80",
    ]) {
      expect({ host, ok: hostAllowed(host, []) }).toEqual({ host, ok: true });
    }
  });

  test("a missing Host is allowed (not a browser)", () => {
    expect(hostAllowed(null, [])).toBe(true);
  });

  test("other names are refused unless listed; * allows all", () => {
    for (const host of ["evil.example", "evil.example:9292", "localhost.evil.example", "127.0.0.1.nip.io", "sqs-acc.internal"]) {
      expect({ host, ok: hostAllowed(host, []) }).toEqual({ host, ok: false });
    }
    expect(hostAllowed("sqs-acc.internal:9292", ["sqs-acc.internal"])).toBe(true);
    expect(hostAllowed("Sqs-Acc.Internal", ["sqs-acc.internal"])).toBe(true);
    expect(hostAllowed("other.internal", ["sqs-acc.internal"])).toBe(false);
    expect(hostAllowed("anything.example", ["*"])).toBe(true);
  });
});

describe("crossSite", () => {
  test("safe methods are never cross-site", () => {
    expect(crossSite(request("GET", { host: "localhost:9292", origin: "https://evil.example" }))).toBe(false);
    expect(crossSite(request("HEAD", { host: "localhost:9292", "sec-fetch-site": "cross-site" }))).toBe(false);
  });

  test("POST from the same origin passes; from another origin or null is refused", () => {
    expect(crossSite(request("POST", { host: "localhost:9292", origin: "http://localhost:9292" }))).toBe(false);
    expect(crossSite(request("POST", { host: "localhost:9292", origin: "http://evil.example" }))).toBe(true);
    expect(crossSite(request("POST", { host: "localhost:9292", origin: "http://localhost:9393" }))).toBe(true);
    expect(crossSite(request("DELETE", { host: "localhost:9292", origin: "null" }))).toBe(true);
    expect(crossSite(request("POST", { host: "localhost:9292", origin: "not a url" }))).toBe(true);
  });

  test("without Origin, Sec-Fetch-Site decides; curl (neither) passes", () => {
    expect(crossSite(request("POST", { host: "localhost:9292", "sec-fetch-site": "cross-site" }))).toBe(true);
    expect(crossSite(request("POST", { host: "localhost:9292", "sec-fetch-site": "same-origin" }))).toBe(false);
    expect(crossSite(request("POST", { host: "localhost:9292" }))).toBe(false);
  });
});

describe("guard", () => {
  test("refuses a bad Host with 403 HostNotAllowed", () => {
    const e = guard(request("GET", { host: "evil.example" }), [], MAX);
    expect(e?.status).toBe(403);
    expect(e?.code).toBe("HostNotAllowed");
  });

  test("refuses cross-site POSTs with 403 CrossSiteRequest", () => {
    const e = guard(request("POST", { host: "localhost:9292", origin: "https://evil.example" }), [], MAX);
    expect(e?.status).toBe(403);
    expect(e?.code).toBe("CrossSiteRequest");
  });

  test("raw body: Content-Length over the limit is 413 before reading", () => {
    const at = guard(request("POST", { host: "localhost:9292", "content-type": "text/plain", "content-length": String(MAX) }), [], MAX);
    expect(at).toBeNull();
    const over = guard(
      request("POST", { host: "localhost:9292", "content-type": "text/plain", "content-length": String(MAX + 1) }),
      [],
      MAX,
    );
    expect(over?.status).toBe(413);
    expect(over?.code).toBe("MessageTooLarge");
  });

  test("forms may be up to three times the limit plus 64 KiB (percent-encoding)", () => {
    const form = "application/x-www-form-urlencoded";
    const limit = maxRequestBytes(form, MAX);
    expect(limit).toBe(MAX * 3 + 64 * 1024);
    expect(maxRequestBytes("multipart/form-data; boundary=x", MAX)).toBe(limit);
    expect(maxRequestBytes("text/plain", MAX)).toBe(MAX);
    expect(guard(request("POST", { host: "localhost:9292", "content-type": form, "content-length": String(limit) }), [], MAX)).toBeNull();
    expect(
      guard(request("POST", { host: "localhost:9292", "content-type": form, "content-length": String(limit + 1) }), [], MAX)?.status,
    ).toBe(413);
  });

  test("batch requests get the batch limit, whatever their query or trailing slash; other paths do not", () => {
    const post = (path: string, length: number) =>
      guard(
        new Request(`http://localhost:9292${path}`, {
          method: "POST",
          headers: { host: "localhost:9292", "content-type": "application/json", "content-length": String(length) },
        }),
        [],
        MAX,
      );
    for (const path of [
      "/queues/q1/batch",
      "/queues/q1/batch?src=app",
      "/queues/q1/batch/",
      "/queues/q1/batch/?a=/batch",
      "/queues/q.fifo/batch",
    ]) {
      expect({ path, refused: post(path, MAX_BATCH_REQUEST_BYTES)?.status ?? null }).toEqual({ path, refused: null });
      expect({ path, refused: post(path, MAX_BATCH_REQUEST_BYTES + 1)?.status ?? null }).toEqual({ path, refused: 413 });
    }
    // A queue named "batch", and a query that merely ends in /batch, are single sends.
    for (const path of ["/queues/batch", "/queues/q1?next=/batch", "/queues/q1/batch/x"]) {
      expect({ path, refused: post(path, MAX + 1)?.status ?? null }).toEqual({ path, refused: 413 });
    }
  });

  test("a plain request passes", () => {
    expect(guard(request("GET", { host: "localhost:9292" }), [], MAX)).toBeNull();
    expect(guard(request("POST", { host: "127.0.0.1:9292", "content-type": "text/plain", "content-length": "5" }), [], MAX)).toBeNull();
  });
});

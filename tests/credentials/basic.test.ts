// Credentials from HTTP Basic auth plus x-amz-security-token, and the in-memory key that names them.
import { describe, expect, test } from "bun:test";
import { credentialsFrom, credentialsKey } from "../../src/credentials/basic";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const withAuth = (auth: string, extra: Record<string, string> = {}) => new Headers({ authorization: auth, ...extra });
const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

describe("credentialsFrom", () => {
  test("a valid Basic header", () => {
    expect(credentialsFrom(withAuth(`Basic ${b64(`AKIDEXAMPLE:${SECRET}`)}`))).toEqual({
      accessKeyId: "AKIDEXAMPLE",
      secretAccessKey: SECRET,
    });
  });

  test("the scheme is case-insensitive and padding-free base64 works", () => {
    const c = credentialsFrom(withAuth(`basic ${b64("AKID1:ab").replace(/=+$/, "")}`));
    expect(c).toEqual({ accessKeyId: "AKID1", secretAccessKey: "ab" });
  });

  test("a secret containing ':' keeps everything after the first colon", () => {
    expect(credentialsFrom(withAuth(`Basic ${b64("AKID:se:cr:et")}`))).toEqual({ accessKeyId: "AKID", secretAccessKey: "se:cr:et" });
  });

  test("x-amz-security-token becomes the session token", () => {
    const c = credentialsFrom(withAuth(`Basic ${b64(`AKID:${SECRET}`)}`, { "x-amz-security-token": "  FwoGZXIvYXdzTOKEN  " }));
    expect(c).toEqual({ accessKeyId: "AKID", secretAccessKey: SECRET, sessionToken: "FwoGZXIvYXdzTOKEN" });
    const blank = credentialsFrom(withAuth(`Basic ${b64(`AKID:${SECRET}`)}`, { "x-amz-security-token": "   " }));
    expect(blank).toEqual({ accessKeyId: "AKID", secretAccessKey: SECRET });
    expect(blank && "sessionToken" in blank).toBe(false);
  });

  test("missing or malformed headers give null", () => {
    expect(credentialsFrom(new Headers())).toBeNull();
    expect(credentialsFrom(withAuth(""))).toBeNull();
    expect(credentialsFrom(withAuth("Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"))).toBeNull();
    expect(credentialsFrom(withAuth(`Bearer ${b64(`AKID:${SECRET}`)}`))).toBeNull();
    expect(credentialsFrom(withAuth("Basic"))).toBeNull();
    expect(credentialsFrom(withAuth("Basic !!!not-base64!!!"))).toBeNull();
    expect(credentialsFrom(withAuth("Basic %%%%"))).toBeNull();
    expect(credentialsFrom(withAuth(`Basic ${b64("AKIDWITHOUTCOLON")}`))).toBeNull();
    expect(credentialsFrom(withAuth(`Basic ${b64("AKID:")}`))).toBeNull();
    expect(credentialsFrom(withAuth(`Basic ${b64(`:${SECRET}`)}`))).toBeNull();
    expect(credentialsFrom(withAuth(`Basic ${b64(`AK ID:${SECRET}`)}`))).toBeNull();
    expect(credentialsFrom(withAuth(`Basic ${b64(`AKID:${"s".repeat(257)}`)}`))).toBeNull();
    expect(credentialsFrom(withAuth(`Basic ${b64(`${"A".repeat(129)}:${SECRET}`)}`))).toBeNull();
  });
});

describe("credentialsKey", () => {
  const a = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: SECRET };

  test("stable for the same credentials, starts with the access key id", () => {
    expect(credentialsKey(a)).toBe(credentialsKey({ ...a }));
    expect(credentialsKey(a).startsWith("AKIDEXAMPLE:")).toBe(true);
  });

  test("differs when the secret or the session token differs", () => {
    expect(credentialsKey({ ...a, secretAccessKey: `${SECRET}x` })).not.toBe(credentialsKey(a));
    expect(credentialsKey({ ...a, sessionToken: "t1" })).not.toBe(credentialsKey(a));
    expect(credentialsKey({ ...a, sessionToken: "t1" })).not.toBe(credentialsKey({ ...a, sessionToken: "t2" }));
  });

  test("never contains the secret or the token", () => {
    const c = { ...a, sessionToken: "FwoGZXIvYXdzSESSIONTOKEN" };
    const key = credentialsKey(c);
    expect(key).not.toContain(SECRET);
    expect(key).not.toContain(SECRET.slice(0, 12));
    expect(key).not.toContain("FwoGZXIvYXdzSESSIONTOKEN");
    expect(key).toMatch(/^AKIDEXAMPLE:[0-9a-f]{16}$/);
  });
});

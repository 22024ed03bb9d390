// Reads AWS credentials from HTTP Basic auth (access key id : secret key) plus an optional session token.
import type { Credentials } from "../sqs/types";

const AKID = /^[A-Za-z0-9]{1,128}$/;

/** Parsed headers, so the same credentials on every request are decoded (and hashed) once. */
const parsed = new Map<string, Credentials | null>();
const keys = new WeakMap<Credentials, string>();

/** The credentials a request carries, or null when they are missing or malformed. */
export function credentialsFrom(headers: Headers): Credentials | null {
  const auth = headers.get("authorization");
  if (!auth) return null;
  const token = headers.get("x-amz-security-token")?.trim();
  const cacheKey = token ? `${auth}\n${token}` : auth;
  let creds = parsed.get(cacheKey);
  if (creds === undefined) {
    creds = parse(auth, token);
    if (parsed.size >= 1024) parsed.clear();
    parsed.set(cacheKey, creds);
  }
  return creds;
}

function parse(auth: string, token: string | undefined): Credentials | null {
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(auth);
  if (!m) return null;
  let decoded: string;
  try {
    decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon <= 0) return null;
  const accessKeyId = decoded.slice(0, colon);
  const secretAccessKey = decoded.slice(colon + 1);
  if (!AKID.test(accessKeyId) || secretAccessKey.length === 0 || secretAccessKey.length > 256) return null;
  return token ? { accessKeyId, secretAccessKey, sessionToken: token } : { accessKeyId, secretAccessKey };
}

/** A key naming one set of credentials in memory: the access key id plus a hash of the secret. */
export function credentialsKey(c: Credentials): string {
  let key = keys.get(c);
  if (key === undefined) {
    const h = new Bun.CryptoHasher("sha256").update(`${c.secretAccessKey}\n${c.sessionToken ?? ""}`).digest("hex");
    key = `${c.accessKeyId}:${h.slice(0, 16)}`;
    keys.set(c, key);
  }
  return key;
}

// Checks made before any body is read: DNS-rebinding (Host), cross-site forms (Origin) and body size.
import { type AppError, forbidden, tooLarge } from "../errors";
import { MAX_BATCH_REQUEST_BYTES } from "./batch-input";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

function hostname(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon === -1 ? h : h.slice(0, colon);
}

const isIpLiteral = (h: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.startsWith("[");

/**
 * A browser on a rebound DNS name sends that name as Host; loopback names, IP literals and
 * names listed in --allowed-hosts ("*" allows all) are accepted.
 */
export function hostAllowed(hostHeader: string | null, allowed: readonly string[]): boolean {
  if (!hostHeader) return true;
  const h = hostname(hostHeader);
  return LOOPBACK.has(h) || h.endsWith(".localhost") || isIpLiteral(h) || allowed.includes(h) || allowed.includes("*");
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** State-changing requests from another origin (or marked cross-site) are refused. */
export function crossSite(request: Request): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  const origin = request.headers.get("origin");
  if (origin !== null) {
    if (origin === "null") return true;
    try {
      return new URL(origin).host.toLowerCase() !== (request.headers.get("host") ?? "").toLowerCase();
    } catch {
      return true;
    }
  }
  return request.headers.get("sec-fetch-site") === "cross-site";
}

const BATCH_PATH = /^\/queues\/[^/]+\/batch$/;

/** The path of an absolute request URL, without its query and one trailing slash (as the router sees it). */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  if (start === -1) return "/";
  const query = url.indexOf("?", start);
  const path = query === -1 ? url.slice(start) : url.slice(start, query);
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

const isForm = (ct: string) => ct.startsWith("application/x-www-form-urlencoded") || ct.startsWith("multipart/form-data");

/**
 * Largest request body worth reading for a send: a raw body is the message itself; a form
 * may percent-encode each byte as three, plus a few small fields.
 */
export function maxRequestBytes(contentType: string, maxBodyBytes: number): number {
  if (contentType === "*") return Math.max(maxBodyBytes * 3 + 64 * 1024, MAX_BATCH_REQUEST_BYTES);
  return isForm(contentType) ? maxBodyBytes * 3 + 64 * 1024 : maxBodyBytes;
}

export function guard(request: Request, allowedHosts: readonly string[], maxBodyBytes: number): AppError | null {
  if (!hostAllowed(request.headers.get("host"), allowedHosts))
    return forbidden("HostNotAllowed", "This Host name is not allowed; start the accelerator with --allowed-hosts to accept it.");
  if (crossSite(request)) return forbidden("CrossSiteRequest", "Cross-site requests that change state are refused.");
  const length = request.headers.get("content-length");
  if (length !== null && request.method === "POST") {
    const ct = (request.headers.get("content-type") ?? "").toLowerCase();
    const n = Number(length);
    if (BATCH_PATH.test(pathOf(request.url))) {
      if (n > MAX_BATCH_REQUEST_BYTES) return tooLarge(MAX_BATCH_REQUEST_BYTES);
    } else if (n > (isForm(ct) ? maxRequestBytes(ct, maxBodyBytes) : maxBodyBytes)) {
      // A raw body is the message itself: over the limit is refused before a byte is read.
      return tooLarge(maxBodyBytes);
    }
  }
  return null;
}

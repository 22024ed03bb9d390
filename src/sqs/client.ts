// SqsClient: the SQS actions the accelerator needs, over AWS JSON 1.0, signed with aws4fetch (SqsSigner).
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-faqs.html
import { credentialsKey } from "../credentials/basic";
import { classify, errorFromResponse, isAuthFailure, isMissingQueue, networkError, SqsError } from "./errors";
import { md5Hex, md5OfAttributes } from "./md5";
import { SqsSigner } from "./signer";
import type { Credentials, SendEntry, SendResult } from "./types";

export interface SqsClientOptions {
  endpoint: string;
  region: string;
  timeoutMs: number;
  /** Injected in tests; plain global fetch otherwise (keep-alive by default in Bun). */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

export interface BatchOutcome {
  successful: Array<{ id: string } & SendResult>;
  failed: Array<{ id: string; error: SqsError }>;
}

export interface QueueSummary {
  name: string;
  url: string;
}

/** Last path segment of a queue URL is its name. */
export const queueNameOf = (url: string) => url.slice(url.lastIndexOf("/") + 1);

const MAX_CACHED_URLS = 10_000;
const MISSING_TTL_MS = 60_000;
/** How long a queue's MaximumMessageSize is believed before it is read again. */
const SIZE_LIMIT_TTL_MS = 5 * 60_000;
/** How long credentials SQS accepted count as proven (see verifyCredentials). */
const PROVEN_TTL_MS = 60 * 60_000;

export class SqsClient {
  readonly endpoint: string;
  readonly region: string;
  private readonly timeoutMs: number;
  private readonly doFetch: (url: string, init: RequestInit) => Promise<Response>;
  /** aws4fetch's signing-key cache; cleared when it grows (one entry per key/day/region). */
  private readonly signingKeys = new Map<string, ArrayBuffer>();
  private readonly urls = new Map<string, string>();
  /** Queues SQS said do not exist, until when (ms) we believe it without asking again. */
  private readonly missing = new Map<string, number>();
  /** Queues' own MaximumMessageSize, read in the background once their URL is known (undefined: could not be read). */
  private readonly sizeLimits = new Map<string, { bytes?: number; until: number }>();
  private readonly readingSizeLimit = new Set<string>();
  /** Credentials SQS accepted (by credentialsKey: access key id and a hash of the secret), until when. */
  private readonly proven = new Map<string, number>();

  constructor(opts: SqsClientOptions) {
    this.endpoint = opts.endpoint.replace(/\/+$/, "");
    this.region = opts.region;
    this.timeoutMs = opts.timeoutMs;
    this.doFetch = opts.fetch ?? ((url, init) => fetch(url, init));
  }

  /** Sends one signed action and returns its parsed JSON answer, or throws SqsError. */
  async call<T>(creds: Credentials, action: string, payload: object): Promise<T> {
    if (this.signingKeys.size > 64) this.signingKeys.clear();
    const body = JSON.stringify(payload);
    const signer = new SqsSigner({
      url: `${this.endpoint}/`,
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": `AmazonSQS.${action}`,
        // Hashed here with Bun's synchronous SHA-256: aws4fetch would use the slower async WebCrypto.
        "x-amz-content-sha256": new Bun.CryptoHasher("sha256").update(body).digest("hex"),
      },
      body,
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      sessionToken: creds.sessionToken,
      service: "sqs",
      region: this.region,
      cache: this.signingKeys,
    });
    const signed = await signer.sign();
    let res: Response;
    let text: string;
    try {
      res = await this.doFetch(signed.url.toString(), {
        method: "POST",
        headers: signed.headers,
        body: signed.body as string,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      throw networkError(err);
    }
    if (!res.ok) throw errorFromResponse(res.status, text, res.headers);
    if (text.trim() === "") return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new SqsError("MalformedResponse", `SQS answered ${action} with something that is not JSON`, res.status, false, "transient");
    }
  }

  /** SQS accepted these credentials: a send with them succeeded (the engine says so), or a ListQueues. */
  trust(creds: Credentials): void {
    if (this.proven.size >= MAX_CACHED_URLS) this.proven.clear();
    this.proven.set(credentialsKey(creds), Date.now() + PROVEN_TTL_MS);
  }

  /**
   * Proves that the secret goes with the access key id, before anything kept under that key id
   * (dead letters, with their bodies) is shown or changed: knowing a key id is not enough.
   * Credentials SQS accepted in the last hour count; otherwise SQS is asked with a signed
   * ListQueues. An answer, or a refusal for want of permission (AccessDenied: the signature was
   * good), proves them; any other refusal is thrown; "unverified" when SQS cannot be reached or is
   * busy.
   */
  async verifyCredentials(creds: Credentials): Promise<"proven" | "unverified"> {
    const until = this.proven.get(credentialsKey(creds));
    if (until !== undefined && until > Date.now()) return "proven";
    try {
      await this.call(creds, "ListQueues", { QueueNamePrefix: "sqs-accelerator-credentials-check", MaxResults: 1 });
    } catch (err) {
      if (!(err instanceof SqsError)) throw err;
      if (err.retryable) return "unverified";
      if (err.code !== "AccessDenied" && err.code !== "AccessDeniedException") throw err;
    }
    this.trust(creds);
    return "proven";
  }

  /** Every queue, following NextToken through all pages. */
  async listQueues(creds: Credentials, prefix?: string): Promise<QueueSummary[]> {
    const out: QueueSummary[] = [];
    let next: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const r = await this.call<{ QueueUrls?: string[]; NextToken?: string }>(creds, "ListQueues", {
        MaxResults: 1000,
        ...(prefix ? { QueueNamePrefix: prefix } : {}),
        ...(next ? { NextToken: next } : {}),
      });
      for (const url of r.QueueUrls ?? []) out.push({ name: queueNameOf(url), url });
      next = r.NextToken;
      if (!next) break;
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async createQueue(creds: Credentials, name: string, attributes: Record<string, string> = {}): Promise<string> {
    const r = await this.call<{ QueueUrl: string }>(creds, "CreateQueue", {
      QueueName: name,
      ...(Object.keys(attributes).length ? { Attributes: attributes } : {}),
    });
    this.urls.set(this.cacheKey(creds, name), r.QueueUrl);
    this.missing.delete(this.cacheKey(creds, name));
    return r.QueueUrl;
  }

  private cacheKey(creds: Credentials, name: string) {
    return `${creds.accessKeyId}\n${this.region}\n${name}`;
  }

  /** Queue URL by name, resolved once per credentials + region + name. */
  async getQueueUrl(creds: Credentials, name: string): Promise<string> {
    const key = this.cacheKey(creds, name);
    const hit = this.urls.get(key);
    if (hit) return hit;
    let r: { QueueUrl: string };
    try {
      r = await this.call<{ QueueUrl: string }>(creds, "GetQueueUrl", { QueueName: name });
    } catch (err) {
      if (err instanceof SqsError && isMissingQueue(err.code)) {
        if (this.missing.size >= MAX_CACHED_URLS) this.missing.clear();
        this.missing.set(key, Date.now() + MISSING_TTL_MS);
      }
      throw err;
    }
    this.missing.delete(key);
    if (this.urls.size >= MAX_CACHED_URLS) this.urls.clear();
    this.urls.set(key, r.QueueUrl);
    this.readSizeLimit(creds, key, r.QueueUrl);
    return r.QueueUrl;
  }

  /**
   * The queue's own MaximumMessageSize (1,024 bytes to 1 MiB) when known, so a send too large for
   * it is refused at the door rather than accepted and dead-lettered. Never waits for SQS: it is
   * read in the background once the queue's URL is known, and again after 5 minutes; until then
   * (or without permission to read it) only --max-body-bytes applies.
   */
  queueMaxBytes(creds: Credentials, name: string): number | undefined {
    const key = this.cacheKey(creds, name);
    const known = this.sizeLimits.get(key);
    if (known && known.until > Date.now()) return known.bytes;
    const url = this.urls.get(key);
    if (url) this.readSizeLimit(creds, key, url);
    return undefined;
  }

  private readSizeLimit(creds: Credentials, key: string, url: string): void {
    if (this.readingSizeLimit.has(key)) return;
    this.readingSizeLimit.add(key);
    this.call<{ Attributes?: Record<string, string> }>(creds, "GetQueueAttributes", {
      QueueUrl: url,
      AttributeNames: ["MaximumMessageSize"],
    })
      .then(
        (r) => {
          const bytes = Number(r.Attributes?.MaximumMessageSize);
          return Number.isInteger(bytes) && bytes > 0 ? bytes : undefined;
        },
        // No permission to read it (send-only credentials), or SQS not answering: SQS itself refuses
        // what is too large; the read is not tried again for a while. Credentials SQS refused (a
        // mistyped secret with the owner's key id) say nothing about the queue: nothing is kept.
        (err) => (err instanceof SqsError && isAuthFailure(err.code) && !err.code.startsWith("AccessDenied") ? null : undefined),
      )
      .then((bytes) => {
        this.readingSizeLimit.delete(key);
        if (bytes === null || this.urls.get(key) !== url) return; // forgotten (deleted) meanwhile
        if (this.sizeLimits.size >= MAX_CACHED_URLS) this.sizeLimits.clear();
        this.sizeLimits.set(key, { bytes, until: Date.now() + SIZE_LIMIT_TTL_MS });
      });
  }

  /** True when SQS recently said this queue does not exist (so a send can get 404 at the door). */
  knownMissing(creds: Credentials, name: string): boolean {
    const until = this.missing.get(this.cacheKey(creds, name));
    return until !== undefined && until > Date.now();
  }

  /** Forgets a cached URL (after the queue is deleted or reported missing). */
  forgetQueue(creds: Credentials, name: string): void {
    this.urls.delete(this.cacheKey(creds, name));
    this.sizeLimits.delete(this.cacheKey(creds, name));
  }

  async getQueueAttributes(creds: Credentials, url: string): Promise<Record<string, string>> {
    const r = await this.call<{ Attributes?: Record<string, string> }>(creds, "GetQueueAttributes", {
      QueueUrl: url,
      AttributeNames: ["All"],
    });
    return r.Attributes ?? {};
  }

  async deleteQueue(creds: Credentials, name: string): Promise<void> {
    const url = await this.getQueueUrl(creds, name);
    try {
      await this.call(creds, "DeleteQueue", { QueueUrl: url });
    } finally {
      this.forgetQueue(creds, name);
    }
  }

  async sendMessage(creds: Credentials, url: string, entry: SendEntry): Promise<SendResult> {
    const r = await this.call<{ MessageId: string; MD5OfMessageBody?: string; MD5OfMessageAttributes?: string; SequenceNumber?: string }>(
      creds,
      "SendMessage",
      { QueueUrl: url, ...entry },
    );
    const bad = checksumProblem(entry, r);
    if (bad) throw bad;
    return { MessageId: r.MessageId, ...(r.SequenceNumber ? { SequenceNumber: r.SequenceNumber } : {}) };
  }

  /** Entries are sent with ids "0".."n-1"; the outcome names them the same way. */
  async sendMessageBatch(creds: Credentials, url: string, entries: SendEntry[]): Promise<BatchOutcome> {
    type Answer = {
      Successful?: Array<{
        Id: string;
        MessageId: string;
        MD5OfMessageBody?: string;
        MD5OfMessageAttributes?: string;
        SequenceNumber?: string;
      }>;
      Failed?: Array<{ Id: string; SenderFault?: boolean | string; Code?: string; Message?: string }>;
    };
    const r = await this.call<Answer>(creds, "SendMessageBatch", {
      QueueUrl: url,
      Entries: entries.map((e, i) => ({ Id: String(i), ...e })),
    });
    const outcome: BatchOutcome = { successful: [], failed: [] };
    const seen = new Set<string>();
    for (const s of r.Successful ?? []) {
      const entry = entries[Number(s.Id)];
      if (!entry || seen.has(s.Id)) continue;
      seen.add(s.Id);
      const bad = checksumProblem(entry, s);
      if (bad) outcome.failed.push({ id: s.Id, error: bad });
      else outcome.successful.push({ id: s.Id, MessageId: s.MessageId, ...(s.SequenceNumber ? { SequenceNumber: s.SequenceNumber } : {}) });
    }
    for (const f of r.Failed ?? []) {
      if (!entries[Number(f.Id)] || seen.has(f.Id)) continue;
      seen.add(f.Id);
      // moto sends SenderFault as the string "true"
      const senderFault = f.SenderFault === true || f.SenderFault === "true";
      const code = f.Code ?? "UnknownError";
      // The code decides first (a throttled entry can be marked SenderFault); otherwise the
      // sender's fault is final and SQS's own fault is retried.
      const byCode = classify(code, 200);
      const kind = byCode !== "permanent" ? byCode : senderFault ? "permanent" : "transient";
      outcome.failed.push({ id: f.Id, error: new SqsError(code, f.Message ?? code, 200, senderFault, kind) });
    }
    // An entry SQS did not mention at all was not stored: retry it.
    entries.forEach((_, i) => {
      if (!seen.has(String(i)))
        outcome.failed.push({
          id: String(i),
          error: new SqsError("MissingBatchResult", "SQS did not report this entry", 200, false, "transient"),
        });
    });
    return outcome;
  }
}

/** A send answer whose checksums do not match what we sent is a failure (retryable). */
function checksumProblem(entry: SendEntry, r: { MD5OfMessageBody?: string; MD5OfMessageAttributes?: string }): SqsError | null {
  if (r.MD5OfMessageBody !== md5Hex(entry.MessageBody))
    return new SqsError("ChecksumMismatch", "MD5OfMessageBody does not match the body sent", 200, false, "transient");
  const attrs = md5OfAttributes(entry.MessageAttributes);
  if (attrs && r.MD5OfMessageAttributes !== attrs)
    return new SqsError("ChecksumMismatch", "MD5OfMessageAttributes does not match the attributes sent", 200, false, "transient");
  return null;
}

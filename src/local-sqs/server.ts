// local-sqs: an SQS-compatible endpoint (AWS JSON 1.0 over Bun.serve) with state in bun:sqlite.
// Routing is by `X-Amz-Target: AmazonSQS.<Action>`; any SigV4 credentials are accepted (none is refused).
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-json.html
import { type Action, type ActionContext, DELETED_NAME_WAIT_MS } from "./context";
import { fault, faultResponse, SqsFault } from "./errors";
import { messageActions } from "./message-actions";
import type { Params } from "./params";
import { queueActions } from "./queue-actions";
import { Store } from "./store";
import { Waiters } from "./waiters";

export { LOCAL_SQS_HELP, parseLocalSqsArgs } from "./args";

export interface LocalSqsOptions {
  port: number;
  host: string;
  /** Directory for `local-sqs.sqlite`, or null to keep everything in memory. */
  data: string | null;
  /** Every answer is delayed this long (stands in for a remote SQS). */
  latencyMs?: number;
  /** Share (0–1) of requests answered 500 InternalError, without effect. */
  faultRate?: number;
  /** Share (0–1) of requests answered 400 ThrottlingException (legacy RequestThrottled), without effect. */
  throttleRate?: number;
  /** Region in queue ARNs; us-east-1 by default. */
  region?: string;
  /** Receives one line per request (action, status, time) and any internal error. */
  log?: (line: string) => void;
  /** Clock (ms since the epoch) for every SQS timer: visibility, delay, retention, dedup, 60-second waits. */
  now?: () => number;
  /** Uniform [0,1) source for the fault and throttle knobs (tests make it deterministic). */
  random?: () => number;
  /** Bytes of stored messages past which sends get 403 OverLimit (default 256 MiB in memory, 4 GiB on disk). */
  maxStoredBytes?: number;
}

export interface LocalSqs {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** JSON requests carry bodies up to 1 MiB, escaped (\uXXXX) up to 6 bytes per byte in the worst case. */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;
const SWEEP_MS = 10_000;
const NOT_IMPLEMENTED = new Set([
  "AddPermission",
  "RemovePermission",
  "StartMessageMoveTask",
  "CancelMessageMoveTask",
  "ListMessageMoveTasks",
]);
const ACTIONS: Record<string, Action> = { ...queueActions, ...messageActions };
/** `AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/sqs/aws4_request, SignedHeaders=…, Signature=…`. */
const SIGV4 = /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/[^,]+,\s*SignedHeaders=[^,]+,\s*Signature=[0-9a-fA-F]+\s*$/;
const HOST_HEADER = /^[A-Za-z0-9.:[\]-]{1,300}$/;

const INFO = `local-sqs: an SQS-compatible endpoint speaking the AWS JSON 1.0 protocol.
Point an AWS SDK or the AWS CLI at this URL (--endpoint-url); any SigV4 credentials are accepted.
`;

/** The access key id of a SigV4-signed request (header or presigned query), or a fault. */
function senderOf(req: Request, url: URL): string {
  const auth = req.headers.get("authorization");
  if (auth) {
    const m = SIGV4.exec(auth);
    if (!m)
      throw fault.incompleteSignature(
        "Authorization must be AWS Signature Version 4: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…",
      );
    return m[1]!;
  }
  const cred = url.searchParams.get("X-Amz-Credential");
  if (cred && url.searchParams.get("X-Amz-Signature")) return cred.split("/")[0]!;
  throw fault.missingAuthentication();
}

const stopping = () => new SqsFault("ServiceUnavailable", "local-sqs is stopping", 503, "ServiceUnavailable", false);

function json(body: object, requestId: string): Response {
  return new Response(JSON.stringify(body), {
    headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": requestId },
  });
}

export function startLocalSqs(opts: LocalSqsOptions): LocalSqs {
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const region = opts.region ?? "us-east-1";
  const faultRate = opts.faultRate ?? 0;
  const throttleRate = opts.throttleRate ?? 0;
  const latencyMs = opts.latencyMs ?? 0;
  const log = opts.log;
  const store = new Store(opts.data);
  const waiters = new Waiters(10_000);
  const delays = new Waiters(100_000);
  let stopped = false;
  const limits = {
    maxStoredBytes: opts.maxStoredBytes ?? (opts.data === null ? 256 * 1024 ** 2 : 4 * 1024 ** 3),
    maxQueues: 100_000,
  };
  const bindHost = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  let port = opts.port;

  async function dispatch(req: Request, requestId: string, named: (action: string) => void): Promise<Response> {
    if (latencyMs > 0) await delays.sleep(latencyMs);
    if (stopped) throw stopping();
    const url = new URL(req.url);
    if (req.method === "GET" || req.method === "HEAD")
      return new Response(req.method === "GET" ? INFO : null, { headers: { "content-type": "text/plain" } });
    if (req.method !== "POST") throw fault.unknownOperation(`${req.method} ${url.pathname}`);
    const target = req.headers.get("x-amz-target") ?? "";
    if (!target) {
      if ((req.headers.get("content-type") ?? "").includes("x-www-form-urlencoded"))
        throw fault.unsupportedOperation(
          "local-sqs speaks only the AWS JSON 1.0 protocol (X-Amz-Target header); this client used the Query protocol. Upgrade the SDK.",
        );
      throw fault.unknownOperation("");
    }
    const action = target.startsWith("AmazonSQS.") ? target.slice("AmazonSQS.".length) : "";
    named(action || target);
    const handler = ACTIONS[action];
    const sender = senderOf(req, url);
    if (!handler) {
      if (NOT_IMPLEMENTED.has(action)) throw fault.unsupportedOperation(`local-sqs does not implement ${action}.`);
      throw fault.unknownOperation(target);
    }
    const u = random();
    if (u < faultRate) throw fault.internalError();
    if (u < faultRate + throttleRate) throw fault.throttled();

    const text = await req.text();
    if (stopped) throw stopping();
    let params: Params = {};
    if (text.trim() !== "") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw fault.serialization("The request body is not valid JSON.");
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw fault.serialization("The request body must be a JSON object.");
      params = parsed as Params;
    }
    const hostHeader = req.headers.get("host");
    const ctx: ActionContext = {
      store,
      waiters,
      now,
      region,
      origin: `http://${hostHeader && HOST_HEADER.test(hostHeader) ? hostHeader : `${bindHost}:${port}`}`,
      sender,
      limits,
      stopped: () => stopped,
    };
    const out = await handler(ctx, params);
    if (stopped) throw stopping();
    return json(out, requestId);
  }

  async function handle(req: Request): Promise<Response> {
    const requestId = crypto.randomUUID();
    const started = performance.now();
    let action = "-";
    let res: Response;
    try {
      res = await dispatch(req, requestId, (a) => {
        action = a;
      });
    } catch (err) {
      if (err instanceof SqsFault) res = faultResponse(err, requestId);
      else {
        log?.(`local-sqs: internal error in ${action}: ${(err as Error)?.stack ?? String(err)}`);
        res = faultResponse(fault.internalError(), requestId);
      }
    }
    log?.(`local-sqs ${action} ${res.status} ${(performance.now() - started).toFixed(1)}ms`);
    return res;
  }

  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname: opts.host,
      port: opts.port,
      maxRequestBodySize: MAX_REQUEST_BYTES,
      // Long polls hold a quiet connection for up to 20 s (plus any --latency-ms).
      idleTimeout: 120,
      development: false,
      fetch: handle,
    });
  } catch (err) {
    store.close();
    throw err;
  }
  port = server.port ?? opts.port;

  const sweeper = setInterval(() => {
    try {
      const t = now();
      store.sweep(t, DELETED_NAME_WAIT_MS);
      // Retention also applies to queues nobody reads.
      for (const q of store.allQueues()) store.expire(q.name, t - Number(q.attributes.MessageRetentionPeriod) * 1000);
    } catch (err) {
      log?.(`local-sqs: sweep failed: ${(err as Error).message}`);
    }
  }, SWEEP_MS);
  sweeper.unref();

  return {
    url: `http://${bindHost}:${port}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(sweeper);
      waiters.closeAll();
      delays.closeAll();
      await server.stop(true);
      store.close();
    },
  };
}

// SqsError and its classification: retryable or permanent, decided by SQS's error code.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html

const THROTTLING = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "SlowDown",
  "KmsThrottled",
  "KMS.ThrottlingException",
  "ProvisionedThroughputExceededException",
  "BandwidthLimitExceeded",
]);

const TRANSIENT = new Set([
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalError",
  "InternalFailure",
  "ServiceUnavailable",
  "NetworkError",
  "Timeout",
]);

/** Fixed by re-signing (fresh clock or refreshed credentials), then retried once. */
const RESIGN = new Set(["RequestExpired", "ExpiredToken", "ExpiredTokenException"]);

export type ErrorKind = "throttling" | "transient" | "resign" | "permanent";

export class SqsError extends Error {
  readonly kind: ErrorKind;
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly senderFault: boolean,
    kind?: ErrorKind,
  ) {
    super(message);
    this.name = "SqsError";
    this.kind = kind ?? classify(code, status);
  }
  get retryable(): boolean {
    return this.kind !== "permanent";
  }
}

/** Decides by code; a 5xx or 429 without a known code is transient (a server problem). */
export function classify(code: string, status: number): ErrorKind {
  if (THROTTLING.has(code)) return "throttling";
  if (RESIGN.has(code)) return "resign";
  if (TRANSIENT.has(code)) return "transient";
  if (status === 429) return "throttling";
  if (status >= 500) return "transient";
  return "permanent";
}

/** `com.amazonaws.sqs#QueueDoesNotExist:extra` → `QueueDoesNotExist`. */
export function codeFromType(type: string): string {
  const cut = type.split(":")[0] ?? type;
  return cut.slice(cut.lastIndexOf("#") + 1);
}

const LEGACY: Record<string, string> = {
  "AWS.SimpleQueueService.NonExistentQueue": "QueueDoesNotExist",
};

/** Builds an SqsError from any error answer: AWS JSON, XML (moto's auth failures), HTML or empty. */
export function errorFromResponse(status: number, text: string, headers: Headers): SqsError {
  let code = "";
  let message = "";
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      const j = JSON.parse(trimmed) as Record<string, unknown>;
      const type = j.__type ?? j.code ?? j.Code;
      if (typeof type === "string") code = codeFromType(type);
      const m = j.message ?? j.Message;
      if (typeof m === "string") message = m;
    } catch {
      // not JSON after all: fall through to the text forms
    }
  } else if (trimmed.startsWith("<")) {
    code = /<Code>([^<]*)<\/Code>/.exec(trimmed)?.[1] ?? "";
    message = /<Message>([^<]*)<\/Message>/.exec(trimmed)?.[1] ?? "";
  }
  const legacy = headers.get("x-amzn-query-error");
  if (!code && legacy) code = legacy.split(";")[0] ?? "";
  code = LEGACY[code] ?? code;
  if (!code) code = status >= 500 ? "InternalFailure" : status === 429 ? "TooManyRequestsException" : `Http${status}`;
  if (!message) message = trimmed && !trimmed.startsWith("<") ? trimmed.slice(0, 200) : `SQS answered HTTP ${status}`;
  const senderFault = legacy ? legacy.endsWith(";Sender") : status < 500;
  return new SqsError(code, message, status, senderFault);
}

/** A fetch that failed before an answer: connection refused/reset, DNS, timeout. */
export function networkError(err: unknown): SqsError {
  const e = err as { name?: string; message?: string; code?: string };
  const timeout = e?.name === "TimeoutError" || e?.name === "AbortError";
  return new SqsError(
    timeout ? "Timeout" : "NetworkError",
    timeout ? "SQS did not answer in time" : `cannot reach SQS: ${e?.code ?? e?.message ?? String(err)}`,
    0,
    false,
    "transient",
  );
}

export const isAuthFailure = (code: string) =>
  code === "InvalidClientTokenId" ||
  code === "SignatureDoesNotMatch" ||
  code === "AccessDenied" ||
  code === "AccessDeniedException" ||
  code === "IncompleteSignature" ||
  code === "UnrecognizedClientException" ||
  code === "MissingAuthenticationToken";

export const isMissingQueue = (code: string) =>
  code === "QueueDoesNotExist" || code === "NonExistentQueue" || code === "AWS.SimpleQueueService.NonExistentQueue";

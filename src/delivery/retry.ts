// The one retry policy: exponential backoff with full jitter, decided by SQS's error code.
// https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
import type { SqsError } from "../sqs/errors";

export interface RetryPolicy {
  baseMs: number;
  throttleBaseMs: number;
  capMs: number;
  maxAgeMs: number;
}

export type Decision = { action: "retry"; delayMs: number } | { action: "dead"; reason: string };

/** Full jitter: uniform in [0, min(cap, base × 2^attempt)). `attempt` counts from 0. */
export function backoffMs(base: number, cap: number, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * What to do after a failed attempt. `attempts` already counts the failed one; `previous` is the
 * code of the failure before it, so an expired signature is re-signed at once only once.
 */
export function decide(
  error: SqsError,
  attempts: number,
  acceptedAt: number,
  now: number,
  policy: RetryPolicy,
  previous?: string,
  random: () => number = Math.random,
): Decision {
  const reason = `${error.code}: ${error.message}`;
  if (!error.retryable) return { action: "dead", reason };
  if (error.kind === "resign" && previous === error.code) return { action: "dead", reason };
  if (now - acceptedAt >= policy.maxAgeMs) return { action: "dead", reason: `gave up after ${attempts} attempts; last ${reason}` };
  if (error.kind === "resign") return { action: "retry", delayMs: 0 };
  const base = error.kind === "throttling" ? policy.throttleBaseMs : policy.baseMs;
  const delay = Math.max(1, backoffMs(base, policy.capMs, attempts - 1, random));
  return { action: "retry", delayMs: Math.min(delay, Math.max(1, policy.maxAgeMs - (now - acceptedAt))) };
}

// The retry policy: full-jitter backoff bounds, and what decide() does for each kind of failure.
import { describe, expect, test } from "bun:test";
import { backoffMs, decide, type RetryPolicy } from "../../src/delivery/retry";
import { SqsError } from "../../src/sqs/errors";

const ALMOST_ONE = 1 - Number.EPSILON;
const policy: RetryPolicy = { baseMs: 50, throttleBaseMs: 1000, capMs: 20_000, maxAgeMs: 3_600_000 };
const T0 = 1_700_000_000_000;

describe("backoffMs", () => {
  test("full jitter between 0 and base × 2^attempt", () => {
    expect(backoffMs(50, 20_000, 0, () => 0)).toBe(0);
    expect(backoffMs(50, 20_000, 0, () => ALMOST_ONE)).toBe(49);
    expect(backoffMs(50, 20_000, 3, () => ALMOST_ONE)).toBe(399);
    expect(backoffMs(50, 20_000, 3, () => 0.5)).toBe(200);
  });

  test("capped", () => {
    expect(backoffMs(50, 20_000, 20, () => ALMOST_ONE)).toBe(19_999);
    expect(backoffMs(1000, 20_000, 5, () => ALMOST_ONE)).toBe(19_999);
    // huge attempt counts do not overflow to Infinity/NaN
    expect(backoffMs(50, 20_000, 10_000, () => 0.5)).toBe(10_000);
  });

  test("with Math.random stays in bounds", () => {
    for (let i = 0; i < 200; i++) {
      const d = backoffMs(50, 20_000, i % 12);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(Math.min(20_000, 50 * 2 ** (i % 12)));
    }
  });
});

describe("decide", () => {
  const err = (code: string, status = 400) => new SqsError(code, `${code} happened`, status, status < 500);

  test("permanent errors go to the dead letters", () => {
    const d = decide(err("InvalidMessageContents"), 1, T0, T0 + 10, policy);
    expect(d.action).toBe("dead");
    if (d.action === "dead") expect(d.reason).toContain("InvalidMessageContents");
    expect(decide(err("QueueDoesNotExist"), 1, T0, T0, policy).action).toBe("dead");
  });

  test("transient errors back off from baseMs", () => {
    expect(decide(err("InternalError", 500), 1, T0, T0, policy, undefined, () => ALMOST_ONE)).toEqual({ action: "retry", delayMs: 49 });
    expect(decide(err("InternalError", 500), 3, T0, T0, policy, undefined, () => ALMOST_ONE)).toEqual({ action: "retry", delayMs: 199 });
  });

  test("throttling backs off from throttleBaseMs", () => {
    expect(decide(err("RequestThrottled", 403), 1, T0, T0, policy, undefined, () => ALMOST_ONE)).toEqual({ action: "retry", delayMs: 999 });
    expect(decide(err("KmsThrottled"), 2, T0, T0, policy, undefined, () => ALMOST_ONE)).toEqual({ action: "retry", delayMs: 1999 });
    expect(decide(err("ThrottlingException"), 30, T0, T0, policy, undefined, () => ALMOST_ONE)).toEqual({
      action: "retry",
      delayMs: 19_999,
    });
  });

  test("a retry is never scheduled with zero delay (jitter at 0 gives 1 ms)", () => {
    expect(decide(err("InternalError", 500), 1, T0, T0, policy, undefined, () => 0)).toEqual({ action: "retry", delayMs: 1 });
  });

  test("past maxAgeMs the message is dead", () => {
    const d = decide(err("InternalError", 500), 7, T0, T0 + policy.maxAgeMs, policy);
    expect(d.action).toBe("dead");
    if (d.action === "dead") {
      expect(d.reason).toContain("7 attempts");
      expect(d.reason).toContain("InternalError");
    }
    expect(decide(err("RequestThrottled", 403), 1, T0, T0 + policy.maxAgeMs + 1, policy).action).toBe("dead");
  });

  test("the delay never goes past maxAgeMs", () => {
    const d = decide(err("RequestThrottled", 403), 10, T0, T0 + policy.maxAgeMs - 300, policy, undefined, () => ALMOST_ONE);
    expect(d).toEqual({ action: "retry", delayMs: 300 });
  });

  test("resign retries at once; the same resign code twice in a row is dead", () => {
    expect(decide(err("RequestExpired"), 1, T0, T0, policy)).toEqual({ action: "retry", delayMs: 0 });
    expect(decide(err("ExpiredToken", 403), 2, T0, T0, policy, "InternalError")).toEqual({ action: "retry", delayMs: 0 });
    expect(decide(err("RequestExpired"), 2, T0, T0, policy, "RequestExpired").action).toBe("dead");
    expect(decide(err("ExpiredToken"), 2, T0, T0, policy, "ExpiredToken").action).toBe("dead");
  });

  test("a network error is retried", () => {
    const net = new SqsError("NetworkError", "cannot reach SQS", 0, false, "transient");
    const d = decide(net, 1, T0, T0, policy, undefined, () => 0.5);
    expect(d).toEqual({ action: "retry", delayMs: 25 });
  });
});

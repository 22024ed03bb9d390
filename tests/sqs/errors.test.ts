// SqsError classification by code, and building errors from every answer shape SQS or moto gives.
import { describe, expect, test } from "bun:test";
import { classify, codeFromType, errorFromResponse, isAuthFailure, isMissingQueue, networkError, SqsError } from "../../src/sqs/errors";

const h = (init: Record<string, string> = {}) => new Headers(init);

describe("codeFromType", () => {
  test("takes the part after the last # and cuts at the first :", () => {
    expect(codeFromType("com.amazonaws.sqs#QueueDoesNotExist")).toBe("QueueDoesNotExist");
    expect(codeFromType("com.amazonaws.sqs#QueueDoesNotExist:http://internal.amazon.com/coral/com.amazon.sqs/")).toBe("QueueDoesNotExist");
    expect(codeFromType("com.amazon.coral.service#MissingRequiredParameterException")).toBe("MissingRequiredParameterException");
    expect(codeFromType("InvalidParameterValue")).toBe("InvalidParameterValue");
    expect(codeFromType("ThrottlingException:extra")).toBe("ThrottlingException");
  });
});

describe("classify", () => {
  test("throttling codes, whatever the status", () => {
    expect(classify("RequestThrottled", 403)).toBe("throttling");
    expect(classify("KmsThrottled", 400)).toBe("throttling");
    expect(classify("KMS.ThrottlingException", 400)).toBe("throttling");
    for (const code of [
      "ThrottlingException",
      "Throttling",
      "RequestThrottledException",
      "TooManyRequestsException",
      "RequestLimitExceeded",
      "SlowDown",
    ]) {
      expect({ code, kind: classify(code, 400) }).toEqual({ code, kind: "throttling" });
    }
  });

  test("429 without a known code is throttling", () => {
    expect(classify("", 429)).toBe("throttling");
    expect(classify("Http429", 429)).toBe("throttling");
  });

  test("5xx without a known code is transient; RequestTimeout is transient", () => {
    expect(classify("SomethingNew", 500)).toBe("transient");
    expect(classify("", 502)).toBe("transient");
    expect(classify("ServiceUnavailable", 503)).toBe("transient");
    expect(classify("InternalError", 500)).toBe("transient");
    expect(classify("RequestTimeout", 400)).toBe("transient");
  });

  test("RequestExpired and ExpiredToken are fixed by re-signing", () => {
    expect(classify("RequestExpired", 400)).toBe("resign");
    expect(classify("ExpiredToken", 400)).toBe("resign");
    expect(classify("ExpiredToken", 403)).toBe("resign");
  });

  test("permanent codes", () => {
    for (const code of [
      "QueueDoesNotExist",
      "AWS.SimpleQueueService.NonExistentQueue",
      "InvalidMessageContents",
      "InvalidParameterValue",
      "MissingParameter",
      "InvalidAttributeName",
      "InvalidAttributeValue",
      "TooManyEntriesInBatchRequest",
      "EmptyBatchRequest",
      "BatchRequestTooLong",
      "BatchEntryIdsNotDistinct",
      "InvalidBatchEntryId",
      "UnsupportedOperation",
      "AccessDenied",
      "InvalidClientTokenId",
      "SignatureDoesNotMatch",
      "IncompleteSignature",
      "KmsAccessDenied",
      "KmsDisabled",
      "KmsInvalidState",
      "KmsNotFound",
      "KmsOptInRequired",
      "KmsInvalidKeyUsage",
    ]) {
      const status = code === "AccessDenied" || code === "InvalidClientTokenId" || code === "SignatureDoesNotMatch" ? 403 : 400;
      expect({ code, kind: classify(code, status) }).toEqual({ code, kind: "permanent" });
    }
  });

  test("SqsError.retryable follows the kind; an explicit kind wins", () => {
    expect(new SqsError("RequestThrottled", "x", 403, true).retryable).toBe(true);
    expect(new SqsError("QueueDoesNotExist", "x", 400, true).retryable).toBe(false);
    expect(new SqsError("QueueDoesNotExist", "x", 400, true, "transient").retryable).toBe(true);
    const e = new SqsError("InvalidParameterValue", "bad", 400, true);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("SqsError");
    expect(e.message).toBe("bad");
  });
});

describe("errorFromResponse", () => {
  test("AWS JSON with __type and message", () => {
    const e = errorFromResponse(
      400,
      JSON.stringify({ __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "The specified queue does not exist." }),
      h({ "x-amzn-requestid": "r-1" }),
    );
    expect(e).toBeInstanceOf(SqsError);
    expect(e.code).toBe("QueueDoesNotExist");
    expect(e.message).toBe("The specified queue does not exist.");
    expect(e.status).toBe(400);
    expect(e.kind).toBe("permanent");
    expect(e.senderFault).toBe(true);
  });

  test("AWS JSON with Message (capital M) and a :suffix on __type", () => {
    const e = errorFromResponse(
      400,
      JSON.stringify({ __type: "com.amazonaws.sqs#InvalidParameterValue:http://internal.amazon.com/", Message: "Value bad" }),
      h(),
    );
    expect(e.code).toBe("InvalidParameterValue");
    expect(e.message).toBe("Value bad");
  });

  test("RequestThrottled at 403 is retryable; KmsThrottled at 400 is retryable", () => {
    const t = errorFromResponse(
      403,
      JSON.stringify({ __type: "com.amazonaws.sqs#RequestThrottled", message: "Request is throttled" }),
      h(),
    );
    expect(t.kind).toBe("throttling");
    expect(t.retryable).toBe(true);
    const k = errorFromResponse(
      400,
      JSON.stringify({ __type: "com.amazonaws.sqs#KmsThrottled", message: "KMS throttled" }),
      h({ "x-amzn-query-error": "KMS.ThrottlingException;Sender" }),
    );
    expect(k.kind).toBe("throttling");
    expect(k.retryable).toBe(true);
  });

  test("moto's XML 403 auth failure", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>abc</RequestId></ErrorResponse>`;
    const e = errorFromResponse(403, xml, h({ "content-type": "text/xml" }));
    expect(e.code).toBe("InvalidClientTokenId");
    expect(e.message).toBe("The security token included in the request is invalid.");
    expect(e.status).toBe(403);
    expect(e.kind).toBe("permanent");
    expect(isAuthFailure(e.code)).toBe(true);
  });

  test("legacy XML RequestThrottled (Type Sender, 403) is throttling", () => {
    const xml =
      '<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type>' +
      "<Code>RequestThrottled</Code><Message>Request is throttled</Message><Detail/></Error><RequestId>5ec6</RequestId></ErrorResponse>";
    const e = errorFromResponse(403, xml, h());
    expect(e.code).toBe("RequestThrottled");
    expect(e.kind).toBe("throttling");
  });

  test("HTML 500 is a transient InternalFailure with a readable message", () => {
    const html =
      "<!doctype html><html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>";
    const e = errorFromResponse(500, html, h({ "content-type": "text/html" }));
    expect(e.code).toBe("InternalFailure");
    expect(e.kind).toBe("transient");
    expect(e.retryable).toBe(true);
    expect(e.senderFault).toBe(false);
    expect(e.message).toBe("SQS answered HTTP 500");
  });

  test("empty bodies", () => {
    const e400 = errorFromResponse(400, "", h());
    expect(e400.code).toBe("Http400");
    expect(e400.kind).toBe("permanent");
    expect(e400.message).toBe("SQS answered HTTP 400");
    const e503 = errorFromResponse(503, "   ", h());
    expect(e503.code).toBe("InternalFailure");
    expect(e503.retryable).toBe(true);
    const e429 = errorFromResponse(429, "", h());
    expect(e429.code).toBe("TooManyRequestsException");
    expect(e429.kind).toBe("throttling");
  });

  test("plain text bodies become the message", () => {
    const e = errorFromResponse(502, "Bad Gateway", h());
    expect(e.message).toBe("Bad Gateway");
    expect(e.kind).toBe("transient");
  });

  test("x-amzn-query-error legacy header gives code and fault side when the body has none", () => {
    const e = errorFromResponse(400, "", h({ "x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender" }));
    expect(e.code).toBe("QueueDoesNotExist");
    expect(isMissingQueue(e.code)).toBe(true);
    expect(e.senderFault).toBe(true);
    expect(e.kind).toBe("permanent");

    const r = errorFromResponse(500, "", h({ "x-amzn-query-error": "InternalError;Receiver" }));
    expect(r.code).toBe("InternalError");
    expect(r.senderFault).toBe(false);
    expect(r.kind).toBe("transient");

    const t = errorFromResponse(403, "", h({ "x-amzn-query-error": "RequestThrottled;Sender" }));
    expect(t.code).toBe("RequestThrottled");
    expect(t.kind).toBe("throttling");
  });

  test("the JSON code wins over the legacy header; the header still gives the fault side", () => {
    const e = errorFromResponse(
      400,
      JSON.stringify({ __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "gone" }),
      h({ "x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender" }),
    );
    expect(e.code).toBe("QueueDoesNotExist");
    expect(e.senderFault).toBe(true);
  });

  test("malformed JSON does not throw", () => {
    const e = errorFromResponse(500, "{not json", h());
    expect(e.code).toBe("InternalFailure");
    expect(e.message).toBe("{not json");
  });
});

describe("networkError", () => {
  test("a timeout is Timeout, transient, status 0", () => {
    const e = networkError(new DOMException("The operation timed out.", "TimeoutError"));
    expect(e.code).toBe("Timeout");
    expect(e.kind).toBe("transient");
    expect(e.retryable).toBe(true);
    expect(e.status).toBe(0);
    expect(e.senderFault).toBe(false);
    expect(networkError(new DOMException("aborted", "AbortError")).code).toBe("Timeout");
  });

  test("a refused connection is NetworkError, transient, naming the cause", async () => {
    const server = Bun.serve({ port: 0, fetch: () => new Response("x") });
    const port = server.port;
    await server.stop(true);
    let caught: unknown;
    try {
      await fetch(`http://127.0.0.1:${port}/`);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeDefined();
    const e = networkError(caught);
    expect(e.code).toBe("NetworkError");
    expect(e.kind).toBe("transient");
    expect(e.status).toBe(0);
    expect(e.message).toContain("cannot reach SQS");
    expect(e.message).toContain("ECONNREFUSED");
  });

  test("anything thrown, even a string, becomes NetworkError", () => {
    const e = networkError("boom");
    expect(e.code).toBe("NetworkError");
    expect(e.message).toContain("boom");
  });
});

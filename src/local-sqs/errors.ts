// SQS errors as local-sqs answers them: AWS JSON 1.0 body plus the `x-amzn-query-error` header SDKs read.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-api-responses.html
// Status and legacy (Query) codes follow the SQS Smithy model's @awsQueryError traits; errors the model
// does not list (InvalidParameterValue, MissingParameter, …) use their own name as the legacy code.

export class SqsFault extends Error {
  constructor(
    /** The JSON error code (`__type` after the `#`). */
    readonly code: string,
    message: string,
    readonly status = 400,
    /** The Query-protocol code SDKs expose (`x-amzn-query-error: <legacy>;Sender`). */
    readonly legacy: string = code,
    readonly sender = true,
    /** Namespace of `__type`: SQS's own, or the AWS front end's for protocol-level errors. */
    readonly namespace = "com.amazonaws.sqs",
  ) {
    super(message);
    this.name = "SqsFault";
  }
}

const coral = (code: string, message: string, status = 400, legacy = code, sender = true) =>
  new SqsFault(code, message, status, legacy, sender, "com.amazon.coral.service");

export const fault = {
  queueDoesNotExist: () =>
    new SqsFault("QueueDoesNotExist", "The specified queue does not exist.", 400, "AWS.SimpleQueueService.NonExistentQueue"),
  queueNameExists: (attribute: string) =>
    new SqsFault(
      "QueueNameExists",
      `A queue already exists with the same name and a different value for attribute ${attribute}`,
      400,
      "QueueAlreadyExists",
    ),
  queueDeletedRecently: () =>
    new SqsFault(
      "QueueDeletedRecently",
      "You must wait 60 seconds after deleting a queue before you can create another queue with the same name.",
      400,
      "AWS.SimpleQueueService.QueueDeletedRecently",
    ),
  purgeInProgress: (name: string) =>
    new SqsFault(
      "PurgeQueueInProgress",
      `Only one PurgeQueue operation on ${name} is allowed every 60 seconds.`,
      403,
      "AWS.SimpleQueueService.PurgeQueueInProgress",
    ),
  invalidParameterValue: (message: string) => new SqsFault("InvalidParameterValue", message),
  invalidValue: (name: string, value: unknown, reason: string) =>
    new SqsFault("InvalidParameterValue", `Value ${String(value)} for parameter ${name} is invalid. Reason: ${reason}`),
  missingParameter: (name: string) => new SqsFault("MissingParameter", `The request must contain the parameter ${name}.`),
  invalidAttributeName: (name: string) => new SqsFault("InvalidAttributeName", `Unknown Attribute ${name}.`),
  invalidAttributeValue: (name: string, why?: string) =>
    new SqsFault("InvalidAttributeValue", `Invalid value for the parameter ${name}.${why ? ` Reason: ${why}` : ""}`),
  invalidMessageContents: (message: string) => new SqsFault("InvalidMessageContents", message),
  receiptHandleIsInvalid: (handle: string) =>
    new SqsFault("ReceiptHandleIsInvalid", `The input receipt handle "${handle}" is not a valid receipt handle.`, 404),
  emptyBatch: (entryName: string) =>
    new SqsFault(
      "EmptyBatchRequest",
      `There should be at least one ${entryName} in the request.`,
      400,
      "AWS.SimpleQueueService.EmptyBatchRequest",
    ),
  tooManyEntries: (n: number) =>
    new SqsFault(
      "TooManyEntriesInBatchRequest",
      `Maximum number of entries per request are 10. You have sent ${n}.`,
      400,
      "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    ),
  idsNotDistinct: (id: string) =>
    new SqsFault("BatchEntryIdsNotDistinct", `Id ${id} repeated.`, 400, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"),
  invalidBatchEntryId: () =>
    new SqsFault(
      "InvalidBatchEntryId",
      "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
      400,
      "AWS.SimpleQueueService.InvalidBatchEntryId",
    ),
  batchTooLong: (limit: number, bytes: number) =>
    new SqsFault(
      "BatchRequestTooLong",
      `Batch requests cannot be longer than ${limit} bytes. You have sent ${bytes} bytes.`,
      400,
      "AWS.SimpleQueueService.BatchRequestTooLong",
    ),
  overLimit: (message: string) => new SqsFault("OverLimit", message, 403),
  unsupportedOperation: (message: string) =>
    new SqsFault("UnsupportedOperation", message, 400, "AWS.SimpleQueueService.UnsupportedOperation"),
  /** The --throttle-rate knob's answer: throttling as JSON services send it, legacy code as SQS's model names it. */
  throttled: () =>
    new SqsFault(
      "ThrottlingException",
      "Rate exceeded (local-sqs --throttle-rate)",
      400,
      "RequestThrottled",
      true,
      "com.amazon.coral.availability",
    ),
  internalError: (why = "We encountered an internal error. Please try again.") =>
    new SqsFault("InternalError", why, 500, "InternalError", false),
  missingAuthentication: () => coral("MissingAuthenticationToken", "Request is missing Authentication Token", 403),
  incompleteSignature: (why: string) => coral("IncompleteSignature", why, 403),
  unknownOperation: (target: string) =>
    coral("UnknownOperationException", `The action or operation requested is invalid: ${target || "(no X-Amz-Target)"}`),
  serialization: (message: string) => coral("SerializationException", message),
};

/** The HTTP answer for a fault, with the headers every SQS answer carries. */
export function faultResponse(f: SqsFault, requestId: string): Response {
  return new Response(JSON.stringify({ __type: `${f.namespace}#${f.code}`, message: f.message }), {
    status: f.status,
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amzn-requestid": requestId,
      "x-amzn-query-error": `${f.legacy};${f.sender ? "Sender" : "Receiver"}`,
    },
  });
}

/** A batch entry's failure, as `Failed[]` carries it (HTTP 200 for the request as a whole). */
export function batchFailure(id: string, f: SqsFault) {
  return { Id: id, SenderFault: f.sender, Code: f.legacy, Message: f.message };
}

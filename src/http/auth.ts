// Credentials for a request, and SQS failures of synchronous routes turned into HTTP answers.
import { credentialsFrom } from "../credentials/basic";
import type { Dispatcher } from "../delivery/types";
import { AppError, unauthorized } from "../errors";
import { isAuthFailure, isMissingQueue, SqsError } from "../sqs/errors";
import type { Credentials } from "../sqs/types";

export type CredentialsOf = (request: Request) => Credentials;

/**
 * The request's credentials, or a 401 that makes a browser ask for them (or `fallback`, in
 * --local mode). Presenting a key also releases spooled messages waiting for it.
 */
export function credentialsGate(dispatcher: Dispatcher, fallback?: Credentials): CredentialsOf {
  return (request) => {
    const creds = credentialsFrom(request.headers) ?? fallback;
    if (!creds) throw unauthorized("Give your AWS access key id and secret access key as HTTP Basic auth (user name : password).");
    dispatcher.offerCredentials(creds);
    return creds;
  };
}

/** Maps an SQS failure on a synchronous route (list, create, info, delete) to a status. */
export function fromSqs(err: unknown, queue?: string): AppError {
  if (!(err instanceof SqsError))
    return err instanceof AppError ? err : new AppError(500, "InternalError", "Unexpected failure talking to SQS.");
  if (isAuthFailure(err.code)) return new AppError(403, err.code, `SQS refused the credentials: ${err.message}`);
  if (isMissingQueue(err.code)) return new AppError(404, "QueueDoesNotExist", `Queue ${queue ?? ""} does not exist.`.replace("  ", " "));
  if (err.code === "QueueAlreadyExists" || err.code === "QueueNameExists" || err.code === "QueueDeletedRecently")
    return new AppError(409, err.code, err.message);
  if (err.retryable) {
    const status = err.kind === "throttling" ? 503 : 502;
    return new AppError(status, err.code, `SQS is not answering normally: ${err.message}`, { "retry-after": "1" });
  }
  return new AppError(400, err.code, err.message);
}

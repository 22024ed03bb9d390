// The few typed errors the HTTP layer turns into statuses; everything else is a 500.

/** An error with an HTTP status and a stable, machine-readable code. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const badRequest = (code: string, message: string) => new AppError(400, code, message);
export const notFound = (message: string) => new AppError(404, "NotFound", message);

export const unauthorized = (message: string) =>
  new AppError(401, "MissingCredentials", message, {
    "www-authenticate": 'Basic realm="SQS Accelerator - use SQS credentials"',
  });

export const forbidden = (code: string, message: string) => new AppError(403, code, message);

export const tooLarge = (limit: number) => new AppError(413, "MessageTooLarge", `The message body is larger than ${limit} bytes.`);

export const unavailable = (code: string, message: string, retryAfterSeconds = 1) =>
  new AppError(503, code, message, { "retry-after": String(retryAfterSeconds) });

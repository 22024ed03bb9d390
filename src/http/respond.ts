// Content negotiation and the two ways every answer is written: a page for browsers, JSON for programs.
import { AppError } from "../errors";
import { ErrorPage } from "../views/error";

/** Browsers ask for text/html; programs (curl, SDK-like clients) get JSON. */
export function wantsHtml(request: Request): boolean {
  const accept = request.headers.get("accept") ?? "";
  if (!accept.includes("text/html")) return false;
  const json = accept.indexOf("application/json");
  return json === -1 || accept.indexOf("text/html") < json;
}

const HTML = "text/html; charset=utf-8";

/** One answer in two shapes: `page()` is rendered only when the client wants HTML. */
export function respond(
  request: Request,
  status: number,
  json: unknown,
  page: () => JSX.Element,
  headers: Record<string, string> = {},
): Response {
  if (wantsHtml(request)) return new Response(page() as string, { status, headers: { "content-type": HTML, ...headers } });
  if (json === null) return new Response(null, { status, headers });
  return Response.json(json, { status, headers });
}

export function errorResponse(request: Request, err: AppError): Response {
  return respond(
    request,
    err.status,
    { error: { code: err.code, message: err.message } },
    () => ErrorPage({ status: err.status, code: err.code, message: err.message }),
    err.headers,
  );
}

/** Turns anything thrown in a handler into an AppError (unknown failures are 500s without details). */
export function asAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError(500, "InternalError", "Something went wrong inside the accelerator; see its log.");
}

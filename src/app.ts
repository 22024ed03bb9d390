// createApp(deps): the Elysia application with its guards, one error handler and the feature routes; never listens.
import { html } from "@elysiajs/html";
import { Elysia } from "elysia";
import type { Config } from "./config";
import type { Dispatcher } from "./delivery/types";
import { AppError, badRequest, notFound } from "./errors";
import { credentialsGate } from "./http/auth";
import { deadLetterRoutes } from "./http/dead-letters";
import { guard } from "./http/guard";
import { opsRoutes } from "./http/ops";
import { queueRoutes } from "./http/queues";
import { asAppError, errorResponse } from "./http/respond";
import type { Logger } from "./log";
import { silentLogger } from "./log";
import type { SqsClient } from "./sqs/client";
import type { Credentials } from "./sqs/types";
import { VERSION } from "./version";

export interface AppDeps {
  config: Pick<Config, "maxBodyBytes" | "allowedHosts">;
  sqs: SqsClient;
  dispatcher: Dispatcher;
  log?: Logger;
  now?: () => number;
  startedAt?: number;
  version?: string;
  /** Used when a request brings no credentials (only in --local mode, where any are accepted). */
  defaultCredentials?: Credentials;
}

export function createApp(deps: AppDeps) {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? silentLogger;
  const credentialsOf = credentialsGate(deps.dispatcher, deps.defaultCredentials);
  return (
    new Elysia({ name: "sqs-accelerator" })
      .use(html({ autoDetect: false }))
      .onRequest(({ request }) => {
        const refused = guard(request, deps.config.allowedHosts, deps.config.maxBodyBytes);
        if (refused) return errorResponse(request, refused);
      })
      // Registered before the feature plugins so it covers their routes.
      .onError(({ code, error, request }) => {
        let err: AppError;
        if (error instanceof AppError) err = error;
        else if (code === "NOT_FOUND") err = notFound(`No route ${request.method} ${new URL(request.url).pathname}.`);
        else if (code === "PARSE") err = badRequest("MalformedBody", "The request body could not be parsed for its content type.");
        else if (code === "VALIDATION") err = badRequest("InvalidParameterValue", "The request did not pass validation.");
        else {
          log.error("request failed", { method: request.method, path: new URL(request.url).pathname, error: String(error) });
          err = asAppError(error);
        }
        return errorResponse(request, err);
      })
      .use(
        opsRoutes({
          dispatcher: deps.dispatcher,
          version: deps.version ?? VERSION,
          startedAt: deps.startedAt ?? now(),
          now,
          local: deps.defaultCredentials !== undefined,
        }),
      )
      .use(queueRoutes({ config: deps.config, sqs: deps.sqs, dispatcher: deps.dispatcher, credentialsOf, now }))
      .use(deadLetterRoutes({ dispatcher: deps.dispatcher, sqs: deps.sqs, credentialsOf }))
  );
}

export type App = ReturnType<typeof createApp>;

// Routes for operators: home page, health, stats and message tracking.
/** @jsxImportSource @kitajs/html */
import { Elysia } from "elysia";
import type { Dispatcher } from "../delivery/types";
import { notFound } from "../errors";
import { HomePage, routeDocs } from "../views/home";
import { Layout } from "../views/layout";
import { MessagePage } from "../views/message";
import { StatsPage } from "../views/stats";
import { respond } from "./respond";

export interface OpsDeps {
  dispatcher: Dispatcher;
  version: string;
  startedAt: number;
  now: () => number;
  /** --local: the upstream is the embedded SQS-compatible server. */
  local?: boolean;
}

export const opsRoutes = ({ dispatcher, version, startedAt, now, local = false }: OpsDeps) =>
  new Elysia({ name: "ops" })
    .get("/", ({ request }) => {
      const base = new URL(request.url).origin;
      return respond(request, 200, { name: "sqs-accelerator", version, local, routes: routeDocs(base) }, () =>
        HomePage({ version, base, local }),
      );
    })
    .get("/health", ({ request }) => {
      const h = dispatcher.health();
      const body = {
        status: h.ok ? "ok" : "degraded",
        version,
        uptime_seconds: Math.round((now() - startedAt) / 1000),
        ...(h.reason ? { reason: h.reason } : {}),
      };
      return respond(request, 200, body, () => (
        <Layout title="Health">
          <h1>Health</h1>
          <pre safe>{JSON.stringify(body, null, 2)}</pre>
        </Layout>
      ));
    })
    .get("/stats", ({ request }) => {
      const stats = dispatcher.stats();
      return respond(request, 200, stats, () => StatsPage({ stats }));
    })
    .get("/messages/:id", ({ request, params }) => {
      const status = dispatcher.status(params.id);
      if (!status)
        throw notFound(
          `No message ${params.id} is known here (the newest 10,000 outcomes are kept, for up to an hour; dead letters until discarded).`,
        );
      return respond(request, 200, status, () => MessagePage({ status }));
    });

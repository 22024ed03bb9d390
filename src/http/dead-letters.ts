// Dead-letter routes: list them, retry one with the caller's credentials, or discard one.
import { Elysia } from "elysia";
import type { Dispatcher } from "../delivery/types";
import { badRequest, forbidden, notFound, unavailable } from "../errors";
import type { SqsClient } from "../sqs/client";
import { isValidQueueName } from "../sqs/limits";
import { DeadLetterDonePage, DeadLettersPage } from "../views/dead-letters";
import { type CredentialsOf, fromSqs } from "./auth";
import { respond, wantsHtml } from "./respond";

const BODIES_HIDDEN = "SQS cannot be reached to check the secret key: bodies are shown, and retry and discard work, once it can.";

const summary = (d: ReturnType<Dispatcher["deadLetters"]>["items"][number]) => ({
  id: d.id,
  queue: d.queue,
  reason: d.reason,
  attempts: d.attempts,
  accepted_at: new Date(d.acceptedAt).toISOString(),
  died_at: new Date(d.diedAt).toISOString(),
  access_key_id: d.accessKeyId,
  body_preview: d.entry.MessageBody.slice(0, 200),
});

export const deadLetterRoutes = ({
  dispatcher,
  sqs,
  credentialsOf,
}: {
  dispatcher: Dispatcher;
  sqs: SqsClient;
  credentialsOf: CredentialsOf;
}) => {
  /**
   * Dead letters hold bodies: their routes want a secret SQS accepts, not only a key id. While SQS
   * cannot be reached to check it, the list is shown without bodies and nothing can be changed.
   */
  const checked = async (request: Request) => {
    const creds = credentialsOf(request);
    const proof = await sqs.verifyCredentials(creds).catch((err) => {
      throw fromSqs(err);
    });
    return { creds, proven: proof === "proven" };
  };
  const proven = async (request: Request) => {
    const { creds, proven } = await checked(request);
    if (!proven) throw unavailable("CannotCheckCredentials", "SQS cannot be reached to check the secret key; try again shortly.", 5);
    return creds;
  };
  const discard = async (request: Request, id: string) => {
    const creds = await proven(request);
    const outcome = dispatcher.discardDead(id, creds.accessKeyId);
    if (outcome === "not-found") throw notFound(`No dead letter ${id}.`);
    if (outcome === "other-credentials")
      throw forbidden("OtherCredentials", "This message was sent with another access key id; discard it with that key.");
    return respond(request, wantsHtml(request) ? 200 : 204, null, () => DeadLetterDonePage({ id, what: "discarded" }));
  };
  return new Elysia({ name: "dead-letters", prefix: "/dead-letters" })
    .get("/", async ({ request, query }) => {
      const { creds, proven } = await checked(request);
      const queue = typeof query.queue === "string" && query.queue !== "" ? query.queue : undefined;
      if (queue && !isValidQueueName(queue)) throw badRequest("InvalidQueueName", "Not a queue name.");
      const limit = Math.min(1000, Math.max(1, Number(query.limit) || 100));
      const { total, items } = dispatcher.deadLetters({ accessKeyId: creds.accessKeyId, queue, limit });
      if (!proven)
        return respond(
          request,
          200,
          { total, dead_letters: items.map((d) => ({ ...summary(d), body_preview: null })), bodies_hidden: BODIES_HIDDEN },
          () => DeadLettersPage({ total, items, queue, bodiesHidden: BODIES_HIDDEN }),
        );
      return respond(request, 200, { total, dead_letters: items.map(summary) }, () => DeadLettersPage({ total, items, queue }));
    })
    .post("/:id/retry", async ({ request, params }) => {
      const creds = await proven(request);
      const outcome = await dispatcher.retryDead(params.id, creds);
      if (outcome === "not-found") throw notFound(`No dead letter ${params.id}.`);
      if (outcome === "other-credentials")
        throw forbidden("OtherCredentials", "This message was sent with another access key id; retry it with that key.");
      return respond(request, 202, { id: params.id, state: "pending" }, () => DeadLetterDonePage({ id: params.id, what: "retried" }), {
        location: `/messages/${params.id}`,
      });
    })
    .delete("/:id", ({ request, params }) => discard(request, params.id))
    .post(
      "/:id",
      async ({ request, params }) => {
        const form = new URLSearchParams(await request.text());
        if (form.get("_method")?.toUpperCase() !== "DELETE")
          throw badRequest("UnsupportedMethod", "POST here only discards (_method=DELETE).");
        return discard(request, params.id);
      },
      { parse: "none" },
    );
};

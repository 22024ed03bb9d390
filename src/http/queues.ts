// Queue routes: list, create, info, send (202 at once, delivered in the background) and delete.
import { Elysia } from "elysia";
import type { Config } from "../config";
import type { Dispatcher, Envelope } from "../delivery/types";
import { AppError, badRequest, notFound } from "../errors";
import type { SqsClient } from "../sqs/client";
import { isFifoName, isValidQueueName, parseIntIn } from "../sqs/limits";
import type { Credentials } from "../sqs/types";
import { ErrorPage } from "../views/error";
import { AcceptedPage } from "../views/message";
import { DeletedPage, QueuePage } from "../views/queue";
import { CreatedPage, QueuesPage } from "../views/queues";
import { type CredentialsOf, fromSqs } from "./auth";
import { batchFields, parseBatch, readBatchText } from "./batch-input";
import { respond, wantsHtml } from "./respond";
import { readSend, toEntry } from "./send-input";

export interface QueueDeps {
  config: Pick<Config, "maxBodyBytes">;
  sqs: SqsClient;
  dispatcher: Dispatcher;
  credentialsOf: CredentialsOf;
  now: () => number;
}

function checkName(name: string): string {
  if (!isValidQueueName(name))
    throw badRequest("InvalidQueueName", "Queue names are 1-80 letters, digits, hyphens and underscores, optionally ending in .fifo.");
  return name;
}

const CREATE_ATTRIBUTES: Array<[field: string, attribute: string, min: number, max: number]> = [
  ["visibility_timeout", "VisibilityTimeout", 0, 43_200],
  ["delay_seconds", "DelaySeconds", 0, 900],
  ["message_retention_period", "MessageRetentionPeriod", 60, 1_209_600],
  ["maximum_message_size", "MaximumMessageSize", 1_024, 1_048_576],
];

/** Reads the create form/JSON into a name and SQS attributes, every value validated. */
export function createInput(body: unknown): { name: string; attributes: Record<string, string> } {
  const b = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const name = typeof b.queue_name === "string" ? b.queue_name.trim() : "";
  if (!name) throw badRequest("MissingParameter", "queue_name is required.");
  checkName(name);
  const attributes: Record<string, string> = {};
  for (const [field, attribute, min, max] of CREATE_ATTRIBUTES) {
    const v = b[field];
    if (v === undefined || v === "" || v === null) continue;
    const n = parseIntIn(String(v), min, max);
    if (n === null) throw badRequest("InvalidAttributeValue", `${field} must be a whole number from ${min} to ${max}.`);
    attributes[attribute] = String(n);
  }
  if (isFifoName(name)) attributes.FifoQueue = "true";
  return { name, attributes };
}

async function sync<T>(work: () => Promise<T>, queue?: string): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw fromSqs(err, queue);
  }
}

export const queueRoutes = ({ config, sqs, dispatcher, credentialsOf, now }: QueueDeps) => {
  const deleteQueue = async (request: Request, creds: Credentials, name: string) => {
    await sync(() => sqs.deleteQueue(creds, name), name);
    // A browser gets a page saying so (a 204 would leave it on the deleted queue's page).
    return respond(request, wantsHtml(request) ? 200 : 204, null, () => DeletedPage({ name }));
  };
  return new Elysia({ name: "queues", prefix: "/queues" })
    .get("/", async ({ request }) => {
      const creds = credentialsOf(request);
      const queues = await sync(() => sqs.listQueues(creds));
      return respond(request, 200, { queues }, () => QueuesPage({ queues }));
    })
    .post("/", async ({ request, body }) => {
      const creds = credentialsOf(request);
      const { name, attributes } = createInput(body);
      const url = await sync(() => sqs.createQueue(creds, name, attributes), name);
      const location = `/queues/${encodeURIComponent(name)}`;
      return respond(request, 201, { name, url }, () => CreatedPage({ name }), { location });
    })
    .get("/:name", async ({ request, params }) => {
      const name = checkName(params.name);
      const creds = credentialsOf(request);
      const url = await sync(() => sqs.getQueueUrl(creds, name), name);
      const attributes = await sync(() => sqs.getQueueAttributes(creds, url), name).catch((err) => {
        sqs.forgetQueue(creds, name);
        throw err;
      });
      return respond(request, 200, { name, url, attributes }, () => QueuePage({ name, url, attributes }));
    })
    .delete("/:name", async ({ request, params }) => {
      const name = checkName(params.name);
      return deleteQueue(request, credentialsOf(request), name);
    })
    .post(
      "/:name/batch",
      async ({ request, params }) => {
        const started = performance.now();
        const name = checkName(params.name);
        const creds = credentialsOf(request);
        if (sqs.knownMissing(creds, name)) throw notFound(`Queue ${name} does not exist.`);
        const items = parseBatch(await readBatchText(request));
        const maxBytes = Math.min(config.maxBodyBytes, sqs.queueMaxBytes(creds, name) ?? Number.POSITIVE_INFINITY);
        const now0 = now();
        const envelopes: Envelope[] = [];
        const problems: Array<{ index: number; code: string; message: string }> = [];
        items.forEach((item, index) => {
          const id = Bun.randomUUIDv7();
          try {
            const { entry, bytes } = toEntry(name, id, batchFields(item), maxBytes);
            envelopes.push({ id, queue: name, creds, entry, bytes, acceptedAt: now0 });
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            problems.push({ index, code: err.code, message: err.message });
          }
        });
        if (problems.length > 0)
          return respond(
            request,
            400,
            {
              error: {
                code: "InvalidBatch",
                message: `${problems.length} of ${items.length} messages are invalid; none was accepted.`,
                entries: problems,
              },
            },
            () =>
              ErrorPage({
                status: 400,
                code: "InvalidBatch",
                message: problems.map((p) => `#${p.index}: ${p.code}: ${p.message}`).join("\n"),
              }),
          );
        await dispatcher.accept(envelopes);
        dispatcher.recordAck(performance.now() - started);
        const ids = envelopes.map((e) => e.id);
        return respond(request, 202, { queue: name, ids }, () => AcceptedPage({ id: ids.join(", "), queue: name }));
      },
      { parse: "none" },
    )
    .post(
      "/:name",
      async ({ request, params }) => {
        const started = performance.now();
        const name = checkName(params.name);
        const creds = credentialsOf(request);
        const input = await readSend(request, config.maxBodyBytes);
        if (input.fields.get("_method")?.toUpperCase() === "DELETE") {
          if (input.fields.get("confirm") !== "yes")
            throw badRequest("ConfirmationRequired", "Tick the confirmation box to delete the queue.");
          return deleteQueue(request, creds, name);
        }
        if (sqs.knownMissing(creds, name)) throw notFound(`Queue ${name} does not exist.`);
        const id = Bun.randomUUIDv7();
        const { entry, bytes } = toEntry(
          name,
          id,
          input,
          Math.min(config.maxBodyBytes, sqs.queueMaxBytes(creds, name) ?? Number.POSITIVE_INFINITY),
        );
        await dispatcher.accept([{ id, queue: name, creds, entry, bytes, acceptedAt: now() }]);
        dispatcher.recordAck(performance.now() - started);
        return respond(request, 202, { id, queue: name }, () => AcceptedPage({ id, queue: name }), {
          location: `/messages/${id}`,
        });
      },
      { parse: "none" },
    );
};

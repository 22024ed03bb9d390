// The home page: what the accelerator is and every route with a curl example.
/** @jsxImportSource @kitajs/html */
import { Layout } from "./layout";

export interface RouteDoc {
  method: string;
  path: string;
  what: string;
  curl: string;
}

export function routeDocs(base: string): RouteDoc[] {
  const auth = '-u "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"';
  return [
    { method: "GET", path: "/queues", what: "list queues", curl: `curl ${auth} ${base}/queues` },
    {
      method: "POST",
      path: "/queues",
      what: "create a queue (queue_name, visibility_timeout, delay_seconds, message_retention_period, maximum_message_size; a .fifo name makes a FIFO queue)",
      curl: `curl ${auth} -d queue_name=orders ${base}/queues`,
    },
    { method: "GET", path: "/queues/NAME", what: "queue attributes and a send form", curl: `curl ${auth} ${base}/queues/orders` },
    {
      method: "POST",
      path: "/queues/NAME",
      what: "send a message: answers 202 with its id at once, delivers in the background",
      curl: `curl ${auth} -H 'content-type: application/json' --data-binary '{"order":42}' ${base}/queues/orders`,
    },
    {
      method: "POST",
      path: "/queues/NAME/batch",
      what: "send many: a JSON array (or NDJSON) of {body, delay_seconds, group_id, deduplication_id, attributes}",
      curl: `curl ${auth} -H 'content-type: application/json' --data-binary '[{"body":"a"},{"body":"b"}]' ${base}/queues/orders/batch`,
    },
    { method: "DELETE", path: "/queues/NAME", what: "delete a queue", curl: `curl ${auth} -X DELETE ${base}/queues/orders` },
    {
      method: "GET",
      path: "/messages/ID",
      what: "where an accepted message is: pending, sent, dead or waiting-for-credentials",
      curl: `curl ${base}/messages/0190c5a2-…`,
    },
    {
      method: "GET",
      path: "/dead-letters",
      what: "your messages SQS would not take, with the reason",
      curl: `curl ${auth} ${base}/dead-letters`,
    },
    {
      method: "POST",
      path: "/dead-letters/ID/retry",
      what: "send a dead letter again",
      curl: `curl ${auth} -X POST ${base}/dead-letters/0190c5a2-…/retry`,
    },
    {
      method: "DELETE",
      path: "/dead-letters/ID",
      what: "discard a dead letter",
      curl: `curl ${auth} -X DELETE ${base}/dead-letters/0190c5a2-…`,
    },
    { method: "GET", path: "/stats", what: "counters and latency percentiles", curl: `curl ${base}/stats` },
    { method: "GET", path: "/health", what: "liveness, version and uptime (no credentials)", curl: `curl ${base}/health` },
  ];
}

export function HomePage({ version, base, local = false }: { version: string; base: string; local?: boolean }) {
  return (
    <Layout title="Home">
      <h1>SQS Accelerator</h1>
      <p>
        A local daemon that puts messages on Amazon SQS for your web app. POST a message here and get <code>202 Accepted</code> at once; the
        accelerator delivers it to SQS in the background, batched and retried.
      </p>
      {local ? (
        <p class="ok">
          Local mode: messages go to the SQS-compatible server built into this binary, not to AWS. No credentials are needed (any are
          accepted).
        </p>
      ) : (
        ""
      )}
      <p>
        Credentials: HTTP Basic auth with your AWS access key id as user name and secret access key as password (an optional{" "}
        <code>X-Amz-Security-Token</code> header carries a session token). The secret is never written to disk. Answers are HTML for
        browsers and JSON for programs (by <code>Accept</code>).
      </p>
      <p>
        <a href="/queues">Open the queues</a>
      </p>
      <h2>Routes</h2>
      <table>
        <thead>
          <tr>
            <th>Route</th>
            <th>What it does</th>
            <th>Example</th>
          </tr>
        </thead>
        <tbody>
          {routeDocs(base).map((r) => (
            <tr>
              <td>
                <code safe>{`${r.method} ${r.path}`}</code>
              </td>
              <td safe>{r.what}</td>
              <td>
                <code safe>{r.curl}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p safe>{`Version ${version}`}</p>
    </Layout>
  );
}

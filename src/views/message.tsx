// A message's receipt after a send, and its tracking page.
/** @jsxImportSource @kitajs/html */
import type { MessageStatus } from "../delivery/types";
import { Layout } from "./layout";

export function AcceptedPage({ id, queue }: { id: string; queue: string }) {
  return (
    <Layout title="Message accepted">
      <p class="ok">
        Accepted message <code safe>{id}</code> for queue <strong safe>{queue}</strong>. It is being delivered to SQS in the background.
      </p>
      <p>
        <a href={`/messages/${encodeURIComponent(id)}`}>Follow it</a> ·{" "}
        <a href={`/queues/${encodeURIComponent(queue)}`}>Back to the queue</a>
      </p>
    </Layout>
  );
}

export function MessagePage({ status }: { status: MessageStatus }) {
  const rows: Array<[string, string]> = [
    ["id", status.id],
    ["queue", status.queue],
    ["state", status.state === "waiting-for-credentials" ? `waiting for credentials for ${status.waitingFor ?? "?"}` : status.state],
    ["attempts", String(status.attempts)],
    ["accepted", new Date(status.acceptedAt).toISOString()],
    ["updated", new Date(status.updatedAt).toISOString()],
  ];
  if (status.sqsMessageId) rows.push(["SQS MessageId", status.sqsMessageId]);
  if (status.lastError) rows.push(["last error", status.lastError]);
  return (
    <Layout title="Message">
      <h1>Message</h1>
      <table id="message">
        <tbody>
          {rows.map(([k, v]) => (
            <tr>
              <th safe>{k}</th>
              <td safe>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}

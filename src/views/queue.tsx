// One queue: its attributes, a form to send a message, and a delete button behind a confirmation.
/** @jsxImportSource @kitajs/html */
import { Layout } from "./layout";

export function QueuePage({ name, url, attributes }: { name: string; url: string; attributes: Record<string, string> }) {
  const path = `/queues/${encodeURIComponent(name)}`;
  const fifo = attributes.FifoQueue === "true";
  return (
    <Layout title={name}>
      <h1 safe>{name}</h1>
      <p>
        URL: <code safe>{url}</code>
      </p>
      <table id="attributes">
        <tbody>
          {Object.entries(attributes)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => (
              <tr>
                <th safe>{k}</th>
                <td safe>{v}</td>
              </tr>
            ))}
        </tbody>
      </table>
      <form method="post" action={path} id="send">
        <h2>Send a message</h2>
        <label>
          Message body
          <textarea name="message_body" required />
        </label>
        {fifo ? (
          <label>
            Message group id <input type="text" name="message_group_id" required maxlength="128" />
          </label>
        ) : (
          <label>
            Delay (seconds) <input type="number" name="delay_seconds" min="0" max="900" />
          </label>
        )}
        <button type="submit">Send</button>
      </form>
      <form method="post" action={path} id="delete">
        <h2>Delete this queue</h2>
        <input type="hidden" name="_method" value="DELETE" />
        <label>
          <input type="checkbox" name="confirm" value="yes" required /> Yes, delete <strong safe>{name}</strong> and every message in it
        </label>
        <button type="submit" class="danger">
          Delete queue
        </button>
      </form>
    </Layout>
  );
}

export function DeletedPage({ name }: { name: string }) {
  return (
    <Layout title="Queue deleted">
      <p class="ok">
        Queue <strong safe>{name}</strong> deleted.
      </p>
      <p>
        <a href="/queues">Back to the queues</a>
      </p>
    </Layout>
  );
}

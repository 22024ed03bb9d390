// The queue list with links to each queue, and the form that creates one.
/** @jsxImportSource @kitajs/html */
import { Layout } from "./layout";

export function QueuesPage({ queues }: { queues: Array<{ name: string; url: string }> }) {
  return (
    <Layout title="Queues">
      <h1>Queues</h1>
      {queues.length === 0 ? (
        <p>No queues yet.</p>
      ) : (
        <ul id="queues">
          {queues.map((q) => (
            <li>
              <a href={`/queues/${encodeURIComponent(q.name)}`} safe>
                {q.name}
              </a>
            </li>
          ))}
        </ul>
      )}
      <form method="post" action="/queues">
        <h2>Create a queue</h2>
        <label>
          Name (letters, digits, - and _; end with <code>.fifo</code> for a FIFO queue){" "}
          <input type="text" name="queue_name" required pattern="[A-Za-z0-9_\-]{1,80}(\.fifo)?" maxlength="80" />
        </label>
        <label>
          Visibility timeout (seconds) <input type="number" name="visibility_timeout" min="0" max="43200" />
        </label>
        <label>
          Delay (seconds) <input type="number" name="delay_seconds" min="0" max="900" />
        </label>
        <label>
          Message retention (seconds) <input type="number" name="message_retention_period" min="60" max="1209600" />
        </label>
        <label>
          Largest message (bytes) <input type="number" name="maximum_message_size" min="1024" max="1048576" />
        </label>
        <button type="submit">Create queue</button>
      </form>
    </Layout>
  );
}

export function CreatedPage({ name }: { name: string }) {
  return (
    <Layout title="Queue created">
      <p class="ok">
        Queue <strong safe>{name}</strong> created.
      </p>
      <p>
        <a href={`/queues/${encodeURIComponent(name)}`}>Open it</a>
      </p>
    </Layout>
  );
}

// Dead letters: messages SQS would not take, with the reason, and buttons to retry or discard each.
/** @jsxImportSource @kitajs/html */
import type { DeadLetter } from "../delivery/spool";
import { Layout } from "./layout";

const preview = (body: string) => (body.length > 120 ? `${body.slice(0, 120)}…` : body);

export function DeadLettersPage({
  total,
  items,
  queue,
  bodiesHidden,
}: {
  total: number;
  items: DeadLetter[];
  queue?: string;
  /** Why bodies (and the buttons) are not shown, when they are not. */
  bodiesHidden?: string;
}) {
  return (
    <Layout title="Dead letters">
      <h1 safe>{`Dead letters${queue ? ` of ${queue}` : ""}`}</h1>
      <p safe>{`${total} in all${items.length < total ? `, newest ${items.length} shown` : ""}.`}</p>
      {bodiesHidden ? (
        <p class="warn" safe>
          {bodiesHidden}
        </p>
      ) : (
        ""
      )}
      {items.length === 0 ? (
        <p>None: every message so far was delivered or is still on its way.</p>
      ) : (
        <table id="dead-letters">
          <thead>
            <tr>
              <th>Message</th>
              <th>Queue</th>
              <th>Reason</th>
              <th>When</th>
              <th>Body</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr>
                <td>
                  <a href={`/messages/${encodeURIComponent(d.id)}`} safe>
                    {d.id}
                  </a>
                </td>
                <td safe>{d.queue}</td>
                <td safe>{d.reason}</td>
                <td safe>{new Date(d.diedAt).toISOString()}</td>
                <td>{bodiesHidden ? <em>hidden</em> : <code safe>{preview(d.entry.MessageBody)}</code>}</td>
                <td>
                  {bodiesHidden ? (
                    ""
                  ) : (
                    <>
                      <form method="post" action={`/dead-letters/${encodeURIComponent(d.id)}/retry`}>
                        <button type="submit">Retry</button>
                      </form>
                      <form method="post" action={`/dead-letters/${encodeURIComponent(d.id)}`}>
                        <input type="hidden" name="_method" value="DELETE" />
                        <button type="submit" class="danger">
                          Discard
                        </button>
                      </form>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

export function DeadLetterDonePage({ id, what }: { id: string; what: "retried" | "discarded" }) {
  return (
    <Layout title="Dead letter">
      <p class="ok" safe>{`Message ${id} ${what === "retried" ? "is queued for delivery again" : "was discarded"}.`}</p>
      <p>
        <a href="/dead-letters">Back to the dead letters</a>
      </p>
    </Layout>
  );
}

// A readable error page: status, SQS-style code and message, all escaped.
/** @jsxImportSource @kitajs/html */
import { Layout } from "./layout";

export function ErrorPage({ status, code, message }: { status: number; code: string; message: string }) {
  return (
    <Layout title={`Error ${status}`}>
      <h1 safe>{`${status} ${code}`}</h1>
      <p class="error" safe>
        {message}
      </p>
      <p>
        <a href="/queues">Back to the queues</a>
      </p>
    </Layout>
  );
}

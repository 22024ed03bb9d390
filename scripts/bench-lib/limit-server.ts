// Contender 1, "the limit": a bare Bun.serve that reads the same form body and answers 202 with a JSON id.
// It does nothing else, so it is the most any Bun server can do with this request on this machine.
// Usage: bun scripts/bench-lib/limit-server.ts PORT
export {};

const port = Number(process.argv[2]);
let accepted = 0;

Bun.serve({
  port,
  hostname: "127.0.0.1",
  development: false,
  async fetch(req) {
    const url = new URL(req.url);
    if (req.method === "GET") return Response.json({ accepted });
    const queue = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
    const form = new URLSearchParams(await req.text());
    if (form.get("message_body") === null) return Response.json({ error: "message_body is required" }, { status: 400 });
    accepted++;
    return Response.json({ id: Bun.randomUUIDv7(), queue }, { status: 202 });
  },
});

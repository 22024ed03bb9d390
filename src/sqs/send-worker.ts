// A worker thread that signs and sends SendMessage/SendMessageBatch, so the HTTP thread only accepts.
import { SqsClient } from "./client";
import { type SenderReply, type SenderRequest, toPlain, toWire } from "./remote-sender";

declare const self: Worker;

let client: SqsClient | undefined;

self.onmessage = async (event: MessageEvent<string>) => {
  const req = JSON.parse(event.data) as SenderRequest;
  if (req.op === "init") {
    client = new SqsClient(req.options);
    return;
  }
  let reply: SenderReply;
  try {
    if (!client) throw new Error("sender not initialised");
    if (req.op === "send") reply = { id: req.id, ok: true, result: await client.sendMessage(req.creds, req.url, req.entries[0]!) };
    else {
      const r = await client.sendMessageBatch(req.creds, req.url, req.entries);
      reply = {
        id: req.id,
        ok: true,
        batch: { successful: r.successful, failed: r.failed.map((f) => ({ id: f.id, error: toPlain(f.error) })) },
      };
    }
  } catch (err) {
    reply = { id: req.id, ok: false, error: toPlain(err) };
  }
  self.postMessage(toWire(reply));
};

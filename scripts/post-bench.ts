// The cost of handing a batch to the sender thread and getting its answer back, two ways in one run:
//   object  postMessage of the request object (structured clone), the answer likewise
//   json    postMessage of JSON.stringify(request) (what src/sqs/remote-sender.ts does), answer likewise
// Each round posts N requests of 10 entries shaped like SenderRequest and waits for every answer;
// it reports the CPU time of the posting (main) thread, from /proc (Linux), and of the process.
// Usage: bun scripts/post-bench.ts [--posts N] [--rounds N] [--body-bytes N]
import { readFileSync } from "node:fs";
import { countOptions, interleaved, median } from "./bench-lib/ab";

const {
  posts,
  rounds,
  "body-bytes": bodyBytes,
} = countOptions("Usage: bun scripts/post-bench.ts [--posts N, 50000] [--rounds N, 3] [--body-bytes N, 100]", {
  posts: 50_000,
  rounds: 3,
  "body-bytes": 100,
});

// The worker answers each request as the sender thread does: a reply with one result per entry.
const workerCode = `
self.onmessage = (e) => {
  const json = typeof e.data === "string";
  const req = json ? JSON.parse(e.data) : e.data;
  const successful = req.entries.map((_, i) => ({ id: String(i), MessageId: crypto.randomUUID(), MD5OfMessageBody: "0123456789abcdef0123456789abcdef" }));
  const reply = { id: req.id, ok: true, batch: { successful, failed: [] } };
  self.postMessage(json ? JSON.stringify(reply) : reply);
};`;
const worker = new Worker(URL.createObjectURL(new Blob([workerCode], { type: "application/javascript" })));

type Mode = "object" | "json";
const creds = { accessKeyId: "AKIDPOSTBENCH", secretAccessKey: "not-a-secret" };
const url = "http://127.0.0.1:9324/000000000000/bench";
const entries = Array.from({ length: 10 }, (_, i) => ({ MessageBody: `${"x".repeat(bodyBytes)}${i}` }));

/** CPU seconds of this thread (the main thread's id is the process id). */
function mainThreadCpu(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

async function once(mode: Mode): Promise<{ mainUs: number; processUs: number }> {
  let answered = 0;
  const done = new Promise<void>((resolve) => {
    worker.onmessage = (e: MessageEvent) => {
      const reply = mode === "json" ? JSON.parse(e.data as string) : e.data;
      if (reply.batch.successful.length !== entries.length) throw new Error("short reply");
      if (++answered === posts) resolve();
    };
  });
  const main0 = mainThreadCpu();
  const cpu0 = process.cpuUsage();
  for (let id = 0; id < posts; id++) {
    const req = { op: "batch", id, creds, url, entries };
    worker.postMessage(mode === "json" ? JSON.stringify(req) : req);
  }
  await done;
  const cpu = process.cpuUsage(cpu0);
  return { mainUs: ((mainThreadCpu() - main0) * 1e6) / posts, processUs: (cpu.user + cpu.system) / posts };
}

await once("json"); // warm-up
await once("object");
const results = await interleaved(
  ["object", "json"] as const,
  rounds,
  once,
  (x) => `main thread ${x.mainUs.toFixed(2)} µs, process ${x.processUs.toFixed(2)} µs CPU per batch`,
);
worker.terminate();
const m = (mode: Mode, k: "mainUs" | "processUs") => median(results[mode].map((x) => x[k]));
console.log(
  `\n${posts} batches of 10 × ${bodyBytes}-byte bodies there and back, medians of ${rounds}, CPU per batch: ` +
    `main thread json ${m("json", "mainUs").toFixed(2)} / object ${m("object", "mainUs").toFixed(2)} µs (× ${(m("json", "mainUs") / m("object", "mainUs")).toFixed(2)}); ` +
    `process ${m("json", "processUs").toFixed(2)} / ${m("object", "processUs").toFixed(2)} µs (× ${(m("json", "processUs") / m("object", "processUs")).toFixed(2)})`,
);

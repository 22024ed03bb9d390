// Measures the compiled binary's startup: spawn → first 202 on POST /queues/NAME, median of N runs.
// Usage: bun scripts/startup.ts [binary ...]   (default dist/sqs-accelerator)
export {};

const bins = process.argv.slice(2).length ? process.argv.slice(2) : ["dist/sqs-accelerator"];
const RUNS = 15;

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

async function once(bin: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const proc = Bun.spawn([bin, "--port", String(port), "--spool", "none", "--endpoint", "http://127.0.0.1:9", "--log-level", "error"], {
    stdout: "ignore",
    stderr: "ignore",
  });
  try {
    for (let i = 0; i < 2000; i++) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/queues/startup`, {
          method: "POST",
          headers: { authorization: `Basic ${btoa("AKIDSTARTUP:secret")}`, "content-type": "text/plain" },
          body: "hello",
        });
        if (r.status === 202) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await Bun.sleep(1);
    }
    throw new Error(`${bin} did not answer 202`);
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
  }
}

for (const bin of bins) {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await once(bin));
  times.sort((a, b) => a - b);
  console.log(
    `${bin}: spawn → first 202 median ${times[RUNS >> 1]!.toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms, max ${times[RUNS - 1]!.toFixed(1)} ms (${RUNS} runs)`,
  );
}

// The benchmark (issue #5): every contender on 127.0.0.1 in one run, interleaved round-robin, load from wrk;
// also --quick, --backlog, --scale and --layers.
// Writes Markdown and JSON to --out (default: a new directory under the system temp dir). See `scripts/bench --help`.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type BacklogResult, backlogMarkdown, backlogRun } from "./bench-lib/backlog";
import { cleanup, spawnChild } from "./bench-lib/proc";
import { fmt, type Machine, machine, machineLine, median, spread, table } from "./bench-lib/report";
import { basicAuth, benchCredentials, CONTENDERS, type ContenderDef, LAYERS, ROOT } from "./bench-lib/servers";
import { type SpotResult, spotCheck } from "./bench-lib/spot";
import { runTrial, type Trial, type TrialSettings } from "./bench-lib/trial";
import { ensureWrk } from "./bench-lib/wrk";

const HELP = `Usage: scripts/bench [--quick | --backlog | --scale | --layers] [options]

Runs on 127.0.0.1 only. Load comes from wrk (installed with apt-get if missing) with a Lua script that POSTs the
send form (message_body) with HTTP Basic auth. The SQS stand-in is the binary's own local-sqs --latency-ms 20, fresh
for every trial; moto is used for the correctness spot check.

Modes:
  (default)     contenders 1-6, interleaved round-robin over several rounds, then startup and the moto spot check
  --quick       a smoke test of the harness: 1 s per contender, contenders 1-3, one round, spot check of 200 messages
  --backlog     stand-in down for --outage s under steady Lua-paced load, then up again: memory, spool, drain, loss
  --scale       the durable accelerator with 1, 10, 100 queues x 1, 8 credentials
  --layers      where the gap to the limit goes: the limit, then Elysia, the accelerator's app, its durable spool
                (SQS unreachable) and delivery added one at a time (scripts/bench-lib/layer-server.ts), interleaved

Options:
  --out DIR             where contenders|backlog|scale|layers .md and .json go [a new directory under ${tmpdir()}]
  --bin PATH            the compiled daemon [dist/sqs-accelerator]
  --rounds N            rounds over the contenders [3; quick 1; scale 2]
  --duration S          measured seconds per trial [8; quick 1]
  --warmup S            unmeasured warm-up per trial [1; quick 0]
  --drain S             longest wait for a backlog to drain after a trial [10]
  --threads N           wrk threads [2]
  --connections N       wrk connections [32]
  --body-bytes N        message_body size [100]
  --latency-ms N        the stand-in's delay per request [20]
  --contenders LIST     e.g. 1,3,6 [1-6; quick 1-3]
  --spot-messages N     messages in the moto spot check [500; quick 200; 0 skips it]
  --no-startup          skip the startup measurement (bun scripts/startup.ts)
  --pin                 pin the contender to CPU 0, wrk and the stand-in to the other CPUs (taskset)
  --rate N              backlog run: messages per second [1000]; default mode: Lua-paced load of about N msg/s
                        instead of saturation, for ack latency at a steady rate (e.g. --rate 900 --connections 10)
  --outage S            backlog run: seconds the stand-in is down [60]
  --before S            backlog run: seconds of load before the outage, to reach a steady RSS baseline [30]
  -h, --help            this text

Contenders: 1 the limit (bare Bun.serve reading the form, 202 + id); 2 accelerator --spool none; 3 durable spool
(--fsync normal, the default); 4 --fsync always; 5 no accelerator (SendMessage per request, 202 after SQS answers);
6 the original design (accelerator --max-batch 1).
`;

const { values: a } = parseArgs({
  args: process.argv.slice(2),
  options: {
    quick: { type: "boolean" },
    backlog: { type: "boolean" },
    scale: { type: "boolean" },
    layers: { type: "boolean" },
    out: { type: "string" },
    bin: { type: "string" },
    rounds: { type: "string" },
    duration: { type: "string" },
    warmup: { type: "string" },
    drain: { type: "string" },
    threads: { type: "string" },
    connections: { type: "string" },
    "body-bytes": { type: "string" },
    "latency-ms": { type: "string" },
    contenders: { type: "string" },
    "spot-messages": { type: "string" },
    "no-startup": { type: "boolean" },
    pin: { type: "boolean" },
    rate: { type: "string" },
    outage: { type: "string" },
    before: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
  strict: true,
});

if (a.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

function num(name: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`bench: --${name} must be a number from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
}

const modes = [a.quick, a.backlog, a.scale, a.layers].filter(Boolean).length;
if (modes > 1) {
  console.error("bench: choose one of --quick, --backlog, --scale, --layers");
  process.exit(2);
}
const mode = a.quick ? "quick" : a.backlog ? "backlog" : a.scale ? "scale" : a.layers ? "layers" : "full";
if (a.contenders !== undefined && (a.backlog || a.scale || a.layers)) {
  console.error("bench: --contenders applies to the default mode and --quick");
  process.exit(2);
}
if (a.rate !== undefined && (a.quick || a.scale || a.layers)) {
  console.error("bench: --rate applies to the default mode and --backlog");
  process.exit(2);
}
const quick = mode === "quick";
const bin = resolve(a.bin ?? join(ROOT, "dist", "sqs-accelerator"));
const rounds = num("rounds", a.rounds, quick ? 1 : mode === "scale" ? 2 : 3, 1, 20);
const seconds = num("duration", a.duration, quick ? 1 : 8, 1, 120);
const warmup = num("warmup", a.warmup, quick ? 0 : 1, 0, 30);
const drain = num("drain", a.drain, 10, 1, 300);
const threads = num("threads", a.threads, 2, 1, 16);
const connections = num("connections", a.connections, 32, threads, 1000);
const bodyBytes = num("body-bytes", a["body-bytes"], 100, 1, 200_000);
const latencyMs = num("latency-ms", a["latency-ms"], 20, 0, 5000);
const spotMessages = num("spot-messages", a["spot-messages"], quick ? 200 : 500, 0, 100_000);
const chosen = (a.contenders ?? (quick ? "1,2,3" : "1,2,3,4,5,6")).split(",").map((x) => Number(x.trim()));
const contenders: ContenderDef[] = [];
for (const n of chosen) {
  const def = CONTENDERS.find((c) => c.n === n);
  if (!def) {
    console.error(`bench: no contender ${n} (1-6)`);
    process.exit(2);
  }
  contenders.push(def);
}

const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
const out = resolve(a.out ?? join(tmpdir(), `sqs-accelerator-bench-${stamp}`, "bench-results"));
if (out === ROOT) {
  console.error("bench: --out must not be the repository's top level; give a directory of its own");
  process.exit(2);
}
const log = (line: string) => console.error(line);
const command = `scripts/bench ${process.argv.slice(2).join(" ")}`.trim();

let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    log(`bench: ${sig}: stopping every process it started`);
    void cleanup().finally(() => process.exit(130));
  });

function ensureBinary(): void {
  if (existsSync(bin)) return;
  if (a.bin) throw new Error(`no binary at ${bin}`);
  log("bench: dist/sqs-accelerator is missing; building it (bun scripts/build.ts)");
  const r = Bun.spawnSync([process.execPath, "scripts/build.ts"], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  if (r.exitCode !== 0 || !existsSync(bin)) throw new Error("bun scripts/build.ts failed");
}

interface Startup {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
}

/** scripts/startup.ts's measurement (spawn → first 202, median of its runs), run as it is. */
async function startup(): Promise<Startup | null> {
  const child = spawnChild("startup", [process.execPath, join(ROOT, "scripts", "startup.ts"), bin], {
    stdout: "pipe",
    stderr: "pipe",
    cwd: ROOT,
  });
  const [text, err] = await Promise.all([
    new Response(child.proc.stdout as ReadableStream).text(),
    new Response(child.proc.stderr as ReadableStream).text(),
  ]);
  await child.proc.exited;
  await child.kill();
  const m = /median ([\d.]+) ms, min ([\d.]+) ms, max ([\d.]+) ms \((\d+) runs\)/.exec(text);
  if (!m) {
    log(`bench: scripts/startup.ts gave no result: ${text}${err}`.slice(0, 2000));
    return null;
  }
  return { medianMs: Number(m[1]), minMs: Number(m[2]), maxMs: Number(m[3]), runs: Number(m[4]) };
}

function write(name: string, md: string, json: unknown): void {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${name}.md`), `${md}\n`);
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  log(`bench: wrote ${join(out, `${name}.md`)} and ${name}.json`);
  process.stdout.write(`${md}\n`);
}

interface Summary {
  contender: number;
  key: string;
  name: string;
  rounds: number;
  acceptedPerSec: number | null;
  acceptedPerSecRange: { min: number; max: number } | null;
  ackP50: number | null;
  ackP99: number | null;
  ackP999: number | null;
  deliveryP50: number | null;
  deliveryP99: number | null;
  requestsPerMessage: number | null;
  messagesPerRequest: number | null;
  cpuPer10k: number | null;
  cpuEstimated: boolean;
  deliveryCpuPer10k: number | null;
  peakRssMiB: number | null;
  non2xx: number;
  socketErrors: number;
  allDrained: boolean;
  /** Seconds from the end of the load until everything accepted was delivered (median; the drain limit when it was not). */
  drainSeconds: number | null;
}

function summarize(def: { n: number; key: string; name: string }, ts: Trial[]): Summary {
  const mpr = median(ts.map((t) => t.messagesPerRequest));
  return {
    contender: def.n,
    key: def.key,
    name: def.name,
    rounds: ts.length,
    acceptedPerSec: median(ts.map((t) => t.acceptedPerSec)),
    acceptedPerSecRange: spread(ts.map((t) => t.acceptedPerSec)),
    ackP50: median(ts.map((t) => t.ackMs.p50)),
    ackP99: median(ts.map((t) => t.ackMs.p99)),
    ackP999: median(ts.map((t) => t.ackMs.p999)),
    deliveryP50: median(ts.map((t) => t.deliveryMs?.p50)),
    deliveryP99: median(ts.map((t) => t.deliveryMs?.p99)),
    requestsPerMessage: mpr === null ? null : Math.round((1 / mpr) * 1000) / 1000,
    messagesPerRequest: mpr,
    cpuPer10k: median(ts.map((t) => t.cpu.per10k)),
    cpuEstimated: ts.some((t) => t.cpu.estimated),
    deliveryCpuPer10k: median(ts.map((t) => t.cpu.deliveryPer10k)),
    peakRssMiB: median(ts.map((t) => t.peakRssMiB)),
    non2xx: ts.reduce((x, t) => x + t.non2xx, 0),
    socketErrors: ts.reduce((x, t) => x + t.socketErrors, 0),
    allDrained: ts.every((t) => t.drained),
    drainSeconds: median(ts.map((t) => t.drainSeconds)),
  };
}

function contenderTable(sums: Summary[]): string {
  return table(
    [
      "#",
      "contender",
      "accepted msg/s",
      "ack p50 ms",
      "ack p99 ms",
      "ack p99.9 ms",
      "delivery p50 ms",
      "delivery p99 ms",
      "backlog left, drained in s",
      "SQS requests / msg",
      "CPU s / 10k msgs",
      "peak RSS MiB",
      "non-2xx",
    ],
    sums.map((s) => [
      String(s.contender),
      s.name,
      `${fmt(s.acceptedPerSec)}${s.acceptedPerSecRange && s.rounds > 1 ? ` (${fmt(s.acceptedPerSecRange.min)}–${fmt(s.acceptedPerSecRange.max)})` : ""}`,
      fmt(s.ackP50, 2),
      fmt(s.ackP99, 2),
      fmt(s.ackP999, 2),
      fmt(s.deliveryP50, 1),
      fmt(s.deliveryP99, 1),
      s.key === "limit" || s.key === "direct" ? "–" : s.allDrained ? fmt(s.drainSeconds, 1) : `> ${fmt(drain, 0)}`,
      s.requestsPerMessage === null ? "–" : `${fmt(s.requestsPerMessage, 3)} (${fmt(s.messagesPerRequest, 2)} msgs/req)`,
      `${fmt(s.cpuPer10k, 2)}${s.cpuEstimated ? "*" : ""}`,
      fmt(s.peakRssMiB, 1),
      fmt(s.non2xx + s.socketErrors),
    ]),
    ["r", "l"],
  );
}

interface Ratio {
  name: string;
  target: string;
  value: number | null;
  perRound: number[];
  met: boolean | null;
}

/** `paced`: the offered rate of a --rate run; the targets are set at saturation, so its ratios are context only. */
function ratios(trials: Trial[], rounds: number, boot: Startup | null, paced?: number): Ratio[] {
  const by = (round: number, key: string) => trials.find((t) => t.round === round && t.key === key);
  const paired = (f: (r: number) => number | null | undefined) => {
    const vs: number[] = [];
    for (let r = 1; r <= rounds; r++) {
      const v = f(r);
      if (typeof v === "number" && Number.isFinite(v)) vs.push(Math.round(v * 1000) / 1000);
    }
    return vs;
  };
  const mk = (name: string, target: string, perRound: number[], ok: (v: number) => boolean): Ratio => {
    const value = median(perRound);
    return {
      name,
      target,
      value: value === null ? null : Math.round(value * 1000) / 1000,
      perRound,
      met: value === null ? null : ok(value),
    };
  };
  const out: Ratio[] = [
    mk(
      "durable spool accepted/s ÷ limit accepted/s",
      "≥ 0.9",
      paired((r) => (by(r, "normal")?.acceptedPerSec ?? Number.NaN) / (by(r, "limit")?.acceptedPerSec ?? Number.NaN)),
      (v) => v >= 0.9,
    ),
    mk(
      "durable spool ack p99 ÷ limit ack p99",
      "≤ 1.5",
      paired((r) => (by(r, "normal")?.ackMs.p99 ?? Number.NaN) / (by(r, "limit")?.ackMs.p99 ?? Number.NaN)),
      (v) => v <= 1.5,
    ),
    mk(
      "durable spool messages per SQS request at saturation",
      "≥ 9.5",
      paired((r) => by(r, "normal")?.messagesPerRequest),
      (v) => v >= 9.5,
    ),
    mk(
      "durable spool CPU per message ÷ original design (--max-batch 1)",
      "≤ 0.2",
      paired((r) => (by(r, "normal")?.cpu.per10k ?? Number.NaN) / (by(r, "nobatch")?.cpu.per10k ?? Number.NaN)),
      (v) => v <= 0.2,
    ),
    mk(
      "delivery CPU alone: durable spool ÷ original design",
      "(context)",
      paired((r) => (by(r, "normal")?.cpu.deliveryPer10k ?? Number.NaN) / (by(r, "nobatch")?.cpu.deliveryPer10k ?? Number.NaN)),
      () => true,
    ),
    mk(
      "no accelerator ack p99 ÷ durable spool ack p99",
      "(context)",
      paired((r) => (by(r, "direct")?.ackMs.p99 ?? Number.NaN) / (by(r, "normal")?.ackMs.p99 ?? Number.NaN)),
      () => true,
    ),
  ];
  if (boot)
    out.push({
      name: "startup of the compiled binary to first 202 (ms, median)",
      target: "≤ 100",
      value: boot.medianMs,
      perRound: [],
      met: boot.medianMs <= 100,
    });
  const shown = out.filter((r) => r.value !== null);
  if (paced === undefined) return shown;
  return shown.map((r) => ({
    ...r,
    ...(r.perRound.length === 0
      ? {}
      : {
          name: r.name.replace(" at saturation", ""),
          target: r.target.startsWith("(") ? r.target : `(paced at ~${paced} msg/s; the target ${r.target} is at saturation)`,
          met: null,
        }),
  }));
}

function ratioTable(rs: Ratio[]): string {
  return table(
    ["measure (same run)", "target", "measured", "per round", "met"],
    rs.map((r) => [
      r.name,
      r.target,
      fmt(r.value, r.value !== null && r.value >= 100 ? 1 : 3),
      r.perRound.join(", ") || "–",
      r.target.startsWith("(") ? "–" : r.met ? "yes" : "**no**",
    ]),
    ["l", "l", "r", "l", "l"],
  );
}

function spotLine(s: SpotResult | null): string {
  if (!s) return "Spot check: skipped.";
  return (
    `Spot check against moto (durable spool): ${s.acknowledged} messages acknowledged with 202, ${s.received} distinct bodies read back ` +
    `with ReceiveMessage, ${s.missing} missing, ${s.duplicates} duplicates, ${s.unacknowledgedExtras} unacknowledged extras ` +
    `(accelerator /stats: accepted ${s.accepted}, sent ${s.sent}): **${s.ok ? "every acknowledged message arrived" : "FAILED"}**.`
  );
}

/** The commit measured: the repository's HEAD (plus a note when src/ or scripts/ differ from it), or $BENCH_COMMIT. */
function revision(): string {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  const head = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: ROOT, stdout: "pipe", stderr: "ignore" });
  if (head.exitCode !== 0) return "unknown";
  const changed = (dir: string) =>
    Bun.spawnSync(["git", "status", "--porcelain", "--", dir], { cwd: ROOT, stdout: "pipe", stderr: "ignore" }).stdout.toString().trim() !==
    "";
  const dirty = ["src", "scripts"].filter(changed);
  return `${head.stdout.toString().trim()}${dirty.length ? `+changes in ${dirty.map((d) => `${d}/`).join(" and ")}` : ""}`;
}

function binVersion(): string {
  const r = Bun.spawnSync([bin, "--version"], { stdout: "pipe", stderr: "ignore" });
  return r.stdout.toString().trim();
}

const code = { commit: revision(), binary: bin, version: "" };

function header(title: string, m: Machine, date: string, settings: string): string {
  return (
    `## ${title}\n\n- Machine: ${machineLine(m, date)}\n- Code: commit ${code.commit}, ${code.version || "binary"} (${code.binary})\n` +
    `- Command: \`${command}\`\n- ${settings}\n`
  );
}

/** Trials as the command line sets them, with one queue and one set of credentials. */
function trialSettings(extra: Partial<TrialSettings> = {}): TrialSettings {
  const creds = benchCredentials(1);
  return {
    bin,
    seconds,
    warmupSeconds: warmup,
    drainSeconds: drain,
    threads,
    connections,
    bodyBytes,
    latencyMs,
    queues: ["bench"],
    creds,
    auths: creds.map(basicAuth),
    ...(a.pin ? { pin: { server: "0", load: `1-${Math.max(1, navigator.hardwareConcurrency - 1)}` } } : {}),
    ...extra,
  };
}

/** Every def once a round, starting one place later each round, so none always runs first or last. */
async function roundRobin(defs: ContenderDef[], settings: TrialSettings): Promise<Trial[]> {
  const trials: Trial[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (let k = 0; k < defs.length; k++) {
      trials.push(await runTrial(defs[(k + round - 1) % defs.length]!, round, settings, log));
      await Bun.sleep(300); // let the killed processes' memory and sockets go before the next trial
    }
  }
  return trials;
}

async function contendersMode(): Promise<boolean> {
  // Paced: each connection waits before each request, so the connections together offer about `rate` msg/s.
  const rate = a.rate === undefined ? undefined : num("rate", a.rate, 1000, 1, 100_000);
  const delayMs = rate === undefined ? undefined : Math.max(1, Math.round((1000 * connections) / rate));
  const settings = trialSettings(delayMs ? { delayMs } : {});
  const creds = settings.creds;
  const m = machine();
  const date = new Date().toISOString();
  const started = performance.now();
  log(`bench: ${mode} mode, ${contenders.length} contenders × ${rounds} round(s) × ${seconds} s; results to ${out}`);
  const trials = await roundRobin(contenders, settings);
  const boot = quick || a["no-startup"] ? null : await startup();
  if (boot) log(`  startup: spawn → first 202 median ${boot.medianMs} ms (${boot.runs} runs)`);
  const spot = spotMessages > 0 ? await spotCheck({ bin, messages: spotMessages, creds: creds[0]! }, log) : null;
  const sums = contenders.map((def) =>
    summarize(
      def,
      trials.filter((t) => t.key === def.key),
    ),
  );
  const rs = ratios(trials, rounds, boot, rate);
  const loadAfter = machine().loadavg;
  const md = [
    header(
      "SQS Accelerator benchmark",
      m,
      date,
      `Settings: ${rounds} round(s), contenders interleaved round-robin; ${seconds} s measured per trial after ${warmup} s warm-up; ` +
        `wrk -t${threads} -c${connections}${delayMs ? ` paced by Lua (each connection waits ${delayMs} ms before each request: ~${rate} msg/s offered, so accepted/s ratios only say who kept up)` : ""}, form POST with a ${bodyBytes}-byte message_body; SQS stand-in: local-sqs --latency-ms ${latencyMs}, fresh per trial` +
        `${a.pin ? "; contender pinned to CPU 0, wrk and stand-in to the others" : ""}. Load average after: ${loadAfter.join(" / ")}.`,
    ),
    contenderTable(sums),
    "",
    "Medians over rounds (accepted msg/s shows the range). Ack latency is wrk's (client side, closed loop). Delivery latency " +
      "(accept → SQS confirmed) is the accelerator's /stats window of its last ≤ 8192 deliveries at the end of the trial (contender 5 answers " +
      "after SQS, so its delivery latency is its ack latency); when the run leaves a backlog (accepting outpaced delivery), it is mostly time spent " +
      "waiting in that backlog, which the next column says how long took to drain after the load stopped. SQS requests per message = upstreamRequests ÷ sent over the run and its drain. " +
      "CPU is the contender process's utime + stime (/proc/PID/stat) for accepting and delivering the run's messages; " +
      `* = the backlog had not drained ${drain} s after the run, so accept and delivery costs were separated (CPU = a·accepted + d·sent, d from the drain phase).`,
    "",
    ratioTable(rs),
    "",
    spotLine(spot),
  ].join("\n");
  write("contenders", md, {
    mode,
    command,
    date,
    code,
    machine: { ...m, loadavgAfter: loadAfter },
    settings: {
      rounds,
      seconds,
      warmup,
      drain,
      threads,
      connections,
      ...(rate ? { rate, delayMs } : {}),
      bodyBytes,
      latencyMs,
      pin: Boolean(a.pin),
      bin,
    },
    contenders: sums,
    trials,
    ratios: rs,
    startup: boot,
    spot,
    seconds: Math.round((performance.now() - started) / 1000),
  });
  return spot === null || spot.ok;
}

async function scaleMode(): Promise<boolean> {
  const m = machine();
  const date = new Date().toISOString();
  const configs: Array<{ queues: number; creds: number }> = [];
  for (const q of [1, 10, 100]) for (const c of [1, 8]) configs.push({ queues: q, creds: c });
  const normal = CONTENDERS.find((c) => c.key === "normal")!;
  const trials: Array<Trial & { queues: number; credentials: number }> = [];
  log(`bench: scale mode, ${configs.length} configurations × ${rounds} round(s) × ${seconds} s; results to ${out}`);
  for (let round = 1; round <= rounds; round++) {
    for (let k = 0; k < configs.length; k++) {
      const cfg = configs[(k + round - 1) % configs.length]!;
      const creds = benchCredentials(cfg.creds);
      log(`  ${cfg.queues} queue(s) × ${cfg.creds} credential(s):`);
      const t = await runTrial(
        normal,
        round,
        trialSettings({
          drainSeconds: Math.max(drain, 30),
          queues: Array.from({ length: cfg.queues }, (_, i) => `bench-${i}`),
          creds,
          auths: creds.map(basicAuth),
        }),
        log,
      );
      trials.push({ ...t, queues: cfg.queues, credentials: cfg.creds });
      await Bun.sleep(300);
    }
  }
  const rows = configs.map((cfg) => {
    const ts = trials.filter((t) => t.queues === cfg.queues && t.credentials === cfg.creds);
    const mpr = median(ts.map((t) => t.messagesPerRequest));
    return {
      queues: cfg.queues,
      credentials: cfg.creds,
      lanes: cfg.queues * cfg.creds,
      acceptedPerSec: median(ts.map((t) => t.acceptedPerSec)),
      ackP99: median(ts.map((t) => t.ackMs.p99)),
      messagesPerRequest: mpr,
      requestsPerMessage: mpr ? Math.round((1 / mpr) * 1000) / 1000 : null,
      cpuPer10k: median(ts.map((t) => t.cpu.per10k)),
      cpuEstimated: ts.some((t) => t.cpu.estimated),
      deliveryP99: median(ts.map((t) => t.deliveryMs?.p99)),
      drainSeconds: median(ts.map((t) => t.drainSeconds)),
      peakRssMiB: median(ts.map((t) => t.peakRssMiB)),
    };
  });
  const md = [
    header(
      "SQS Accelerator scale run (durable spool, --fsync normal)",
      m,
      date,
      `Settings: ${rounds} round(s), configurations interleaved; ${seconds} s per trial after ${warmup} s warm-up; wrk -t${threads} -c${connections}; ` +
        `each request picks the next (queue, credential) pair from Lua; stand-in local-sqs --latency-ms ${latencyMs}.`,
    ),
    table(
      [
        "queues",
        "credentials",
        "lanes",
        "accepted msg/s",
        "ack p99 ms",
        "SQS requests / msg",
        "msgs / request",
        "CPU s / 10k msgs",
        "delivery p99 ms",
        "drain after run s",
        "peak RSS MiB",
      ],
      rows.map((r) => [
        String(r.queues),
        String(r.credentials),
        String(r.lanes),
        fmt(r.acceptedPerSec),
        fmt(r.ackP99, 2),
        fmt(r.requestsPerMessage, 3),
        fmt(r.messagesPerRequest, 2),
        `${fmt(r.cpuPer10k, 2)}${r.cpuEstimated ? "*" : ""}`,
        fmt(r.deliveryP99, 1),
        fmt(r.drainSeconds, 1),
        fmt(r.peakRssMiB, 1),
      ]),
    ),
    "",
    "Medians over rounds. * = estimated from the two phases (the backlog had not drained in time).",
  ].join("\n");
  write("scale", md, {
    mode,
    command,
    date,
    machine: { ...m, loadavgAfter: machine().loadavg },
    settings: { rounds, seconds, warmup, threads, connections, bodyBytes, latencyMs },
    rows,
    trials,
  });
  return true;
}

/**
 * The limit, then one part of the accelerator's work added at a time (LAYERS), interleaved like the
 * contenders, each as a ratio to the limit in the same round: where the gap to the limit goes.
 */
async function layersMode(): Promise<boolean> {
  const m = machine();
  const date = new Date().toISOString();
  const settings = trialSettings();
  log(`bench: layers mode, ${LAYERS.length} layers × ${rounds} round(s) × ${seconds} s; results to ${out}`);
  const trials = await roundRobin(LAYERS, settings);
  const limitIn = (round: number) => trials.find((t) => t.round === round && t.key === "limit")?.acceptedPerSec;
  const rows = LAYERS.map((def) => {
    const ts = trials.filter((t) => t.key === def.key);
    const perRound = ts
      .map((t) => t.acceptedPerSec / (limitIn(t.round) ?? Number.NaN))
      .filter(Number.isFinite)
      .map((v) => Math.round(v * 1000) / 1000);
    const per10k = median(ts.map((t) => t.cpu.per10k));
    return {
      layer: def.n,
      key: def.key,
      name: def.name,
      acceptedPerSec: median(ts.map((t) => t.acceptedPerSec)),
      acceptedPerSecRange: spread(ts.map((t) => t.acceptedPerSec)),
      ofLimit: median(perRound),
      ofLimitPerRound: perRound,
      cpuMicrosPerMessage: per10k === null ? null : Math.round(per10k * 1000) / 10,
      cpuEstimated: ts.some((t) => t.cpu.estimated),
      ackP99: median(ts.map((t) => t.ackMs.p99)),
      non2xx: ts.reduce((x, t) => x + t.non2xx, 0),
      socketErrors: ts.reduce((x, t) => x + t.socketErrors, 0),
    };
  });
  const md = [
    header(
      "SQS Accelerator layers: from the limit to the accelerator",
      m,
      date,
      `Settings: ${rounds} round(s), layers interleaved round-robin; ${seconds} s measured per trial after ${warmup} s warm-up; wrk -t${threads} -c${connections}, form POST with a ${bodyBytes}-byte message_body; layer 5 delivers to local-sqs --latency-ms ${latencyMs}, fresh per trial. Load average after: ${machine().loadavg.join(" / ")}.`,
    ),
    table(
      ["#", "layer", "accepted msg/s", "÷ limit (same round)", "per round", "CPU µs / msg", "ack p99 ms", "non-2xx", "socket errors"],
      rows.map((r) => [
        String(r.layer),
        r.name,
        `${fmt(r.acceptedPerSec)}${r.acceptedPerSecRange && rounds > 1 ? ` (${fmt(r.acceptedPerSecRange.min)}–${fmt(r.acceptedPerSecRange.max)})` : ""}`,
        fmt(r.ofLimit, 3),
        r.ofLimitPerRound.join(", ") || "–",
        `${fmt(r.cpuMicrosPerMessage, 1)}${r.cpuEstimated ? "*" : ""}`,
        fmt(r.ackP99, 2),
        fmt(r.non2xx),
        fmt(r.socketErrors),
      ]),
      ["r", "l"],
    ),
    "",
    "Medians over rounds. CPU is the server process's utime + stime per accepted message; layer 5's includes delivering them" +
      `${rows.some((r) => r.cpuEstimated) ? ` (* = split into accept and delivery costs, its backlog not drained ${drain} s after the run)` : ""}. ` +
      "Layers 2–4 are scripts/bench-lib/layer-server.ts run by Bun from the source, layer 5 the compiled binary (built with --bytecode; " +
      "the same code, compiled ahead instead of at start).",
  ].join("\n");
  write("layers", md, {
    mode,
    command,
    date,
    code,
    machine: { ...m, loadavgAfter: machine().loadavg },
    settings: { rounds, seconds, warmup, drain, threads, connections, bodyBytes, latencyMs, bin },
    layers: rows,
    trials,
  });
  return rows.every((r) => r.acceptedPerSec !== null && r.acceptedPerSec > 0 && r.non2xx === 0);
}

async function backlogMode(): Promise<boolean> {
  const m = machine();
  const date = new Date().toISOString();
  const rate = num("rate", a.rate, 1000, 1, 100_000);
  const outage = num("outage", a.outage, 60, 1, 600);
  // RSS still climbs for the first ~15 s under load (JIT, heap sizing): the baseline is taken after that.
  const before = num("before", a.before, 30, 5, 600);
  log(`bench: backlog mode, ${rate} msg/s, stand-in down for ${outage} s; results to ${out}`);
  const r: BacklogResult = await backlogRun(
    {
      bin,
      rate,
      connections: Math.min(connections, 10),
      beforeSeconds: before,
      outageSeconds: outage,
      afterSeconds: 30,
      latencyMs,
      bodyBytes,
      creds: benchCredentials(1)[0]!,
    },
    log,
  );
  const md = [
    header(
      "SQS Accelerator backlog run (durable spool, --fsync normal)",
      m,
      date,
      `Settings: Lua-paced wrk at ~${rate} msg/s for ${before} s with the stand-in up, ${outage} s with it down (killed), 30 s after it is started again on the same port with its data kept; samples every second.`,
    ),
    backlogMarkdown(r),
  ].join("\n");
  write("backlog", md, { mode, command, date, code, machine: { ...m, loadavgAfter: machine().loadavg }, ...r });
  return r.nothingLost;
}

let ok = false;
try {
  ensureBinary();
  code.version = binVersion();
  await ensureWrk();
  ok =
    mode === "backlog"
      ? await backlogMode()
      : mode === "scale"
        ? await scaleMode()
        : mode === "layers"
          ? await layersMode()
          : await contendersMode();
} catch (err) {
  console.error(`bench: ${(err as Error).stack ?? err}`);
} finally {
  await cleanup();
}
process.exit(ok ? 0 : 1);

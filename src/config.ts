// loadConfig(argv, env): turns flags and environment into one validated Config, listing every problem.
import { parseLocalSqsArgs } from "./local-sqs/args";
import type { LocalSqsOptions } from "./local-sqs/server";
import { LOG_LEVELS, type LogLevel } from "./log";
import { MAX_BODY_BYTES } from "./sqs/limits";

export interface Config {
  /** Run the embedded SQS-compatible server in-process and deliver to it (`--local`). */
  local: boolean;
  /** Sign and send to SQS from a worker thread, off the HTTP thread ("on") or on it ("off"). */
  senderThread: "on" | "off";
  port: number;
  host: string;
  region: string;
  endpoint: string;
  /** Directory of the durable spool, or null for the in-memory mode (`--spool none`). */
  spool: string | null;
  fsync: "normal" | "always";
  logLevel: LogLevel;
  /** Extra Host header names accepted besides loopback names and the bound host. */
  allowedHosts: string[];
  maxBodyBytes: number;
  maxInflight: number;
  maxBatch: number;
  lingerMs: number;
  maxPending: number;
  maxSpoolBytes: number;
  upstreamTimeoutMs: number;
  drainTimeoutMs: number;
  maxRetryAgeMs: number;
  retryBaseMs: number;
  throttleBaseMs: number;
  retryCapMs: number;
}

type Kind = "int" | "string" | "list" | "duration";

interface OptionSpec {
  flag: string;
  key: keyof Config;
  env: string[];
  kind: Kind;
  help: string;
  min?: number;
  max?: number;
  choices?: readonly string[];
  /** Extra check of a string value: the reason it is bad, or undefined. */
  check?: (value: string) => string | undefined;
  /** Default, computed from the environment where it depends on it. */
  fallback: (env: Env) => string;
  meta?: string;
}

type Env = Record<string, string | undefined>;

const E = (name: string) => `SQS_ACCELERATOR_${name}`;

export function defaultSpoolDir(env: Env): string {
  const base = env.XDG_STATE_HOME || `${env.HOME || "."}/.local/state`;
  return `${base}/sqs-accelerator`;
}

export const OPTIONS: OptionSpec[] = [
  { flag: "port", key: "port", env: [E("PORT")], kind: "int", min: 0, max: 65535, fallback: () => "9292", help: "TCP port to listen on" },
  {
    flag: "host",
    key: "host",
    env: [E("HOST")],
    kind: "string",
    fallback: () => "127.0.0.1",
    help: "address to bind; anything but loopback exposes the daemon",
  },
  {
    flag: "region",
    key: "region",
    env: [E("REGION"), "AWS_REGION", "AWS_DEFAULT_REGION"],
    kind: "string",
    fallback: () => "us-east-1",
    help: "AWS region of the queues",
    check: (v) => (/^[a-z]{2,4}(-[a-z]+)+-\d+$/.test(v) ? undefined : "not an AWS region name"),
  },
  {
    flag: "endpoint",
    key: "endpoint",
    env: [E("ENDPOINT"), "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL"],
    kind: "string",
    fallback: () => "",
    meta: "URL",
    help: "SQS endpoint (default https://sqs.<region>.amazonaws.com)",
    check: (v) => (/^https?:\/\/[^/\s]+/i.test(v) && URL.canParse(v) ? undefined : "expected an http(s) URL"),
  },
  {
    flag: "spool",
    key: "spool",
    env: [E("SPOOL")],
    kind: "string",
    fallback: defaultSpoolDir,
    meta: "DIR|none",
    help: "durable spool directory; 'none' keeps messages in memory only",
  },
  {
    flag: "fsync",
    key: "fsync",
    env: [E("FSYNC")],
    kind: "string",
    choices: ["normal", "always"],
    fallback: () => "normal",
    help: "normal survives a process crash; always also survives power loss",
  },
  {
    flag: "log-level",
    key: "logLevel",
    env: [E("LOG_LEVEL")],
    kind: "string",
    choices: LOG_LEVELS,
    fallback: () => "info",
    help: "info logs a line a minute of deliveries; debug also each SQS request and retry",
  },
  {
    flag: "allowed-hosts",
    key: "allowedHosts",
    env: [E("ALLOWED_HOSTS")],
    kind: "list",
    fallback: () => "",
    meta: "LIST",
    help: "extra Host names to accept (comma-separated); loopback is always accepted",
  },
  {
    flag: "max-body-bytes",
    key: "maxBodyBytes",
    env: [E("MAX_BODY_BYTES")],
    kind: "int",
    min: 1,
    max: MAX_BODY_BYTES,
    fallback: () => String(MAX_BODY_BYTES),
    help: "largest message body accepted, in UTF-8 bytes",
  },
  {
    flag: "max-inflight",
    key: "maxInflight",
    env: [E("MAX_INFLIGHT")],
    kind: "int",
    min: 1,
    max: 1024,
    fallback: () => "32",
    help: "concurrent requests to SQS",
  },
  {
    flag: "sender-thread",
    key: "senderThread",
    env: [E("SENDER_THREAD")],
    kind: "string",
    choices: ["on", "off"],
    fallback: () => "on",
    help: "sign and send to SQS from a worker thread, leaving the HTTP thread to accept",
  },
  {
    flag: "max-batch",
    key: "maxBatch",
    env: [E("MAX_BATCH")],
    kind: "int",
    min: 1,
    max: 10,
    fallback: () => "10",
    help: "messages per SendMessageBatch (1 disables batching)",
  },
  {
    flag: "linger-ms",
    key: "lingerMs",
    env: [E("LINGER_MS")],
    kind: "duration",
    min: 0,
    max: 10_000,
    fallback: () => "0",
    help: "wait up to this long to fill a batch",
  },
  {
    flag: "max-pending",
    key: "maxPending",
    env: [E("MAX_PENDING")],
    kind: "int",
    min: 1,
    max: 100_000_000,
    fallback: () => "1000000",
    help: "undelivered messages before sends get 503",
  },
  {
    flag: "max-spool-bytes",
    key: "maxSpoolBytes",
    env: [E("MAX_SPOOL_BYTES")],
    kind: "int",
    min: 1_048_576,
    max: Number.MAX_SAFE_INTEGER,
    fallback: () => String(4 * 1024 ** 3),
    help: "undelivered bytes plus dead letters on disk before sends get 503 (--spool none: at most 256 MiB, 512 more a message)",
  },
  {
    flag: "upstream-timeout",
    key: "upstreamTimeoutMs",
    env: [E("UPSTREAM_TIMEOUT")],
    kind: "duration",
    min: 100,
    max: 300_000,
    fallback: () => "10s",
    help: "timeout of one SQS request",
  },
  {
    flag: "drain-timeout",
    key: "drainTimeoutMs",
    env: [E("DRAIN_TIMEOUT")],
    kind: "duration",
    min: 0,
    max: 3_600_000,
    fallback: () => "10s",
    help: "on SIGTERM, time allowed to deliver what is pending",
  },
  {
    flag: "max-retry-age",
    key: "maxRetryAgeMs",
    env: [E("MAX_RETRY_AGE")],
    kind: "duration",
    min: 1_000,
    max: 14 * 86_400_000,
    fallback: () => "24h",
    help: "after this, an undeliverable message goes to dead letters",
  },
  {
    flag: "retry-base",
    key: "retryBaseMs",
    env: [E("RETRY_BASE")],
    kind: "duration",
    min: 1,
    max: 60_000,
    fallback: () => "50ms",
    help: "first backoff step for transient errors",
  },
  {
    flag: "throttle-base",
    key: "throttleBaseMs",
    env: [E("THROTTLE_BASE")],
    kind: "duration",
    min: 1,
    max: 60_000,
    fallback: () => "1s",
    help: "first backoff step after throttling",
  },
  {
    flag: "retry-cap",
    key: "retryCapMs",
    env: [E("RETRY_CAP")],
    kind: "duration",
    min: 1,
    max: 600_000,
    fallback: () => "20s",
    help: "longest backoff between attempts",
  },
];

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `250`, `250ms`, `10s`, `5m`, `24h` into milliseconds; NaN when malformed. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return Number.NaN;
  return Math.round(Number(m[1]) * UNITS[m[2] ?? "ms"]!);
}

export type Command =
  | { kind: "serve"; config: Config }
  | { kind: "replay"; spool: string; queue?: string }
  | { kind: "local-sqs"; options: LocalSqsOptions }
  | { kind: "help"; text: string }
  | { kind: "version" }
  | { kind: "error"; problems: string[] };

function convert(spec: OptionSpec, raw: string, source: string): { value?: unknown; problem?: string } {
  const bad = (why: string) => ({ problem: `${source}: ${why} (got ${JSON.stringify(raw)})` });
  switch (spec.kind) {
    case "int":
    case "duration": {
      const n = spec.kind === "int" ? (/^\d+$/.test(raw) ? Number(raw) : Number.NaN) : parseDuration(raw);
      if (!Number.isFinite(n))
        return bad(spec.kind === "int" ? "expected a whole number" : "expected a duration like 500ms, 10s, 5m or 24h");
      if (spec.min !== undefined && n < spec.min) return bad(`must be at least ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) return bad(`must be at most ${spec.max}`);
      return { value: n };
    }
    case "list":
      return {
        value: raw
          .split(",")
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean),
      };
    case "string":
      if (spec.choices && !spec.choices.includes(raw)) return bad(`expected one of ${spec.choices.join(", ")}`);
      if (raw === "") return bad("must not be empty");
      {
        const why = spec.check?.(raw);
        if (why) return bad(why);
      }
      return { value: raw };
  }
}

export function helpText(env: Env = {}): string {
  const rows = OPTIONS.map((o) => {
    const left = `  --${o.flag} ${o.meta ?? (o.kind === "duration" ? "DURATION" : o.kind === "int" ? "N" : o.choices ? o.choices.join("|") : "VALUE")}`;
    const dflt = o.fallback(env);
    return `${left.padEnd(36)} ${o.help}${dflt ? ` [${dflt}]` : ""}\n${" ".repeat(37)}env ${o.env.join(", ")}`;
  });
  return `sqs-accelerator - accept messages over HTTP at once, deliver them to Amazon SQS in the background

Usage:
  sqs-accelerator [options]                 run the daemon
  sqs-accelerator replay [--queue NAME] [--spool DIR]
                                            re-queue dead letters from the spool
  sqs-accelerator --local [options]         the same, delivering to an embedded SQS-compatible server
                                            (no AWS account needed; any credentials accepted)
  sqs-accelerator local-sqs [--port 9324] [--data DIR|none] ...
                                            only the SQS-compatible server (see local-sqs --help)
  sqs-accelerator --help | --version

Options:
  --local                              embedded SQS-compatible upstream instead of AWS
                                       env ${E("LOCAL")}=1
${rows.join("\n")}
  -h, --help                           show this help
  -v, --version                        print the version

Credentials come with each request as HTTP Basic auth (access key id : secret key).
`;
}

const REPLAY_HELP = `Usage: sqs-accelerator replay [--queue NAME] [--spool DIR]

Moves dead letters (all, or those of one queue) back into the spool, to be delivered again
when the accelerator next starts and their credentials are presented.
`;

/** `replay [--queue NAME] [--spool DIR]`. */
function loadReplay(argv: string[], env: Env): Command {
  let queue: string | undefined;
  let spool = env[E("SPOOL")] || defaultSpoolDir(env);
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { kind: "help", text: REPLAY_HELP };
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = inline ?? argv[++i];
    if (flag === "--queue" && value) queue = value;
    else if (flag === "--spool" && value) spool = value;
    else
      problems.push(
        flag === "--queue" || flag === "--spool" ? `${flag}: missing value` : `replay: unknown option ${flag} (see replay --help)`,
      );
  }
  if (spool === "none") problems.push("replay: --spool none has no dead letters on disk to replay");
  if (queue !== undefined && !/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(queue))
    problems.push(`--queue: not a queue name (got ${JSON.stringify(queue)})`);
  return problems.length ? { kind: "error", problems } : { kind: "replay", spool, ...(queue ? { queue } : {}) };
}

/** Pure: reads argv (without the program name) and env; never exits or prints. */
export function loadConfig(argv: string[], env: Env): Command {
  if (argv[0] === "replay") return loadReplay(argv.slice(1), env);
  if (argv[0] === "local-sqs") {
    const r = parseLocalSqsArgs(argv.slice(1), env);
    return r.kind === "run" ? { kind: "local-sqs", options: r.options } : r;
  }
  let local = ["1", "true", "yes"].includes((env[E("LOCAL")] ?? "").toLowerCase());
  const problems: string[] = [];
  const values = new Map<keyof Config, unknown>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { kind: "help", text: helpText(env) };
    if (arg === "--version" || arg === "-v") return { kind: "version" };
    if (arg === "--local") {
      local = true;
      continue;
    }
    if (arg.startsWith("--local=")) {
      problems.push("--local takes no value (use --local, or SQS_ACCELERATOR_LOCAL=1)");
      continue;
    }
    if (!arg.startsWith("--")) {
      problems.push(`unexpected argument ${JSON.stringify(arg)} (see --help)`);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const spec = OPTIONS.find((o) => o.flag === name);
    if (!spec) {
      problems.push(`unknown option --${name} (see --help)`);
      continue;
    }
    let raw: string | undefined = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (raw === undefined) {
      problems.push(`--${name}: missing value`);
      continue;
    }
    raw = raw.trim();
    const { value, problem } = convert(spec, raw, `--${name}`);
    if (problem) problems.push(problem);
    else values.set(spec.key, value);
  }
  for (const spec of OPTIONS) {
    if (values.has(spec.key)) continue;
    const envName = spec.env.find((n) => env[n] !== undefined && env[n] !== "");
    const raw = envName ? env[envName]!.trim() : spec.fallback(env);
    const { value, problem } = convert(spec, raw, envName ? `environment ${envName}` : `default of --${spec.flag}`);
    if (problem) {
      if (!(spec.kind === "string" && raw === "" && !envName)) problems.push(problem);
      values.set(spec.key, "");
    } else values.set(spec.key, value);
  }
  const config = { ...Object.fromEntries(values), local } as unknown as Config;
  // China regions live under amazonaws.com.cn.
  const domain = config.region?.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  config.endpoint = config.endpoint ? config.endpoint.replace(/\/+$/, "") : `https://sqs.${config.region}.${domain}`;
  if ((config.spool as string | null) === "none") config.spool = null;
  // The name the daemon is bound to is a name its clients use: its Host header is accepted too.
  const bound = (config.host ?? "").toLowerCase();
  if (bound && !/^[\d.]+$/.test(bound) && !bound.includes(":") && !config.allowedHosts?.includes(bound))
    config.allowedHosts = [...(config.allowedHosts ?? []), bound];
  if (problems.length > 0) return { kind: "error", problems };
  return { kind: "serve", config };
}

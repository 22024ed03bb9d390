// `sqs-accelerator local-sqs` flags and environment: pure parsing into LocalSqsOptions, every problem listed.
import type { LocalSqsOptions } from "./server";

type Env = Record<string, string | undefined>;

const ENV = (name: string) => `SQS_ACCELERATOR_LOCAL_SQS_${name}`;

export const LOCAL_SQS_HELP = `Usage: sqs-accelerator local-sqs [options]

An SQS-compatible endpoint for development and CI: speaks the AWS JSON 1.0 protocol that current
AWS SDKs and the AWS CLI use. Point a client at it with --endpoint-url http://127.0.0.1:9324 (or
AWS_ENDPOINT_URL_SQS); any credentials are accepted, but requests must be SigV4-signed.
Queue URLs are http://<Host header>/000000000000/<name>; ARNs arn:aws:sqs:<region>:000000000000:<name>.

Options (a flag wins over its environment variable):
  --port N             TCP port; 0 picks a free one (default 9324)
                       env ${ENV("PORT")}
  --host ADDR          address to bind (default 127.0.0.1)
                       env ${ENV("HOST")}
  --data DIR|none      keep state in DIR/local-sqs.sqlite, surviving restarts; 'none' (the
                       default) keeps it in memory only, gone when the process ends
                       env ${ENV("DATA")}
  --region NAME        region in queue ARNs (default us-east-1)
                       env ${ENV("REGION")}, AWS_REGION, AWS_DEFAULT_REGION
  --latency-ms N       delay every answer by N ms, 0–60000 (default 0)
                       env ${ENV("LATENCY_MS")}
  --fault-rate R       share of requests, 0–1, answered HTTP 500 InternalError (default 0)
                       env ${ENV("FAULT_RATE")}
  --throttle-rate R    share of requests, 0–1, answered HTTP 400 ThrottlingException, legacy code
                       RequestThrottled in x-amzn-query-error (default 0)
                       env ${ENV("THROTTLE_RATE")}
  -h, --help           show this text

Knobs: every signed request naming a known action draws one uniform number u in [0,1):
u < fault-rate answers 500; otherwise u < fault-rate + throttle-rate answers the throttling error.
So, on average, exactly those shares of requests fail; the two rates must sum to at most 1. A
failed request has no effect on any queue. --latency-ms delays every answer, failures included.

Behaves like SQS, with its limits and error codes: FIFO order per message group, 5-minute
deduplication, delay and visibility timers, retention, dead-letter redrive after maxReceiveCount,
long polling up to 20 s, messages up to 1 MiB counted in UTF-8 bytes with their attributes.
Like SQS, a second PurgeQueue within 60 s gets PurgeQueueInProgress and a queue name cannot be
reused for 60 s after DeleteQueue (QueueDeletedRecently).
`;

const FLAGS = new Set(["port", "host", "data", "region", "latency-ms", "fault-rate", "throttle-rate"]);

function intIn(text: string, min: number, max: number): number | null {
  if (!/^\d{1,9}$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

function rate(text: string): number | null {
  if (!/^(0|1|0?\.\d+|1\.0*)$/.test(text)) return null;
  const n = Number(text);
  return n >= 0 && n <= 1 ? n : null;
}

export function parseLocalSqsArgs(
  argv: string[],
  env: Env,
): { kind: "run"; options: LocalSqsOptions } | { kind: "help"; text: string } | { kind: "error"; problems: string[] } {
  const problems: string[] = [];
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") return { kind: "help", text: LOCAL_SQS_HELP };
    if (!arg.startsWith("--")) {
      problems.push(`unexpected argument '${arg}'`);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!FLAGS.has(name)) {
      problems.push(`unknown option --${name}`);
      if (eq === -1 && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("-")) i++;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) value = argv[++i];
    if (value === undefined) {
      problems.push(`--${name} needs a value`);
      continue;
    }
    if (given.has(name)) problems.push(`--${name} given twice`);
    given.set(name, value);
  }

  const pick = (flag: string, envNames: string[], fallback: string): { value: string; source: string } => {
    const v = given.get(flag);
    if (v !== undefined) return { value: v, source: `--${flag}` };
    for (const e of envNames) {
      const x = env[e];
      if (x !== undefined && x !== "") return { value: x, source: e };
    }
    return { value: fallback, source: `--${flag}` };
  };

  const port = pick("port", [ENV("PORT")], "9324");
  const portN = intIn(port.value, 0, 65535);
  if (portN === null) problems.push(`${port.source} must be a port number from 0 to 65535, not '${port.value}'`);

  const host = pick("host", [ENV("HOST")], "127.0.0.1");
  if (!/^[A-Za-z0-9.:_-]{1,253}$/.test(host.value)) problems.push(`${host.source} must be a host name or IP address, not '${host.value}'`);

  const data = pick("data", [ENV("DATA")], "none");
  if (data.value === "") problems.push(`${data.source} must be a directory or 'none'`);

  const region = pick("region", [ENV("REGION"), "AWS_REGION", "AWS_DEFAULT_REGION"], "us-east-1");
  if (!/^[a-z]{2,}(-[a-z0-9]+){1,4}$/.test(region.value))
    problems.push(`${region.source} must be a region name like us-east-1, not '${region.value}'`);

  const latency = pick("latency-ms", [ENV("LATENCY_MS")], "0");
  const latencyN = intIn(latency.value, 0, 60_000);
  if (latencyN === null) problems.push(`${latency.source} must be a whole number of milliseconds from 0 to 60000, not '${latency.value}'`);

  const faultR = pick("fault-rate", [ENV("FAULT_RATE")], "0");
  const faultN = rate(faultR.value);
  if (faultN === null) problems.push(`${faultR.source} must be a number from 0 to 1, not '${faultR.value}'`);

  const throttleR = pick("throttle-rate", [ENV("THROTTLE_RATE")], "0");
  const throttleN = rate(throttleR.value);
  if (throttleN === null) problems.push(`${throttleR.source} must be a number from 0 to 1, not '${throttleR.value}'`);
  if (faultN !== null && throttleN !== null && faultN + throttleN > 1)
    problems.push(`${faultR.source} plus ${throttleR.source} must be at most 1 (they are shares of the same requests)`);

  if (problems.length) return { kind: "error", problems };
  return {
    kind: "run",
    options: {
      port: portN!,
      host: host.value,
      data: data.value === "none" ? null : data.value,
      region: region.value,
      latencyMs: latencyN!,
      faultRate: faultN!,
      throttleRate: throttleN!,
    },
  };
}

// The command line: `bun src/main.ts` as a subprocess (help, version, exit codes, one line per problem) and loadConfig as a pure function.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../package.json";
import { type Command, type Config, loadConfig, OPTIONS, parseDuration } from "../src/config";
import { freePort } from "./helpers";

const ROOT = join(import.meta.dir, "..");
const MAIN = join(ROOT, "src", "main.ts");

/** The environment of the machine running the tests, without anything that configures the accelerator or AWS. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(AWS_|SQS_ACCELERATOR_)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bun src/main.ts ARGS` to completion (at most 30 s). */
function run(args: string[], env: Record<string, string> = {}): Run {
  const r = Bun.spawnSync([process.execPath, MAIN, ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    timeout: 30_000,
  });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const lines = (s: string) => s.split("\n").filter((l) => l.trim() !== "");

/** A usage error: exit 2, nothing on stdout, exactly one stderr line, which names `what`. */
function expectUsageError(r: Run, what: string): string {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  const err = lines(r.stderr);
  expect(err).toHaveLength(1);
  expect(err[0]).toStartWith("sqs-accelerator: ");
  expect(err[0]).toContain(what);
  return err[0]!;
}

describe("sqs-accelerator as a subprocess", () => {
  test("--help prints usage naming every option and exits 0", () => {
    const r = run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Usage:");
    expect(r.stdout).toContain("sqs-accelerator [options]");
    expect(r.stdout).toContain("replay");
    const every = [
      "port",
      "host",
      "region",
      "endpoint",
      "spool",
      "fsync",
      "log-level",
      "allowed-hosts",
      "max-body-bytes",
      "max-inflight",
      "max-batch",
      "linger-ms",
      "sender-thread",
      "max-pending",
      "max-spool-bytes",
      "upstream-timeout",
      "drain-timeout",
      "max-retry-age",
      "retry-base",
      "throttle-base",
      "retry-cap",
    ];
    // The list above and the options loadConfig knows are the same set, and each is in the help.
    expect(OPTIONS.map((o) => o.flag).sort()).toEqual([...every].sort());
    for (const flag of every) expect(r.stdout).toMatch(new RegExp(`^\\s+--${flag} `, "m"));
    for (const o of OPTIONS) for (const name of o.env) expect(r.stdout).toContain(name);
    expect(r.stdout).toContain("--help");
    expect(r.stdout).toContain("--version");
    expect(run(["-h"]).stdout).toBe(r.stdout);
  });

  test("--version prints the package.json version and exits 0", () => {
    const r = run(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`sqs-accelerator ${pkg.version}\n`);
    expect(run(["-v"]).stdout).toBe(r.stdout);
  });

  test("an unknown option → exit 2 and one stderr line naming it", () => {
    expectUsageError(run(["--bogus"]), "--bogus");
    expectUsageError(run(["--bogus=1"]), "--bogus");
  });

  test("--local=1 → exit 2 saying --local takes no value", () => {
    expect(expectUsageError(run(["--local=1"]), "--local")).toContain("takes no value");
  });

  test("--port abc → exit 2 naming --port", () => {
    const line = expectUsageError(run(["--port", "abc"]), "--port");
    expect(line).toContain("abc");
    expectUsageError(run(["--port=70000"]), "--port");
  });

  test("--log-level loud → exit 2 naming --log-level and the accepted levels", () => {
    const line = expectUsageError(run(["--log-level", "loud"]), "--log-level");
    expect(line).toContain("loud");
    expect(line).toContain("debug");
  });

  test("SQS_ACCELERATOR_PORT=notaport → exit 2 naming the variable", () => {
    const line = expectUsageError(run([], { SQS_ACCELERATOR_PORT: "notaport" }), "SQS_ACCELERATOR_PORT");
    expect(line).toContain("notaport");
  });

  test("a missing value and a stray argument are usage errors too", () => {
    expectUsageError(run(["--port"]), "--port");
    expectUsageError(run(["serve"]), "serve");
  });

  test("every problem is listed, one line each", () => {
    const r = run(["--port", "abc", "--log-level", "loud", "--bogus"]);
    expect(r.code).toBe(2);
    const err = lines(r.stderr);
    expect(err).toHaveLength(3);
    expect(err.some((l) => l.includes("--port"))).toBe(true);
    expect(err.some((l) => l.includes("--log-level"))).toBe(true);
    expect(err.some((l) => l.includes("--bogus"))).toBe(true);
  });

  test("--spool none is accepted: the daemon starts in memory, answers /health and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const proc = Bun.spawn(
      [process.execPath, MAIN, "--spool", "none", "--port", String(port), "--endpoint", "http://127.0.0.1:9", "--log-level", "warn"],
      { cwd: ROOT, env: cleanEnv(), stdin: "ignore", stdout: "pipe", stderr: "pipe" },
    );
    try {
      let healthy = false;
      const deadline = Date.now() + 20_000;
      while (!healthy && proc.exitCode === null && Date.now() < deadline) {
        try {
          healthy = (await fetch(`http://127.0.0.1:${port}/health`)).status === 200;
        } catch {
          await Bun.sleep(50);
        }
      }
      expect(healthy).toBe(true);
      proc.kill("SIGTERM");
      const code = await Promise.race([proc.exited, Bun.sleep(15_000).then(() => "still running after 15 s")]);
      expect(code).toBe(0);
      const err = await new Response(proc.stderr as ReadableStream).text();
      const startup = lines(err).find((l) => l.includes("listening on"));
      expect(startup).toContain(`http://127.0.0.1:${port}`);
      expect(startup).toContain("spool=none");
    } finally {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      await proc.exited;
    }
  });

  test("a second SIGTERM during the drain exits at once (1), saying what is pending", async () => {
    const port = await freePort();
    const spool = mkdtempSync(join(tmpdir(), "sqsacc-cli-"));
    // SQS is unreachable, so the message stays pending and the drain would wait --drain-timeout.
    const proc = Bun.spawn(
      [process.execPath, MAIN, "--spool", spool, "--port", String(port), "--endpoint", "http://127.0.0.1:9", "--drain-timeout", "60000"],
      { cwd: ROOT, env: cleanEnv(), stdin: "ignore", stdout: "pipe", stderr: "pipe" },
    );
    try {
      let sent = 0;
      const deadline = Date.now() + 20_000;
      while (sent !== 202 && proc.exitCode === null && Date.now() < deadline) {
        sent = await fetch(`http://127.0.0.1:${port}/queues/q1`, {
          method: "POST",
          body: "hello",
          headers: { "content-type": "text/plain", authorization: `Basic ${btoa("AKIDEXAMPLE:secret")}` },
        })
          .then((r) => r.status)
          .catch(() => Bun.sleep(50).then(() => 0));
      }
      expect(sent).toBe(202);
      proc.kill("SIGTERM");
      await Bun.sleep(300);
      expect(proc.exitCode).toBeNull(); // draining
      proc.kill("SIGTERM");
      const code = await Promise.race([proc.exited, Bun.sleep(5_000).then(() => "still running 5 s after the second signal")]);
      expect(code).toBe(1);
      const err = await new Response(proc.stderr as ReadableStream).text();
      expect(lines(err).find((l) => l.includes("second signal"))).toContain("pending=1 kept=true");
    } finally {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      await proc.exited;
      rmSync(spool, { recursive: true, force: true });
    }
  });
});

/** The Config of a command that must be "serve". */
function serve(cmd: Command): Config {
  if (cmd.kind !== "serve") throw new Error(`expected a serve command, got ${JSON.stringify(cmd)}`);
  return cmd.config;
}

function problems(cmd: Command): string[] {
  if (cmd.kind !== "error") throw new Error(`expected problems, got ${JSON.stringify(cmd)}`);
  return cmd.problems;
}

describe("loadConfig (pure)", () => {
  const HOME = { HOME: "/home/someone" };

  test("the bound host name is an accepted Host header; IP addresses need no entry", () => {
    expect(serve(loadConfig(["--host", "Sqs-Acc.Internal"], HOME)).allowedHosts).toEqual(["sqs-acc.internal"]);
    expect(serve(loadConfig(["--host", "10.0.0.5", "--allowed-hosts", "a.example"], HOME)).allowedHosts).toEqual(["a.example"]);
    expect(serve(loadConfig(["--host", "::1"], HOME)).allowedHosts).toEqual([]);
  });

  test("defaults", () => {
    const c = serve(loadConfig([], HOME));
    expect(c.port).toBe(9292);
    expect(c.host).toBe("127.0.0.1");
    expect(c.region).toBe("us-east-1");
    expect(c.endpoint).toBe("https://sqs.us-east-1.amazonaws.com");
    expect(c.spool).toBe("/home/someone/.local/state/sqs-accelerator");
    expect(c.fsync).toBe("normal");
    expect(c.logLevel).toBe("info");
    expect(c.allowedHosts).toEqual([]);
    expect(c.maxBodyBytes).toBe(1_048_576);
    expect(c.maxBatch).toBe(10);
    expect(c.lingerMs).toBe(0);
    expect(c.upstreamTimeoutMs).toBe(10_000);
    expect(c.drainTimeoutMs).toBe(10_000);
    expect(c.maxRetryAgeMs).toBe(24 * 3_600_000);
    expect(c.retryBaseMs).toBe(50);
    expect(c.throttleBaseMs).toBe(1_000);
    expect(c.retryCapMs).toBe(20_000);
    expect(serve(loadConfig([], { XDG_STATE_HOME: "/var/state" })).spool).toBe("/var/state/sqs-accelerator");
  });

  test("is pure: the same input gives the same answer and the env object is not changed", () => {
    const env = { ...HOME, AWS_REGION: "eu-west-1" };
    const frozen = Object.freeze({ ...env });
    expect(loadConfig(["--port", "1234"], frozen)).toEqual(loadConfig(["--port", "1234"], env));
    expect(env).toEqual({ ...frozen });
  });

  test("the default endpoint follows the region", () => {
    expect(serve(loadConfig(["--region", "eu-west-1"], HOME)).endpoint).toBe("https://sqs.eu-west-1.amazonaws.com");
    expect(serve(loadConfig([], { ...HOME, AWS_REGION: "ap-southeast-2" })).endpoint).toBe("https://sqs.ap-southeast-2.amazonaws.com");
  });

  test("endpoint: AWS_ENDPOINT_URL_SQS wins over AWS_ENDPOINT_URL; SQS_ACCELERATOR_ENDPOINT over both", () => {
    expect(serve(loadConfig([], { ...HOME, AWS_ENDPOINT_URL: "http://127.0.0.1:4566" })).endpoint).toBe("http://127.0.0.1:4566");
    const both = { ...HOME, AWS_ENDPOINT_URL: "http://127.0.0.1:4566", AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:5000" };
    expect(serve(loadConfig([], both)).endpoint).toBe("http://127.0.0.1:5000");
    expect(serve(loadConfig([], { ...both, SQS_ACCELERATOR_ENDPOINT: "http://127.0.0.1:6000" })).endpoint).toBe("http://127.0.0.1:6000");
    // An empty variable counts as unset.
    expect(serve(loadConfig([], { ...both, AWS_ENDPOINT_URL_SQS: "" })).endpoint).toBe("http://127.0.0.1:4566");
  });

  test("region: AWS_REGION wins over AWS_DEFAULT_REGION; SQS_ACCELERATOR_REGION over both", () => {
    expect(serve(loadConfig([], { ...HOME, AWS_DEFAULT_REGION: "eu-central-1" })).region).toBe("eu-central-1");
    const both = { ...HOME, AWS_DEFAULT_REGION: "eu-central-1", AWS_REGION: "us-west-2" };
    expect(serve(loadConfig([], both)).region).toBe("us-west-2");
    expect(serve(loadConfig([], { ...both, SQS_ACCELERATOR_REGION: "ca-central-1" })).region).toBe("ca-central-1");
    expect(serve(loadConfig([], { ...both, AWS_REGION: "" })).region).toBe("eu-central-1");
  });

  test("flags override the environment", () => {
    const env = {
      ...HOME,
      AWS_REGION: "us-west-2",
      AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:5000",
      SQS_ACCELERATOR_PORT: "8080",
      SQS_ACCELERATOR_LOG_LEVEL: "debug",
      SQS_ACCELERATOR_SPOOL: "/tmp/from-env",
    };
    const fromEnv = serve(loadConfig([], env));
    expect(fromEnv.port).toBe(8080);
    expect(fromEnv.logLevel).toBe("debug");
    expect(fromEnv.spool).toBe("/tmp/from-env");
    const c = serve(
      loadConfig(
        [
          "--region",
          "eu-west-1",
          "--endpoint",
          "http://127.0.0.1:7000",
          "--port=9000",
          "--log-level",
          "error",
          "--spool",
          "/tmp/from-flag",
        ],
        env,
      ),
    );
    expect(c.region).toBe("eu-west-1");
    expect(c.endpoint).toBe("http://127.0.0.1:7000");
    expect(c.port).toBe(9000);
    expect(c.logLevel).toBe("error");
    expect(c.spool).toBe("/tmp/from-flag");
    // A valid flag also wins over an invalid environment value, which is then never read.
    expect(serve(loadConfig(["--port", "9001"], { ...HOME, SQS_ACCELERATOR_PORT: "notaport" })).port).toBe(9001);
  });

  test("--spool none (flag or environment) means the in-memory mode: null", () => {
    expect(serve(loadConfig(["--spool", "none"], HOME)).spool).toBeNull();
    expect(serve(loadConfig(["--spool=none"], HOME)).spool).toBeNull();
    expect(serve(loadConfig([], { ...HOME, SQS_ACCELERATOR_SPOOL: "none" })).spool).toBeNull();
    expect(serve(loadConfig(["--spool", "/tmp/x"], { ...HOME, SQS_ACCELERATOR_SPOOL: "none" })).spool).toBe("/tmp/x");
  });

  test("durations: 10s, 500ms, bare milliseconds, minutes, hours", () => {
    const c = serve(
      loadConfig(
        [
          "--upstream-timeout",
          "10s",
          "--drain-timeout",
          "500ms",
          "--linger-ms",
          "5",
          "--retry-cap",
          "2m",
          "--max-retry-age",
          "1h",
          "--retry-base=1.5s",
        ],
        HOME,
      ),
    );
    expect(c.upstreamTimeoutMs).toBe(10_000);
    expect(c.drainTimeoutMs).toBe(500);
    expect(c.lingerMs).toBe(5);
    expect(c.retryCapMs).toBe(120_000);
    expect(c.maxRetryAgeMs).toBe(3_600_000);
    expect(c.retryBaseMs).toBe(1_500);
    expect(serve(loadConfig([], { ...HOME, SQS_ACCELERATOR_DRAIN_TIMEOUT: "2s" })).drainTimeoutMs).toBe(2_000);
    expect(parseDuration("24h")).toBe(86_400_000);
    expect(parseDuration("1d")).toBe(86_400_000);
    expect(parseDuration("10 parsecs")).toBeNaN();
    expect(parseDuration("-5s")).toBeNaN();
    expect(parseDuration("")).toBeNaN();
  });

  test("bad durations and out-of-range values are problems naming the option", () => {
    expect(problems(loadConfig(["--drain-timeout", "soon"], HOME))).toEqual([expect.stringContaining("--drain-timeout")]);
    expect(problems(loadConfig(["--upstream-timeout", "50ms"], HOME))).toEqual([expect.stringContaining("at least 100")]);
    expect(problems(loadConfig(["--max-batch", "11"], HOME))).toEqual([expect.stringContaining("at most 10")]);
    expect(problems(loadConfig(["--port", "-1"], HOME))).toEqual([expect.stringContaining("--port")]);
  });

  test("lists, choices and other values", () => {
    const c = serve(loadConfig(["--allowed-hosts", " Example.COM, , app.internal ", "--fsync", "always", "--host", "0.0.0.0"], HOME));
    expect(c.allowedHosts).toEqual(["example.com", "app.internal"]);
    expect(c.fsync).toBe("always");
    expect(c.host).toBe("0.0.0.0");
    expect(problems(loadConfig(["--fsync", "sometimes"], HOME))).toEqual([expect.stringContaining("--fsync")]);
  });

  test("the endpoint must be an http(s) URL; a trailing slash is dropped", () => {
    expect(serve(loadConfig(["--endpoint", "http://127.0.0.1:4566/"], HOME)).endpoint).toBe("http://127.0.0.1:4566");
    expect(problems(loadConfig(["--endpoint", "ftp://example.com"], HOME))).toEqual([expect.stringContaining("--endpoint")]);
    expect(problems(loadConfig(["--endpoint", "not a url"], HOME))).toEqual([expect.stringContaining("--endpoint")]);
  });

  test("the region must look like an AWS region", () => {
    expect(serve(loadConfig(["--region", "us-gov-west-1"], HOME)).region).toBe("us-gov-west-1");
    expect(problems(loadConfig(["--region", "mars"], HOME))).toEqual([expect.stringContaining("--region")]);
  });

  test("help, version, unknown options and every problem at once", () => {
    expect(loadConfig(["--help"], HOME).kind).toBe("help");
    expect(loadConfig(["--port", "abc", "-h"], HOME).kind).toBe("help");
    expect(loadConfig(["--version"], HOME)).toEqual({ kind: "version" });
    const all = problems(loadConfig(["--bogus", "--port", "abc", "--log-level", "loud"], { ...HOME, SQS_ACCELERATOR_MAX_BATCH: "0" }));
    expect(all).toHaveLength(4);
    expect(all[0]).toContain("--bogus");
    expect(all.join("\n")).toContain("SQS_ACCELERATOR_MAX_BATCH");
  });
});

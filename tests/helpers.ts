// Test helpers: requests for app.handle, a real moto server on a free port, temp dirs, waiting.
import { afterEach } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createApp } from "../src/app";
import { DeliveryEngine, type EngineOptions } from "../src/delivery/dispatcher";
import { MemorySpool, type Spool } from "../src/delivery/spool";
import { silentLogger } from "../src/log";
import { SqsClient } from "../src/sqs/client";
import type { Credentials } from "../src/sqs/types";
import { startFakeSqs } from "./fake-sqs";

export const CREDS: Credentials = { accessKeyId: "AKIDEXAMPLETEST", secretAccessKey: "test-secret/with+chars" };
export const basic = (c: Credentials = CREDS) => `Basic ${Buffer.from(`${c.accessKeyId}:${c.secretAccessKey}`).toString("base64")}`;

export interface ReqInit extends RequestInit {
  /** Send CREDS as Basic auth (default true); false sends none. */
  auth?: boolean | Credentials;
  /** Ask for HTML like a browser. */
  html?: boolean;
  form?: Record<string, string>;
  json?: unknown;
}

/** A Request for app.handle, as curl or a browser on http://localhost:9292 would send it. */
export function req(path: string, init: ReqInit = {}): Request {
  const headers = new Headers(init.headers);
  if (!headers.has("host")) headers.set("host", "localhost:9292");
  const auth = init.auth ?? true;
  if (auth) headers.set("authorization", basic(auth === true ? CREDS : auth));
  headers.set("accept", init.html ? "text/html,application/xhtml+xml,*/*;q=0.8" : (headers.get("accept") ?? "*/*"));
  let body = init.body;
  if (init.form) {
    body = new URLSearchParams(init.form).toString();
    headers.set("content-type", "application/x-www-form-urlencoded");
  } else if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers.set("content-type", "application/json");
  }
  return new Request(`http://localhost:9292${path}`, { ...init, headers, body });
}

export async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

export function tempDir(prefix = "sqsacc-"): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Polls `check` every 25 ms until it returns truthy or `ms` pass. */
export async function waitFor<T>(check: () => T | Promise<T>, ms = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(25);
  }
}

export interface Moto {
  url: string;
  stop: () => Promise<void>;
}

/** Starts `python3 -m moto.server` on a free loopback port; fails clearly if it cannot. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const proc = Bun.spawn(["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    stdout: "ignore",
    stderr: "pipe",
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: "true" },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break;
    try {
      const r = await fetch(`${url}/moto-api/`);
      if (r.status < 500)
        return {
          url,
          stop: async () => {
            proc.kill();
            await proc.exited;
          },
        };
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  proc.kill();
  const err = await new Response(proc.stderr).text();
  throw new Error(
    `moto's server did not start (python3 -m moto.server; install it with: python3 -m pip install 'moto[server]'):\n${err.slice(-2000)}`,
  );
}

export const testOptions = (over: Partial<EngineOptions> = {}): EngineOptions => ({
  maxInflight: 8,
  maxBatch: 10,
  lingerMs: 0,
  maxPending: 100_000,
  maxSpoolBytes: 1024 ** 3,
  retry: { baseMs: 5, throttleBaseMs: 10, capMs: 100, maxAgeMs: 60_000 },
  ...over,
});

/** A fresh app wired to a real SQS endpoint (moto or a fault-injecting stand-in). */
export function makeApp(
  endpoint: string,
  opts: { spool?: Spool; options?: Partial<EngineOptions>; maxBodyBytes?: number; allowedHosts?: string[] } = {},
) {
  const sqs = new SqsClient({ endpoint, region: "us-east-1", timeoutMs: 5_000 });
  const dispatcher = new DeliveryEngine({
    sqs,
    spool: opts.spool ?? new MemorySpool(),
    log: silentLogger,
    options: testOptions(opts.options),
  });
  dispatcher.start();
  const app = createApp({
    config: { maxBodyBytes: opts.maxBodyBytes ?? 1_048_576, allowedHosts: opts.allowedHosts ?? [] },
    sqs,
    dispatcher,
  });
  return { app, sqs, dispatcher };
}

/**
 * For a test file whose tests each want a fresh fault-injecting SQS stand-in and an app wired to
 * it: call once at the top level; the function it returns makes them, and both are stopped after
 * each test.
 */
export function appsOnFakeSqs() {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });
  return () => {
    const fake = startFakeSqs();
    const made = makeApp(fake.url);
    stop = async () => {
      await made.dispatcher.stop({ drainMs: 0 });
      fake.stop();
    };
    return { fake, ...made };
  };
}

export const ROOT = join(import.meta.dir, "..");
export const BIN = join(ROOT, "dist", "sqs-accelerator");

/** Environment for the child without any AWS_* / SQS_ACCELERATOR_* settings of the machine running the tests. */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(AWS_|SQS_ACCELERATOR_)/.test(k)) env[k] = v;
  return env;
}

/** Builds the binary with scripts/build.ts when it is not there yet. */
export function ensureBinary(): void {
  if (existsSync(BIN)) return;
  const env = cleanEnv();
  env.PATH = `${dirname(process.execPath)}:${join(ROOT, "node_modules", ".bin")}:${env.PATH ?? ""}`;
  const r = Bun.spawnSync([process.execPath, "scripts/build.ts"], { cwd: ROOT, env, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0 || !existsSync(BIN))
    throw new Error(`bun scripts/build.ts failed (exit ${r.exitCode}):\n${r.stderr.toString().slice(-4000)}`);
}

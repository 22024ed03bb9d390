// Sends through a worker thread (src/sqs/send-worker.ts): signing, fetch and checksums leave the HTTP thread.
import { type BatchOutcome, SqsClient, type SqsClientOptions } from "./client";
import { type ErrorKind, SqsError } from "./errors";
import type { Credentials, SendEntry, SendResult } from "./types";

interface PlainError {
  code: string;
  message: string;
  status: number;
  senderFault: boolean;
  kind: ErrorKind;
}

export type SenderRequest =
  | { op: "init"; options: Omit<SqsClientOptions, "fetch"> }
  | { op: "send" | "batch"; id: number; creds: Credentials; url: string; entries: SendEntry[] };

export type SenderReply =
  | {
      id: number;
      ok: true;
      result?: SendResult;
      batch?: { successful: BatchOutcome["successful"]; failed: Array<{ id: string; error: PlainError }> };
    }
  | { id: number; ok: false; error: PlainError };

/** What the delivery engine needs to send; SqsClient itself satisfies it too. */
export interface Sender {
  sendMessage(creds: Credentials, url: string, entry: SendEntry): Promise<SendResult>;
  sendMessageBatch(creds: Credentials, url: string, entries: SendEntry[]): Promise<BatchOutcome>;
  close?(): void;
}

/** An SqsError crosses the thread boundary as a plain object. */
export function toPlain(e: unknown): PlainError {
  const err = e instanceof SqsError ? e : new SqsError("InternalError", e instanceof Error ? e.message : String(e), 0, false, "transient");
  return { code: err.code, message: err.message, status: err.status, senderFault: err.senderFault, kind: err.kind };
}

/** A send the worker never answered: it may or may not have reached SQS, so it is retried (at least once). */
const notAnswered = (id: number, message: string): SenderReply => ({
  id,
  ok: false,
  error: { code: "Timeout", message, status: 0, senderFault: false, kind: "transient" },
});

const revive = (e: PlainError) => new SqsError(e.code, e.message, e.status, e.senderFault, e.kind);

/**
 * Messages cross the thread boundary as JSON text, not structured-cloned objects: a batch of ten
 * there and back costs ~0.4 × the CPU, on the main thread and in all (`bun scripts/post-bench.ts`).
 * Everything in them is plain JSON data.
 */
export const toWire = (m: SenderRequest | SenderReply): string => JSON.stringify(m);

/**
 * Where the worker's code is: inside a compiled binary, entry points are named relative to their
 * common folder, src/ (scripts/build.ts adds this one); from source, relative to this file.
 */
declare const SQS_ACCELERATOR_COMPILED: boolean | undefined;
const compiled = typeof SQS_ACCELERATOR_COMPILED !== "undefined" && SQS_ACCELERATOR_COMPILED;
const WORKER_SPEC = compiled ? "./sqs/send-worker.ts" : new URL("./send-worker.ts", import.meta.url).href;

type Call = { op: "send" | "batch"; creds: Credentials; url: string; entries: SendEntry[]; resolve: (r: SenderReply) => void };

export interface WorkerSenderTuning {
  /** The worker's module (tests give a misbehaving one). */
  workerSpec?: string;
  /** How long past the upstream timeout a silent worker is waited for [5,000 ms]. */
  graceMs?: number;
}

export class WorkerSender implements Sender {
  private worker?: Worker;
  private next = 1;
  private readonly waiting = new Map<number, Call>();
  /** Set if the worker cannot run: sends then happen on this thread, as without a worker. */
  private fallback?: SqsClient;
  /** When the current worker last answered (or started). */
  private heardAt = 0;
  /** Workers replaced because they stopped answering. */
  restarts = 0;

  constructor(
    private readonly options: Omit<SqsClientOptions, "fetch">,
    private readonly tuning: WorkerSenderTuning = {},
  ) {}

  /** Started on the first send, so it costs nothing at startup. */
  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.tuning.workerSpec ?? WORKER_SPEC);
    this.worker = worker;
    this.heardAt = Date.now();
    worker.onerror = (event) => {
      console.error(`sqs-accelerator: sender thread failed (${event.message}); sending from the main thread`);
      this.fallback ??= new SqsClient(this.options);
      const calls = [...this.waiting.values()];
      this.waiting.clear();
      for (const c of calls) void this.direct(c).then(c.resolve);
    };
    worker.onmessage = (event: MessageEvent<string>) => {
      this.heardAt = Date.now();
      const reply = JSON.parse(event.data) as SenderReply;
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      w.resolve(reply);
    };
    worker.postMessage(toWire({ op: "init", options: this.options }));
    // The worker must not keep the process alive on its own.
    (worker as unknown as { unref(): void }).unref();
    return worker;
  }

  private call(op: "send" | "batch", creds: Credentials, url: string, entries: SendEntry[]): Promise<SenderReply> {
    const id = this.next++;
    const grace = this.tuning.graceMs ?? 5_000;
    return new Promise((resolve) => {
      const call: Call = { op, creds, url, entries, resolve };
      if (this.fallback) return void this.direct(call).then(resolve);
      // The worker answers within its own upstream timeout; past that plus a margin, give up on it.
      const deadline = setTimeout(() => {
        if (!this.waiting.delete(id)) return;
        resolve(notAnswered(id, "the sender thread did not answer in time"));
        // Silent all that time, not just slow with this one: it is stuck; a new one takes over.
        if (Date.now() - this.heardAt >= this.options.timeoutMs + grace) this.restart();
      }, this.options.timeoutMs + grace);
      this.waiting.set(id, {
        ...call,
        resolve: (r) => {
          clearTimeout(deadline);
          resolve(r);
        },
      });
      this.started().postMessage(toWire({ op, id, creds, url, entries }));
    });
  }

  private restart(): void {
    const stuck = this.worker;
    if (!stuck) return;
    this.worker = undefined;
    stuck.terminate();
    this.restarts++;
    console.error("sqs-accelerator: the sender thread stopped answering; starting a new one (its requests are retried)");
    const calls = [...this.waiting.values()];
    this.waiting.clear();
    for (const c of calls) c.resolve(notAnswered(0, "the sender thread was restarted"));
  }

  /** The same call on this thread, shaped as the worker would have answered. */
  private async direct(c: Call): Promise<SenderReply> {
    const client = this.fallback!;
    try {
      if (c.op === "send") return { id: 0, ok: true, result: await client.sendMessage(c.creds, c.url, c.entries[0]!) };
      const r = await client.sendMessageBatch(c.creds, c.url, c.entries);
      return { id: 0, ok: true, batch: { successful: r.successful, failed: r.failed.map((f) => ({ id: f.id, error: toPlain(f.error) })) } };
    } catch (err) {
      return { id: 0, ok: false, error: toPlain(err) };
    }
  }

  async sendMessage(creds: Credentials, url: string, entry: SendEntry): Promise<SendResult> {
    const r = await this.call("send", creds, url, [entry]);
    if (!r.ok) throw revive(r.error);
    return r.result!;
  }

  async sendMessageBatch(creds: Credentials, url: string, entries: SendEntry[]): Promise<BatchOutcome> {
    const r = await this.call("batch", creds, url, entries);
    if (!r.ok) throw revive(r.error);
    return { successful: r.batch!.successful, failed: r.batch!.failed.map((f) => ({ id: f.id, error: revive(f.error) })) };
  }

  close(): void {
    this.worker?.terminate();
  }
}

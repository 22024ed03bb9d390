// The Spool seam: where accepted messages live until SQS confirms them, and where dead letters rest.
import type { SendEntry } from "../sqs/types";
import { RecentMap } from "./recent";
import type { Envelope } from "./types";

/** A spooled message read back: credentials are named by access key id, never stored. */
export interface SpooledRow {
  seq: number;
  envelope: Omit<Envelope, "creds">;
  accessKeyId: string;
  /**
   * Which credentials sent it: `credentialsKey()`, the access key id and a hash of the secret
   * (never the secret). Only those very credentials send it after a restart. Undefined for rows
   * spooled by versions that did not record it: credentials of the key id that SQS has taken then.
   */
  credsKey?: string;
  attempts: number;
}

export interface DeadLetter {
  id: string;
  queue: string;
  accessKeyId: string;
  entry: SendEntry;
  bytes: number;
  acceptedAt: number;
  attempts: number;
  reason: string;
  diedAt: number;
}

/** Dead letters are shown only to the access key that sent them, optionally of one queue. */
export interface DeadFilter {
  accessKeyId: string;
  queue?: string;
}

/** A message the spool holds, as the engine names it back: its id, its place (`seq`) and its size. */
export type SpoolRef = Pick<Envelope, "id" | "seq" | "bytes">;

export interface Spool {
  readonly durable: boolean;
  /** Bytes each undelivered message counts toward --max-spool-bytes besides its own (see MEMORY_MESSAGE_OVERHEAD). */
  readonly overhead: number;
  /** Resolves when the messages are stored as durably as this spool promises; sets each one's `seq`. */
  append(messages: Envelope[]): Promise<void>;
  /** SQS confirmed these: forget them. */
  delivered(messages: readonly SpoolRef[]): void;
  /** A failed attempt that will be retried: remember the count across restarts. */
  attempted(message: SpoolRef, attempts: number): void;
  /** Permanently undeliverable: keep them as dead letters. */
  dead(rows: Array<{ envelope: Envelope; reason: string; attempts: number }>): void;
  /** Undelivered messages in spool order after `seq` (the engine pages its window from here). */
  loadAfter(seq: number, limit: number): SpooledRow[];
  /** An undelivered message's row, if the spool holds it. */
  find(id: string): SpooledRow | undefined;
  /** Undelivered bytes held, for the --max-spool-bytes bound (in memory, each message's overhead too). */
  bytes(): number;
  /** Bytes of the dead letters kept: within the --max-spool-bytes bound too. */
  deadBytes(): number;
  /** Undelivered messages held, for the --max-pending bound. */
  count(): number;
  listDead(opts: DeadFilter & { limit: number }): DeadLetter[];
  countDead(opts: DeadFilter): number;
  getDead(id: string): DeadLetter | undefined;
  /** Removes a dead letter and returns it (to retry or to discard). */
  takeDead(id: string): DeadLetter | undefined;
  close(): void;
}

/**
 * `--spool none` keeps dead letters in memory: 10,000 to 20,000 of the newest, and at most 64 MiB
 * of their bodies (at 1 MiB a body, 20,000 would be 20 GiB). The older half goes at once.
 */
const MEMORY_DEAD_GENERATION = 10_000;
const MEMORY_DEAD_BYTES = 64 * 1024 * 1024;
/**
 * What memory holds for an undelivered message besides its body (its envelope, entry, id, the
 * engine's bookkeeping): 420–520 bytes measured (RSS of the daemon with SQS unreachable, 300,000
 * messages of 10, 100 and 1,000 bytes). Counted toward --max-spool-bytes, so that the bound
 * (256 MiB in memory mode) bounds memory for small messages too: before, 1,000,000 messages of
 * 100 bytes fitted in it, 526 MB of RSS.
 */
export const MEMORY_MESSAGE_OVERHEAD = 512;

/** `--spool none`: nothing survives the process; dead letters are kept in memory, bounded (above). */
export class MemorySpool implements Spool {
  readonly durable = false;
  readonly overhead = MEMORY_MESSAGE_OVERHEAD;
  private held = 0;
  private readonly sizes = new Map<string, number>();
  private readonly deadLetters = new RecentMap<DeadLetter>(MEMORY_DEAD_GENERATION, (d) => d.bytes, MEMORY_DEAD_BYTES);

  async append(messages: Envelope[]): Promise<void> {
    for (const m of messages) {
      const charge = m.bytes + this.overhead;
      this.sizes.set(m.id, charge);
      this.held += charge;
    }
  }
  delivered(messages: readonly SpoolRef[]): void {
    for (const m of messages) this.release(m.id);
  }
  attempted(): void {}
  dead(rows: Array<{ envelope: Envelope; reason: string; attempts: number }>): void {
    for (const { envelope: e, reason, attempts } of rows) {
      this.release(e.id);
      this.deadLetters.set(e.id, {
        id: e.id,
        queue: e.queue,
        accessKeyId: e.creds.accessKeyId,
        entry: e.entry,
        bytes: e.bytes,
        acceptedAt: e.acceptedAt,
        attempts,
        reason,
        diedAt: Date.now(),
      });
    }
  }
  private release(id: string) {
    this.held -= this.sizes.get(id) ?? 0;
    this.sizes.delete(id);
  }
  /** Nothing is paged out in memory mode: the engine holds every pending message itself. */
  loadAfter(): SpooledRow[] {
    return [];
  }
  find(): SpooledRow | undefined {
    return undefined;
  }
  bytes(): number {
    return this.held;
  }
  deadBytes(): number {
    return this.deadLetters.weight;
  }
  count(): number {
    return this.sizes.size;
  }
  listDead(opts: DeadFilter & { limit: number }): DeadLetter[] {
    return this.matching(opts).reverse().slice(0, opts.limit);
  }
  countDead(opts: DeadFilter): number {
    return this.matching(opts).length;
  }
  private matching({ accessKeyId, queue }: DeadFilter): DeadLetter[] {
    return [...this.deadLetters.values()].filter((d) => d.accessKeyId === accessKeyId && (!queue || d.queue === queue));
  }
  getDead(id: string): DeadLetter | undefined {
    return this.deadLetters.get(id);
  }
  takeDead(id: string): DeadLetter | undefined {
    const d = this.deadLetters.get(id);
    this.deadLetters.delete(id);
    return d;
  }
  close(): void {}
}

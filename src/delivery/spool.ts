// The Spool seam: where accepted messages live until SQS confirms them. MemorySpool keeps nothing.
import type { Envelope } from "./types";

/** A spooled message read back after a restart: credentials are named, never stored. */
export interface RecoveredRow {
  envelope: Omit<Envelope, "creds">;
  accessKeyId: string;
  attempts: number;
}

export interface Spool {
  /** Resolves when the messages are stored as durably as this spool promises. */
  append(messages: Envelope[]): Promise<void>;
  /** SQS confirmed these: forget them. */
  delivered(ids: string[]): void;
  /** Permanently undeliverable: keep them as dead letters. */
  dead(rows: Array<{ envelope: Envelope; reason: string; attempts: number }>): void;
  recover(): RecoveredRow[];
  /** Undelivered bytes held, for the --max-spool-bytes bound. */
  bytes(): number;
  readonly durable: boolean;
  close(): void;
}

/** `--spool none`: nothing survives the process; what is pending lives in the dispatcher's memory. */
export class MemorySpool implements Spool {
  readonly durable = false;
  private held = 0;
  private readonly sizes = new Map<string, number>();
  async append(messages: Envelope[]): Promise<void> {
    for (const m of messages) {
      this.sizes.set(m.id, m.bytes);
      this.held += m.bytes;
    }
  }
  delivered(ids: string[]): void {
    for (const id of ids) this.release(id);
  }
  dead(rows: Array<{ envelope: Envelope }>): void {
    for (const r of rows) this.release(r.envelope.id);
  }
  private release(id: string) {
    this.held -= this.sizes.get(id) ?? 0;
    this.sizes.delete(id);
  }
  recover(): RecoveredRow[] {
    return [];
  }
  bytes(): number {
    return this.held;
  }
  close(): void {}
}

// The durable spool: bun:sqlite in WAL mode, one transaction per event-loop turn (group commit).
import { Database, type Statement } from "bun:sqlite";
import { closeSync, fdatasync, mkdirSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { credentialsKey } from "../credentials/basic";
import { type Logger, silentLogger } from "../log";
import type { SendEntry } from "../sqs/types";
import type { DeadFilter, DeadLetter, Spool, SpooledRow, SpoolRef } from "./spool";
import type { Envelope } from "./types";

interface Row {
  seq: number;
  id: string;
  queue: string;
  akid: string;
  creds: string | null;
  body: string;
  params: string;
  bytes: number;
  accepted_at: number;
  attempts: number;
}

interface DeadRow extends Row {
  reason: string;
  died_at: number;
}

// `seq` is assigned by the spool (one counter, in accept order) and the engine's statements on
// `messages` go by it; the index on id only serves GET /messages/ID. No AUTOINCREMENT: it adds a
// page (sqlite_sequence) to every commit. (Older spools have it and a UNIQUE id; they keep working.)
const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  queue TEXT NOT NULL,
  akid TEXT NOT NULL,
  body TEXT NOT NULL,
  params TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  accepted_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS dead (
  id TEXT PRIMARY KEY,
  queue TEXT NOT NULL,
  akid TEXT NOT NULL,
  body TEXT NOT NULL,
  params TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  accepted_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  reason TEXT NOT NULL,
  died_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_by_time ON dead (died_at);
`;

/** Everything but the body, as stored in `params`. */
function paramsOf(entry: SendEntry): string {
  const { MessageBody: _, ...rest } = entry;
  return JSON.stringify(rest);
}

function entryOf(row: Row): SendEntry {
  return { MessageBody: row.body, ...(JSON.parse(row.params) as Omit<SendEntry, "MessageBody">) };
}

export const SPOOL_FILE = "spool.sqlite";
const LAZY_MS = 25;
const PREFLUSH_MS = 10;
/** WAL pages not yet copied into the database that call for a checkpoint (2 MiB of 16 KiB pages). */
const CHECKPOINT_PAGES = 128;
/**
 * --fsync normal: SQLite's own checkpoint after a commit, for when the spool's (after each
 * ahead-of-time sync, see checkpointIfDue) falls behind: writes faster than the disk syncs them.
 * It bounds the WAL at 4 MiB.
 */
const CHECKPOINT_BACKSTOP_PAGES = 256;
/** At most this many WAL pages written since the last sync began may be left for the checkpoint to sync. */
const CHECKPOINT_UNSYNCED_PAGES = 16;
/** ...unless this many are due: writes keep up with a slow disk, and the backstop would come during a sync. */
const CHECKPOINT_FORCE_PAGES = 192;
/** A failing disk is reported at most this often (with the count of failures meanwhile). */
const IO_WARN_EVERY_MS = 60_000;

/** fdatasync on Bun's thread pool; a test may hold the answer back. */
export type SyncFile = (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;

export class SqliteSpool implements Spool {
  readonly durable = true;
  /** On disk a message takes its bytes and little more. */
  readonly overhead = 0;
  readonly path: string;
  private readonly db: Database;
  private pending: Envelope[] = [];
  /**
   * Undelivered messages and their bytes, kept as counters: nothing in memory grows with the
   * spool (a backlog beyond the engine's window lives on disk only).
   */
  private held = 0;
  private heldCount = 0;
  /** Bytes of the dead letters kept (the table's, plus those of this turn). */
  private deadHeld = 0;
  private lastSeq = 0;
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  /** Delivered rows to delete, by seq. */
  private toDelete: number[] = [];
  /** Attempt counts to store, by seq. */
  private attempts = new Map<number, number>();
  /** The highest seq in toDelete and attempts: rows after it are read correctly without them. */
  private lazyMaxSeq = 0;
  private toBury: Array<{ envelope: Envelope; reason: string; attempts: number; at: number }> = [];
  private flushQueued = false;
  private lazyTimer?: ReturnType<typeof setTimeout>;
  private closed = false;
  /** --fsync normal: a descriptor of the WAL, flushed ahead of the checkpoint off this thread (see preflush). */
  private walFd: number | null = null;
  private readonly preflushing: boolean;
  private preflushBusy = false;
  private preflushAt = 0;
  /** A sync put off by PREFLUSH_MS, so that the last commits of a burst are synced too. */
  private preflushTimer?: ReturnType<typeof setTimeout>;
  /** WAL frames when the running sync began: all of them are on disk when it ends. */
  private syncFrom = 0;
  /** The WAL header's checkpoint sequence number then: it changes when the WAL starts over. */
  private syncWalSeq = -1;
  /** Commits so far, and when the running sync began: more since then need another sync. */
  private commits = 0;
  private syncCommits = 0;
  /** PRAGMA wal_checkpoint(NOOP) is there (SQLite 3.51+): the spool can run the checkpoints itself. */
  private readonly selfCheckpoint: boolean;
  private readonly syncFile: SyncFile;
  private readonly log: Logger;
  /** Failed syncs and checkpoints not yet reported, and when the last report was written. */
  private ioFailures = 0;
  private ioWarnedAt = Number.NEGATIVE_INFINITY;
  private readonly insert: Statement;
  private readonly remove: Statement;
  private readonly setAttempts: Statement;
  private readonly bury: Statement;
  private readonly commitTx: (bookkeeping: boolean) => void;
  private readonly afterStmt: Statement;
  private readonly walStatus: Statement;
  private readonly checkpointStmt: Statement;

  constructor(dir: string, opts: { fsync: "normal" | "always"; now?: () => number; syncFile?: SyncFile; log?: Logger }) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.path = join(dir, SPOOL_FILE);
    this.db = new Database(this.path, { create: true, strict: true });
    // One process owns the spool: exclusive locking keeps a second accelerator (or `replay`) from
    // sharing it, and lets WAL work without its shared-memory index (cheaper commits). It must be
    // set before WAL mode is entered; the lock itself is taken by the write transaction below.
    this.db.exec("PRAGMA locking_mode = EXCLUSIVE");
    this.db.exec("PRAGMA busy_timeout = 1000");
    // For a new file only (a WAL database keeps its page size): 16 KiB pages write a group commit in
    // fewer WAL frames than 4 KiB ones (spool CPU per message about halved in a micro-benchmark).
    this.db.exec("PRAGMA page_size = 16384");
    try {
      this.db.exec("PRAGMA journal_mode = WAL");
      this.db.exec("BEGIN IMMEDIATE; COMMIT");
    } catch (err) {
      this.db.close();
      if (/locked|busy/i.test((err as Error).message))
        throw new Error(`${this.path} is in use by another process (another sqs-accelerator, or a running replay)`);
      throw err;
    }
    // WAL + NORMAL: a commit survives a process crash; FULL also fsyncs each commit (power loss).
    this.db.exec(`PRAGMA synchronous = ${opts.fsync === "always" ? "FULL" : "NORMAL"}`);
    this.preflushing = opts.fsync !== "always";
    this.syncFile = opts.syncFile ?? fdatasync;
    this.log = opts.log ?? silentLogger;
    // An older SQLite (a system library, say) would take NOOP for PASSIVE and checkpoint each time.
    const [major = 0, minor = 0] = (this.db.query("SELECT sqlite_version() AS v").get() as { v: string }).v.split(".").map(Number);
    this.selfCheckpoint = this.preflushing && (major > 3 || (major === 3 && minor >= 51));
    // Checkpoints (copying the WAL into the database, with an fsync of each) run on this thread:
    // many small ones stall an ack less than few large ones. 128 pages (2 MiB) instead of SQLite's
    // 1,000 (16 MiB): ack p99 at ~900 msg/s from a median 11 ms to 7 ms, at saturation from ~30 ms
    // to ~16 ms, for ~5% fewer messages/s at saturation (wrk -t2 -c10 with a Lua delay() of 10 ms,
    // and wrk -t2 -c32, against the binary and local-sqs --latency-ms 20). With normal the spool
    // runs them itself, right after its own sync of the WAL (afterSync).
    this.db.exec(`PRAGMA wal_autocheckpoint = ${this.selfCheckpoint ? CHECKPOINT_BACKSTOP_PAGES : CHECKPOINT_PAGES}`);
    this.db.exec(SCHEMA);
    // Which credentials sent a row (a hash, see SpooledRow.credsKey); spools of earlier versions lack it.
    for (const table of ["messages", "dead"]) {
      const cols = this.db.query(`SELECT name FROM pragma_table_info('${table}')`).all() as Array<{ name: string }>;
      if (!cols.some((c) => c.name === "creds")) this.db.exec(`ALTER TABLE ${table} ADD COLUMN creds TEXT`);
    }
    this.insert = this.db.prepare(
      "INSERT OR IGNORE INTO messages (seq, id, queue, akid, creds, body, params, bytes, accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const indexed = (this.db.query("SELECT COUNT(*) AS n FROM pragma_index_list('messages')").get() as { n: number }).n > 0;
    if (!indexed) this.db.exec("CREATE INDEX messages_by_id ON messages (id)");
    this.remove = this.db.prepare("DELETE FROM messages WHERE seq = ?");
    this.setAttempts = this.db.prepare("UPDATE messages SET attempts = ? WHERE seq = ?");
    this.bury = this.db.prepare(
      `INSERT OR REPLACE INTO dead (id, queue, akid, creds, body, params, bytes, accepted_at, attempts, reason, died_at)
       VALUES ($id, $queue, $akid, $creds, $body, $params, $bytes, $accepted_at, $attempts, $reason, $died_at)`,
    );
    this.commitTx = this.db.transaction((bookkeeping: boolean) => {
      for (const m of this.pending)
        this.insert.run(
          m.seq!,
          m.id,
          m.queue,
          m.creds.accessKeyId,
          credentialsKey(m.creds),
          m.entry.MessageBody,
          paramsOf(m.entry),
          m.bytes,
          m.acceptedAt,
        );
      for (const d of this.toBury) {
        this.bury.run({
          id: d.envelope.id,
          queue: d.envelope.queue,
          akid: d.envelope.creds.accessKeyId,
          creds: credentialsKey(d.envelope.creds),
          body: d.envelope.entry.MessageBody,
          params: paramsOf(d.envelope.entry),
          bytes: d.envelope.bytes,
          accepted_at: d.envelope.acceptedAt,
          attempts: d.attempts,
          reason: d.reason,
          died_at: d.at,
        });
        // As in delivered(): every message the engine has carries its seq.
        if (d.envelope.seq !== undefined) this.remove.run(d.envelope.seq);
      }
      if (!bookkeeping) return;
      for (const [seq, n] of this.attempts) this.setAttempts.run(n, seq);
      for (const seq of this.toDelete) this.remove.run(seq);
    });
    this.afterStmt = this.db.prepare("SELECT * FROM messages WHERE seq > ? ORDER BY seq LIMIT ?");
    // NOOP (SQLite 3.51+) only reports the WAL's frames and how many are in the database already.
    this.walStatus = this.db.prepare(this.selfCheckpoint ? "PRAGMA wal_checkpoint(NOOP)" : "SELECT 0 AS log, 0 AS checkpointed");
    this.checkpointStmt = this.db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
    this.recount();
  }

  private recount(): void {
    const r = this.db.query("SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b, COALESCE(MAX(seq), 0) AS s FROM messages").get() as {
      n: number;
      b: number;
      s: number;
    };
    this.heldCount = r.n;
    this.held = r.b;
    this.lastSeq = Math.max(this.lastSeq, r.s);
    this.deadHeld = (this.db.query("SELECT COALESCE(SUM(bytes), 0) AS b FROM dead").get() as { b: number }).b;
  }

  /** Resolves after the transaction holding these messages has committed (group commit). */
  append(messages: Envelope[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error("spool is closed"));
    for (const m of messages) {
      m.seq = ++this.lastSeq;
      this.pending.push(m);
      this.held += m.bytes;
      this.heldCount++;
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushQueued || this.closed) return;
    this.flushQueued = true;
    setImmediate(() => this.flush(false));
  }

  /**
   * Bookkeeping (deletions of delivered rows, attempt counts) need not be durable at once: it is
   * written every LAZY_MS, in one go, which costs at most LAZY_MS of re-sends after a crash. The
   * commits of new messages, one per turn of the event loop, leave it out: deleting the oldest
   * rows dirties the table's and the index's first pages, so riding along on every commit wrote
   * about twice the WAL pages. Leaving it out costs ~0.88 × the CPU and ~0.85 × the main-thread
   * time per message in turns of 20 messages (`bun scripts/spool-bench.ts --rounds 5`, both ways
   * in one run, twice).
   */
  private scheduleLazy(): void {
    if (this.lazyTimer || this.closed) return;
    this.lazyTimer = setTimeout(() => this.flush(), LAZY_MS);
  }

  /**
   * One transaction for everything gathered during this turn of the event loop: new messages and
   * dead letters, and the bookkeeping too unless `bookkeeping` is false (the per-turn commit).
   */
  flush(bookkeeping = true): void {
    this.flushQueued = false;
    if (this.closed) return;
    if (bookkeeping && this.lazyTimer) {
      clearTimeout(this.lazyTimer);
      this.lazyTimer = undefined;
    }
    const lazy = bookkeeping && (this.toDelete.length > 0 || this.attempts.size > 0);
    if (this.pending.length === 0 && this.toBury.length === 0 && !lazy) return;
    const waiters = this.waiters;
    try {
      this.commitTx(lazy);
    } catch (err) {
      for (const m of this.pending) this.release(m);
      this.pending = [];
      this.waiters = [];
      for (const w of waiters) w.reject(err);
      if (lazy) this.scheduleLazy();
      return;
    }
    this.pending = [];
    this.toBury = [];
    this.commits++;
    if (this.preflushing) this.preflush();
    if (lazy) {
      this.toDelete = [];
      this.attempts.clear();
      this.lazyMaxSeq = 0;
    }
    this.waiters = [];
    for (const w of waiters) w.resolve();
  }

  /**
   * With --fsync normal a commit is not synced; a checkpoint (every 128 WAL pages, on this
   * thread, see afterSync) syncs the WAL first, and that fsync of ~2 MiB was the ack latency's
   * tail (~6.5 ms every ~160 messages at ~900 msg/s, by strace). So PREFLUSH_MS at most after a
   * commit the WAL is fdatasync'ed on Bun's thread pool, and the checkpoint's own fsync finds
   * little left to write: ack p99 at ~900 msg/s 7.0–7.7 → 3.2–3.5 ms (see README, Performance).
   * It only makes data durable sooner; SQLite's guarantees do not depend on it. An error is left
   * to SQLite's own fsync, which sees it too (each descriptor is told of a write-back error).
   */
  private preflush(): void {
    if (this.preflushBusy || this.closed) return; // the running sync's end looks again (afterSync)
    const now = performance.now();
    const wait = PREFLUSH_MS - (now - this.preflushAt);
    if (wait > 0) {
      this.preflushTimer ??= setTimeout(() => {
        this.preflushTimer = undefined;
        this.preflush();
      }, wait);
      return;
    }
    if (this.walFd === null) {
      try {
        this.walFd = openSync(`${this.path}-wal`, "r");
      } catch {
        return; // not there yet: the next commit tries again
      }
    }
    this.preflushAt = now;
    this.preflushBusy = true;
    this.syncFrom = this.walFrames();
    this.syncWalSeq = this.walSeq();
    this.syncCommits = this.commits;
    this.syncFile(this.walFd, (err) => {
      this.preflushBusy = false;
      if (err) this.ioFailed("sync of the write-ahead log", err);
      if (this.closed) this.closeWal();
      else this.afterSync();
    });
  }

  /**
   * With --fsync normal the spool checkpoints itself, here, when an fdatasync of the WAL has just
   * finished and none is running. SQLite's own checkpoint after a commit (every 128 pages before)
   * also fsyncs the WAL first, on this thread, and when that came while the thread pool's
   * fdatasync was still writing, it waited for it: 57 and 72 ms on the HTTP thread while the pool's
   * took 111 ms (`strace -f -T`, a backlog run), seen by a /health poller as stalls of 53 and 72 ms.
   * Now that fsync finds only what was committed since the sync began; when that is more than a
   * little (a sync slowed by the disk), another sync goes first, up to CHECKPOINT_FORCE_PAGES.
   * SQLite's own checkpoint stays as a backstop at twice the pages, should writes outrun the syncs.
   * Commits made during the sync are synced by the next one, at most PREFLUSH_MS later.
   */
  private afterSync(): void {
    try {
      const { log, checkpointed } = this.walStatus.get() as { log: number; checkpointed: number };
      // A WAL that started over during the sync (SQLite's backstop checkpointed it) holds only unsynced frames.
      const restarted = log < this.syncFrom || this.walSeq() !== this.syncWalSeq;
      const unsynced = restarted ? log : log - this.syncFrom;
      const due = log - checkpointed;
      if (this.selfCheckpoint && due >= CHECKPOINT_PAGES) {
        if (unsynced <= CHECKPOINT_UNSYNCED_PAGES || due >= CHECKPOINT_FORCE_PAGES) {
          this.checkpointStmt.get();
          return;
        }
        this.preflushAt = 0; // another sync at once, then the checkpoint
      }
    } catch (err) {
      // The next sync tries again, and SQLite's own checkpoint is still there; the operator is told.
      this.ioFailed("checkpoint", err);
      return;
    }
    if (this.commits !== this.syncCommits) this.preflush();
  }

  /**
   * A sync or checkpoint off the commit path failed. A process crash loses nothing by it (the
   * commits are in the page cache, and one that cannot be written fails on its own and its send is
   * refused); power-loss safety is --fsync always's promise, not normal's. But a failing disk should
   * not go unseen: one line a minute at most.
   */
  private ioFailed(what: string, err: unknown): void {
    this.ioFailures++;
    const now = performance.now();
    if (now - this.ioWarnedAt < IO_WARN_EVERY_MS) return;
    this.ioWarnedAt = now;
    this.log.warn("spool: disk I/O failed", {
      what,
      error: err instanceof Error ? err.message : String(err),
      failures: this.ioFailures,
      path: this.path,
    });
    this.ioFailures = 0;
  }

  /** Frames in the WAL since it last started from its beginning. */
  private walFrames(): number {
    try {
      return (this.walStatus.get() as { log: number }).log;
    } catch {
      return 0;
    }
  }

  /** The checkpoint sequence number in the WAL's header (bytes 12–15), which SQLite bumps each time the WAL starts over. */
  private walSeq(): number {
    if (this.walFd === null) return -1;
    const b = Buffer.alloc(4);
    try {
      return readSync(this.walFd, b, 0, 4, 12) === 4 ? b.readUInt32BE(0) : -1;
    } catch {
      return -1;
    }
  }

  /** WAL pages not yet copied into the database. */
  walPages(): number {
    const r = this.walStatus.get() as { log: number; checkpointed: number };
    return r.log - r.checkpointed;
  }

  /** The descriptor is closed only when no fdatasync is using it (a reused number would be synced instead). */
  private closeWal(): void {
    if (this.walFd === null || this.preflushBusy) return;
    closeSync(this.walFd);
    this.walFd = null;
  }

  delivered(messages: readonly SpoolRef[]): void {
    for (const m of messages) {
      // Every message the engine has came from append() or loadAfter(), so it has its seq.
      if (m.seq === undefined) continue;
      this.toDelete.push(m.seq);
      if (m.seq > this.lazyMaxSeq) this.lazyMaxSeq = m.seq;
      this.release(m);
    }
    this.scheduleLazy();
  }

  private release(m: SpoolRef): void {
    this.held -= m.bytes;
    this.heldCount--;
  }

  attempted(m: SpoolRef, attempts: number): void {
    if (m.seq === undefined) return;
    this.attempts.set(m.seq, attempts);
    if (m.seq > this.lazyMaxSeq) this.lazyMaxSeq = m.seq;
    this.scheduleLazy();
  }

  dead(rows: Array<{ envelope: Envelope; reason: string; attempts: number }>): void {
    const at = Date.now();
    for (const r of rows) {
      this.toBury.push({ ...r, at });
      this.release(r.envelope);
      this.deadHeld += r.envelope.bytes;
    }
    this.schedule();
  }

  loadAfter(seq: number, limit: number): SpooledRow[] {
    // The engine pages from a cursor past every row it has delivered or retried, so the
    // bookkeeping can usually keep waiting; a read from further back must see it.
    this.flush(seq < this.lazyMaxSeq);
    return (this.afterStmt.all(seq, limit) as Row[]).map(spooledRowOf);
  }

  find(id: string): SpooledRow | undefined {
    this.flush();
    const row = this.db.query("SELECT * FROM messages WHERE id = ?").get(id) as Row | null;
    return row ? spooledRowOf(row) : undefined;
  }

  count(): number {
    return this.heldCount;
  }

  listDead(opts: DeadFilter & { limit: number }): DeadLetter[] {
    this.flush();
    const rows = this.db
      .query("SELECT * FROM dead WHERE akid = ? AND (? IS NULL OR queue = ?) ORDER BY died_at DESC LIMIT ?")
      .all(opts.accessKeyId, opts.queue ?? null, opts.queue ?? null, opts.limit) as DeadRow[];
    return rows.map(deadLetterOf);
  }

  countDead(opts: DeadFilter): number {
    this.flush(false); // dead letters of this turn are counted too
    const q = this.db.query("SELECT COUNT(*) AS n FROM dead WHERE akid = ? AND (? IS NULL OR queue = ?)");
    return (q.get(opts.accessKeyId, opts.queue ?? null, opts.queue ?? null) as { n: number }).n;
  }

  getDead(id: string): DeadLetter | undefined {
    this.flush();
    const row = this.db.query("SELECT * FROM dead WHERE id = ?").get(id) as DeadRow | null;
    return row ? deadLetterOf(row) : undefined;
  }

  takeDead(id: string): DeadLetter | undefined {
    this.flush();
    const row = this.db.query("DELETE FROM dead WHERE id = ? RETURNING *").get(id) as DeadRow | null;
    if (row) this.deadHeld -= row.bytes;
    return row ? deadLetterOf(row) : undefined;
  }

  /** Moves dead letters back into the queue of messages to send (the replay command). */
  requeueDead(queue?: string): number {
    this.flush();
    const moved = this.db.transaction(() => {
      const where = queue ? "WHERE queue = ?" : "";
      const args = queue ? [queue] : [];
      this.db
        .query(
          `INSERT OR IGNORE INTO messages (id, queue, akid, creds, body, params, bytes, accepted_at, attempts)
           SELECT id, queue, akid, creds, body, params, bytes, accepted_at, 0 FROM dead ${where} ORDER BY died_at`,
        )
        .run(...args);
      return this.db.query(`DELETE FROM dead ${where}`).run(...args).changes;
    })();
    this.recount();
    return moved;
  }

  bytes(): number {
    return this.held;
  }

  deadBytes(): number {
    return this.deadHeld;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    // Whatever a failed last commit left is re-sent after the next start (at least once).
    clearTimeout(this.lazyTimer);
    this.lazyTimer = undefined;
    clearTimeout(this.preflushTimer);
    this.preflushTimer = undefined;
    this.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    // Finalized first, so closing releases the exclusive lock now rather than when they are collected.
    for (const st of [this.insert, this.remove, this.setAttempts, this.bury, this.afterStmt, this.walStatus, this.checkpointStmt])
      st.finalize();
    this.db.close(true);
    this.closeWal();
  }
}

function spooledRowOf(r: Row): SpooledRow {
  return {
    seq: r.seq,
    envelope: { id: r.id, queue: r.queue, entry: entryOf(r), bytes: r.bytes, acceptedAt: r.accepted_at, seq: r.seq },
    accessKeyId: r.akid,
    ...(r.creds ? { credsKey: r.creds } : {}),
    attempts: r.attempts,
  };
}

function deadLetterOf(r: DeadRow): DeadLetter {
  return {
    id: r.id,
    queue: r.queue,
    accessKeyId: r.akid,
    entry: entryOf(r),
    bytes: r.bytes,
    acceptedAt: r.accepted_at,
    attempts: r.attempts,
    reason: r.reason,
    diedAt: r.died_at,
  };
}

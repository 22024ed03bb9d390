// local-sqs state in bun:sqlite: queues (cached in memory, written through), messages, dedup ids, deleted names.
// One file under --data DIR (WAL), or `:memory:`. Every method is synchronous: one action never interleaves another.
import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { MessageAttributes } from "../sqs/types";

export interface QueueRecord {
  name: string;
  fifo: boolean;
  /** Every settable attribute with its normalised value, defaults included. */
  attributes: Record<string, string>;
  tags: Record<string, string>;
  createdAt: number;
  modifiedAt: number;
  /** When the last PurgeQueue was accepted (ms), for PurgeQueueInProgress. */
  purgedAt: number | null;
  /** Last FIFO sequence number handed out. */
  seq: number;
}

export interface MessageRow {
  id: number;
  queue: string;
  message_id: string;
  body: string;
  attrs: string | null;
  sys_attrs: string | null;
  md5_body: string;
  group_id: string | null;
  dedup_id: string | null;
  seq: string | null;
  sender: string;
  sent_at: number;
  enqueued_at: number;
  visible_at: number;
  receive_count: number;
  first_receive_at: number | null;
  received_at: number | null;
  receipt: string | null;
  dlq_source: string | null;
  bytes: number;
}

export interface NewMessage {
  queue: string;
  messageId: string;
  body: string;
  attributes: MessageAttributes | null;
  systemAttributes: MessageAttributes | null;
  md5Body: string;
  groupId: string | null;
  dedupId: string | null;
  seq: string | null;
  sender: string;
  sentAt: number;
  visibleAt: number;
  bytes: number;
}

export interface Counts {
  visible: number;
  notVisible: number;
  delayed: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queues (
  name TEXT PRIMARY KEY,
  fifo INTEGER NOT NULL,
  attributes TEXT NOT NULL,
  tags TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  modified_at INTEGER NOT NULL,
  purged_at INTEGER,
  seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS deleted_queues (name TEXT PRIMARY KEY, deleted_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL,
  message_id TEXT NOT NULL,
  body TEXT NOT NULL,
  attrs TEXT,
  sys_attrs TEXT,
  md5_body TEXT NOT NULL,
  group_id TEXT,
  dedup_id TEXT,
  seq TEXT,
  sender TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  enqueued_at INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  receive_count INTEGER NOT NULL DEFAULT 0,
  first_receive_at INTEGER,
  received_at INTEGER,
  receipt TEXT,
  dlq_source TEXT,
  bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_visibility ON messages (queue, visible_at);
CREATE INDEX IF NOT EXISTS messages_by_group ON messages (queue, group_id, id);
CREATE INDEX IF NOT EXISTS messages_by_age ON messages (queue, enqueued_at);
CREATE TABLE IF NOT EXISTS dedup (
  queue TEXT NOT NULL,
  key TEXT NOT NULL,
  message_id TEXT NOT NULL,
  seq TEXT,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (queue, key)
);
CREATE INDEX IF NOT EXISTS dedup_by_expiry ON dedup (expires_at);
`;

interface QueueRow {
  name: string;
  fifo: number;
  attributes: string;
  tags: string;
  created_at: number;
  modified_at: number;
  purged_at: number | null;
  seq: number;
}

export const DB_FILE = "local-sqs.sqlite";

export class Store {
  private readonly db: Database;
  private readonly queues = new Map<string, QueueRecord>();
  private bytes = 0;
  private readonly q: Record<string, Statement>;

  /** `dir` null keeps everything in memory. */
  constructor(dir: string | null) {
    if (dir !== null) mkdirSync(dir, { recursive: true });
    this.db = new Database(dir === null ? ":memory:" : join(dir, DB_FILE), { create: true, strict: true });
    if (dir !== null) {
      this.db.exec("PRAGMA journal_mode = WAL");
      this.db.exec("PRAGMA synchronous = NORMAL");
    }
    this.db.exec(SCHEMA);
    const p = (sql: string) => this.db.prepare(sql);
    this.q = {
      upsertQueue: p(
        `INSERT INTO queues (name, fifo, attributes, tags, created_at, modified_at, purged_at, seq)
         VALUES ($name, $fifo, $attributes, $tags, $created_at, $modified_at, $purged_at, $seq)
         ON CONFLICT(name) DO UPDATE SET attributes = excluded.attributes, tags = excluded.tags,
           modified_at = excluded.modified_at, purged_at = excluded.purged_at, seq = excluded.seq`,
      ),
      deleteQueue: p("DELETE FROM queues WHERE name = ?"),
      deleteQueueMessages: p("DELETE FROM messages WHERE queue = ?"),
      deleteQueueDedup: p("DELETE FROM dedup WHERE queue = ?"),
      markDeleted: p("INSERT OR REPLACE INTO deleted_queues (name, deleted_at) VALUES (?, ?)"),
      deletedAt: p("SELECT deleted_at FROM deleted_queues WHERE name = ?"),
      forgetDeleted: p("DELETE FROM deleted_queues WHERE deleted_at <= ?"),
      queueBytes: p("SELECT COALESCE(SUM(bytes), 0) AS b FROM messages WHERE queue = ?"),
      insert: p(
        `INSERT INTO messages (queue, message_id, body, attrs, sys_attrs, md5_body, group_id, dedup_id, seq, sender,
           sent_at, enqueued_at, visible_at, bytes)
         VALUES ($queue, $message_id, $body, $attrs, $sys_attrs, $md5_body, $group_id, $dedup_id, $seq, $sender,
           $sent_at, $sent_at, $visible_at, $bytes)`,
      ),
      counts: p(
        `SELECT
           COALESCE(SUM(visible_at <= $now), 0) AS visible,
           COALESCE(SUM(visible_at > $now AND receive_count > 0), 0) AS notVisible,
           COALESCE(SUM(visible_at > $now AND receive_count = 0), 0) AS delayed
         FROM messages WHERE queue = $queue`,
      ),
      nextVisible: p("SELECT MIN(visible_at) AS t FROM messages WHERE queue = ? AND visible_at > ?"),
      expiredBytes: p("SELECT COALESCE(SUM(bytes), 0) AS b FROM messages WHERE queue = ? AND enqueued_at <= ?"),
      expire: p("DELETE FROM messages WHERE queue = ? AND enqueued_at <= ?"),
      ready: p("SELECT * FROM messages WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, id LIMIT ?"),
      heads: p(
        `SELECT m.* FROM messages m
         JOIN (SELECT MIN(id) AS head FROM messages WHERE queue = $queue GROUP BY group_id) h ON m.id = h.head
         WHERE m.visible_at <= $now ORDER BY m.id LIMIT $limit`,
      ),
      groupRun: p("SELECT * FROM messages WHERE queue = ? AND group_id = ? AND id > ? ORDER BY id LIMIT ?"),
      byId: p("SELECT * FROM messages WHERE id = ? AND queue = ?"),
      received: p(
        `UPDATE messages SET receive_count = receive_count + 1, visible_at = $visible_at,
           first_receive_at = COALESCE(first_receive_at, $now), received_at = $now, receipt = $receipt WHERE id = $id`,
      ),
      setVisible: p("UPDATE messages SET visible_at = ? WHERE id = ?"),
      deleteOne: p("DELETE FROM messages WHERE id = ?"),
      move: p(
        `INSERT INTO messages (queue, message_id, body, attrs, sys_attrs, md5_body, group_id, dedup_id, seq, sender,
           sent_at, enqueued_at, visible_at, receive_count, first_receive_at, received_at, receipt, dlq_source, bytes)
         SELECT $target, message_id, body, attrs, sys_attrs, md5_body, group_id, dedup_id, seq, sender,
           sent_at, $enqueued_at, $now, receive_count, first_receive_at, received_at, NULL, $source, bytes
         FROM messages WHERE id = $id`,
      ),
      dedupGet: p("SELECT message_id, seq FROM dedup WHERE queue = ? AND key = ? AND expires_at > ?"),
      dedupPut: p("INSERT OR REPLACE INTO dedup (queue, key, message_id, seq, expires_at) VALUES (?, ?, ?, ?, ?)"),
      dedupSweep: p("DELETE FROM dedup WHERE expires_at <= ?"),
    };
    for (const row of this.db.query("SELECT * FROM queues").all() as QueueRow[]) {
      this.queues.set(row.name, {
        name: row.name,
        fifo: row.fifo === 1,
        attributes: JSON.parse(row.attributes) as Record<string, string>,
        tags: JSON.parse(row.tags) as Record<string, string>,
        createdAt: row.created_at,
        modifiedAt: row.modified_at,
        purgedAt: row.purged_at,
        seq: row.seq,
      });
    }
    this.bytes = (this.db.query("SELECT COALESCE(SUM(bytes), 0) AS b FROM messages").get() as { b: number }).b;
  }

  close(): void {
    this.db.close();
  }

  /** Runs `fn` in one transaction (one fsync in file mode, all-or-nothing). */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Bytes of all stored messages (body plus attributes), for the storage bound. */
  get storedBytes(): number {
    return this.bytes;
  }

  get queueCount(): number {
    return this.queues.size;
  }

  // ---- queues

  queue(name: string): QueueRecord | undefined {
    return this.queues.get(name);
  }

  /** Queue names in order, starting after `after`, with `prefix`. */
  queueNames(prefix: string, after: string | null, limit: number): string[] {
    const names = [...this.queues.keys()].filter((n) => n.startsWith(prefix) && (after === null || n > after)).sort();
    return names.slice(0, limit);
  }

  allQueues(): QueueRecord[] {
    return [...this.queues.values()];
  }

  saveQueue(q: QueueRecord): void {
    this.q.upsertQueue!.run({
      name: q.name,
      fifo: q.fifo ? 1 : 0,
      attributes: JSON.stringify(q.attributes),
      tags: JSON.stringify(q.tags),
      created_at: q.createdAt,
      modified_at: q.modifiedAt,
      purged_at: q.purgedAt,
      seq: q.seq,
    });
    this.queues.set(q.name, q);
  }

  deleteQueue(name: string, now: number): void {
    this.tx(() => {
      this.bytes -= (this.q.queueBytes!.get(name) as { b: number }).b;
      this.q.deleteQueueMessages!.run(name);
      this.q.deleteQueueDedup!.run(name);
      this.q.deleteQueue!.run(name);
      this.q.markDeleted!.run(name, now);
    });
    this.queues.delete(name);
  }

  deletedAt(name: string): number | null {
    const row = this.q.deletedAt!.get(name) as { deleted_at: number } | null;
    return row?.deleted_at ?? null;
  }

  purge(name: string): void {
    this.tx(() => {
      this.bytes -= (this.q.queueBytes!.get(name) as { b: number }).b;
      this.q.deleteQueueMessages!.run(name);
    });
  }

  // ---- messages

  insert(m: NewMessage): void {
    this.q.insert!.run({
      queue: m.queue,
      message_id: m.messageId,
      body: m.body,
      attrs: m.attributes ? JSON.stringify(m.attributes) : null,
      sys_attrs: m.systemAttributes ? JSON.stringify(m.systemAttributes) : null,
      md5_body: m.md5Body,
      group_id: m.groupId,
      dedup_id: m.dedupId,
      seq: m.seq,
      sender: m.sender,
      sent_at: m.sentAt,
      visible_at: m.visibleAt,
      bytes: m.bytes,
    });
    this.bytes += m.bytes;
  }

  counts(queue: string, now: number): Counts {
    return this.q.counts!.get({ queue, now }) as Counts;
  }

  /** The next moment (ms) a message of `queue` becomes visible, or null when none is waiting. */
  nextVisibleAt(queue: string, now: number): number | null {
    return (this.q.nextVisible!.get(queue, now) as { t: number | null }).t;
  }

  /** Deletes messages enqueued at or before `cutoff` (MessageRetentionPeriod). */
  expire(queue: string, cutoff: number): void {
    const b = (this.q.expiredBytes!.get(queue, cutoff) as { b: number }).b;
    if (b === 0) return;
    this.q.expire!.run(queue, cutoff);
    this.bytes -= b;
  }

  /** Visible messages of a standard queue, longest-visible first. */
  ready(queue: string, now: number, limit: number): MessageRow[] {
    return this.q.ready!.all(queue, now, limit) as MessageRow[];
  }

  /** The oldest message of each FIFO group, where that message is visible, in arrival order. */
  visibleHeads(queue: string, now: number, limit: number): MessageRow[] {
    return this.q.heads!.all({ queue, now, limit }) as MessageRow[];
  }

  /** The messages of a group that follow `afterId`, in order. */
  groupRun(queue: string, group: string | null, afterId: number, limit: number): MessageRow[] {
    return this.q.groupRun!.all(queue, group, afterId, limit) as MessageRow[];
  }

  message(queue: string, id: number): MessageRow | null {
    return this.q.byId!.get(id, queue) as MessageRow | null;
  }

  markReceived(id: number, visibleAt: number, now: number, receipt: string): void {
    this.q.received!.run({ id, visible_at: visibleAt, now, receipt });
  }

  setVisibleAt(id: number, visibleAt: number): void {
    this.q.setVisible!.run(visibleAt, id);
  }

  deleteMessage(row: MessageRow): void {
    this.q.deleteOne!.run(row.id);
    this.bytes -= row.bytes;
  }

  /** Moves a message to a dead-letter queue (a new row at its tail), keeping its history. */
  moveToDeadLetter(row: MessageRow, target: string, sourceArn: string, now: number, resetEnqueue: boolean): void {
    this.tx(() => {
      this.q.move!.run({ target, enqueued_at: resetEnqueue ? now : row.enqueued_at, now, source: sourceArn, id: row.id });
      this.q.deleteOne!.run(row.id);
    });
  }

  dedupLookup(queue: string, key: string, now: number): { message_id: string; seq: string | null } | null {
    return this.q.dedupGet!.get(queue, key, now) as { message_id: string; seq: string | null } | null;
  }

  dedupRemember(queue: string, key: string, messageId: string, seq: string | null, expiresAt: number): void {
    this.q.dedupPut!.run(queue, key, messageId, seq, expiresAt);
  }

  /** Drops dedup ids past their window and deleted-queue names past their wait. */
  sweep(now: number, deletedWaitMs: number): void {
    this.q.dedupSweep!.run(now);
    this.q.forgetDeleted!.run(now - deletedWaitMs);
  }
}

// The durable spool on its own: rows keyed by seq, found by id, bookkeeping kept across a reopen, one owner.
import { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { credentialsKey } from "../../src/credentials/basic";
import { SPOOL_FILE, SqliteSpool } from "../../src/delivery/sqlite-spool";
import type { Envelope } from "../../src/delivery/types";
import { createLogger } from "../../src/log";
import { CREDS, tempDir } from "../helpers";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function open(dir: string) {
  const s = new SqliteSpool(dir, { fsync: "normal" });
  cleanups.unshift(() => s.close());
  return s;
}

const env = (id: string, body: string): Envelope => ({
  id,
  queue: "q",
  creds: CREDS,
  entry: { MessageBody: body, MessageAttributes: { k: { DataType: "String", StringValue: "v" } } },
  bytes: body.length,
  acceptedAt: 1_700_000_000_000,
});

test("append numbers rows in order; delivered, attempted and dead act on them by seq; a reopen sees the result", async () => {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const a = new SqliteSpool(dir.path, { fsync: "normal" });
  const msgs = ["m1", "m2", "m3", "m4"].map((id, i) => env(id, `body ${i} 😀`));
  await a.append(msgs.slice(0, 2));
  await a.append(msgs.slice(2));
  expect(msgs.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  expect(a.count()).toBe(4);
  expect(a.bytes()).toBe(msgs.reduce((n, m) => n + m.bytes, 0));

  a.delivered([msgs[0]!]);
  a.attempted(msgs[1]!, 3);
  a.dead([{ envelope: msgs[2]!, reason: "gone", attempts: 5 }]);
  expect(a.count()).toBe(2);
  expect(a.bytes()).toBe(msgs[1]!.bytes + msgs[3]!.bytes);
  expect(a.find("m1")).toBeUndefined();
  expect(a.find("never-seen")).toBeUndefined();
  const m2 = a.find("m2")!;
  expect({ seq: m2.seq, attempts: m2.attempts, body: m2.envelope.entry.MessageBody, key: m2.accessKeyId }).toEqual({
    seq: 2,
    attempts: 3,
    body: "body 1 😀",
    key: CREDS.accessKeyId,
  });
  expect(m2.envelope.entry.MessageAttributes).toEqual({ k: { DataType: "String", StringValue: "v" } });
  a.close();

  const b = open(dir.path);
  expect(b.loadAfter(0, 10).map((r) => [r.envelope.id, r.seq, r.attempts])).toEqual([
    ["m2", 2, 3],
    ["m4", 4, 0],
  ]);
  expect(b.loadAfter(2, 10).map((r) => r.envelope.id)).toEqual(["m4"]);
  expect(b.count()).toBe(2);
  expect(b.getDead("m3")).toMatchObject({ reason: "gone", attempts: 5, entry: { MessageBody: "body 2 😀" } });
  // New rows continue after the highest seq on disk, so paging order stays accept order.
  const more = env("m5", "five");
  await b.append([more]);
  expect(more.seq).toBe(5);
});

test("replay's requeue puts dead letters back where find and count see them", async () => {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const a = open(dir.path);
  const m = env("d1", "dead body");
  await a.append([m]);
  a.dead([{ envelope: m, reason: "r", attempts: 1 }]);
  expect(a.count()).toBe(0);
  expect(a.requeueDead()).toBe(1);
  expect(a.count()).toBe(1);
  expect(a.find("d1")?.envelope.entry.MessageBody).toBe("dead body");
  expect(a.getDead("d1")).toBeUndefined();
});

test("a spool has one owner: a second open is refused until the first closes", () => {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const a = new SqliteSpool(dir.path, { fsync: "normal" });
  expect(() => new SqliteSpool(dir.path, { fsync: "normal" })).toThrow(/in use by another process/);
  a.close();
  open(dir.path);
});

test("a spool made by an earlier version (AUTOINCREMENT seq, UNIQUE id) keeps working", async () => {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const old = new Database(join(dir.path, SPOOL_FILE), { create: true, strict: true });
  old.exec("PRAGMA journal_mode = WAL");
  old.exec(`CREATE TABLE messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, queue TEXT NOT NULL,
    akid TEXT NOT NULL, body TEXT NOT NULL, params TEXT NOT NULL, bytes INTEGER NOT NULL, accepted_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0)`);
  old.run(
    "INSERT INTO messages (id, queue, akid, body, params, bytes, accepted_at, attempts) VALUES ('old1', 'q', 'AKIDOLD', 'old body', '{}', 8, 1, 2)",
  );
  old.close();

  const s = open(dir.path);
  // Its rows do not say which secret sent them (any credentials of the key id will do for those).
  expect(s.loadAfter(0, 10).map((r) => [r.envelope.id, r.seq, r.attempts, r.accessKeyId, r.credsKey])).toEqual([
    ["old1", 1, 2, "AKIDOLD", undefined],
  ]);
  const m = env("new1", "new body");
  await s.append([m]);
  expect(m.seq).toBe(2);
  s.delivered([{ id: "old1", seq: 1, bytes: 8 }]);
  expect(s.loadAfter(0, 10).map((r) => [r.envelope.id, r.credsKey])).toEqual([["new1", credentialsKey(CREDS)]]);
});

test("the write-ahead log stays small: 20 MiB of messages through the spool leave at most a few MiB of WAL", async () => {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const s = open(dir.path);
  const body = "x".repeat(10_000);
  let n = 0;
  for (let commit = 0; commit < 100; commit++) {
    const batch = Array.from({ length: 20 }, () => env(`w${++n}`, body));
    await s.append(batch);
    s.delivered(batch);
  }
  s.flush();
  expect(s.count()).toBe(0);
  const wal = Bun.file(join(dir.path, `${SPOOL_FILE}-wal`)).size;
  // 2,000 × 10 kB went through; checkpoints restart the log from its start: the spool's after each
  // sync of the log once it holds 128 pages (2 MiB), SQLite's own at 256 pages should syncs lag.
  expect(wal).toBeGreaterThan(0);
  expect(wal).toBeLessThan(5 * 1024 * 1024);
});

test("deletions reach the disk within 25 ms, on their own, not with every commit of new messages (a crash re-sends at most those)", async () => {
  const dir = tempDir();
  cleanups.push(dir.remove);
  // A child process fills the spool and is killed (SIGKILL: no close, no last flush).
  const child = Bun.spawn(
    [
      process.execPath,
      "-e",
      `
      import { SqliteSpool } from ${JSON.stringify(join(import.meta.dir, "../../src/delivery/sqlite-spool"))};
      const s = new SqliteSpool(${JSON.stringify(dir.path)}, { fsync: "normal" });
      const mk = (id) => ({ id, queue: "q", creds: { accessKeyId: "AKIDCRASH", secretAccessKey: "s" }, entry: { MessageBody: id }, bytes: id.length, acceptedAt: 1 });
      const a = ["a1", "a2", "a3"].map(mk);
      await s.append(a);
      s.delivered([a[0]]);
      s.attempted(a[2], 4);
      await Bun.sleep(150);
      s.delivered([a[1]]);
      const b = s.append([mk("b1")]);
      s.flush(false); // the turn's commit, now, before the 25 ms timer could run
      await b;
      process.kill(process.pid, "SIGKILL");
      `,
    ],
    { stdout: "inherit", stderr: "inherit" },
  );
  expect(await child.exited).not.toBe(0);
  expect(child.signalCode).toBe("SIGKILL");
  const s = open(dir.path);
  // a1's deletion and a3's attempt count went out on their own after 25 ms; a2's deletion was
  // still waiting when b1 was committed without it, so a2 is sent again after the crash.
  expect(s.loadAfter(0, 10).map((r) => [r.envelope.id, r.attempts])).toEqual([
    ["a2", 0],
    ["a3", 4],
    ["b1", 0],
  ]);
});

test("a dead letter is counted and listed at once, before the turn's commit", async () => {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const s = open(dir.path);
  const m = env("d1", "doomed");
  await s.append([m]);
  s.dead([{ envelope: m, reason: "gone", attempts: 1 }]);
  expect(s.countDead({ accessKeyId: CREDS.accessKeyId })).toBe(1);
  expect(s.listDead({ accessKeyId: CREDS.accessKeyId, limit: 10 }).map((d) => d.id)).toEqual(["d1"]);
  expect(s.count()).toBe(0);
});

test("close stops the bookkeeping timer even when the last commit failed; later calls do nothing", async () => {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const s = new SqliteSpool(dir.path, { fsync: "normal" });
  const m = env("m1", "body");
  await s.append([m]);
  s.delivered([m]); // bookkeeping now waits for its timer
  let flushes = 0;
  const flush = s.flush.bind(s);
  s.flush = (bookkeeping?: boolean) => {
    flushes++;
    flush(bookkeeping);
  };
  // The disk fails from here on: the commit in close() throws, and a failed commit re-arms the timer.
  (s as unknown as { commitTx: () => void }).commitTx = () => {
    throw new Error("disk I/O error");
  };
  s.close();
  const afterClose = flushes;
  s.delivered([m]);
  s.flush();
  await Bun.sleep(150); // six turns of the 25 ms timer
  expect(flushes - afterClose).toBe(1); // only the call above, which did nothing
  // The row whose deletion never reached the disk is still there: it is re-sent after a restart.
  const again = open(dir.path);
  expect(again.count()).toBe(1);
});

/** This process's open descriptors of the spool's write-ahead log. */
function walDescriptors(dir: string): number {
  const wal = join(dir, `${SPOOL_FILE}-wal`);
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(wal)) n++; // " (deleted)" once SQLite removed it
    } catch {
      // closed while listing
    }
  }
  return n;
}

test("--fsync normal syncs the log ahead of the checkpoint through a descriptor of its own, closed with the spool, idle or mid-sync", async () => {
  for (const [fsync, closeMidSync] of [
    ["normal", true],
    ["normal", false],
    ["always", false],
  ] as const) {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const s = new SqliteSpool(dir.path, { fsync });
    await s.append([env("m1", "body")]);
    // SQLite's own descriptor, and with normal the one the ahead-of-time fdatasync uses.
    expect(walDescriptors(dir.path)).toBe(fsync === "normal" ? 2 : 1);
    await Bun.sleep(15);
    // This commit starts the next fdatasync on the thread pool (10 ms after the first).
    const last = s.append([env("m2", "body")]);
    s.flush(false);
    await last;
    if (!closeMidSync) await Bun.sleep(100);
    s.close();
    for (let i = 0; closeMidSync && i < 100 && walDescriptors(dir.path) > 0; i++) await Bun.sleep(10);
    expect(walDescriptors(dir.path)).toBe(0);
    const again = open(dir.path);
    expect(again.loadAfter(0, 10).map((r) => r.envelope.id)).toEqual(["m1", "m2"]);
    again.close();
  }
});

/** A --fsync normal spool whose syncs of the log the test ends, one by one, and a commit of n 10 kB messages. */
function heldSyncs() {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const held: Array<() => void> = [];
  const s = new SqliteSpool(dir.path, { fsync: "normal", syncFile: (_fd, done) => held.push(() => done(null)) });
  cleanups.unshift(() => {
    for (const release of held.splice(0)) release();
    s.close();
  });
  const body = "x".repeat(10_000);
  let n = 0;
  const commit = async (count: number, deliver = true) => {
    const batch = Array.from({ length: count }, () => env(`c${++n}`, body));
    await s.append(batch);
    if (deliver) s.delivered(batch);
  };
  return { s, held, commit };
}

test("--fsync normal checkpoints right after its own sync of the log, never while that sync runs, and with little left to sync", async () => {
  const { s, held, commit } = heldSyncs();
  // The first commit starts a sync of the log, which the test holds. Meanwhile the log grows past
  // 128 pages (2 MiB), where SQLite's own checkpoint used to copy it into the database, to 150.
  await commit(20);
  expect(held).toHaveLength(1);
  for (let i = 0; i < 20 && s.walPages() < 150; i++) await commit(20);
  expect(held).toHaveLength(1);
  expect(s.walPages()).toBeGreaterThanOrEqual(150);
  // The sync is over, but what came in meanwhile is not on disk yet: another sync goes first.
  held.shift()!();
  expect(held).toHaveLength(1);
  expect(s.walPages()).toBeGreaterThanOrEqual(150);
  // That one leaves nothing for the checkpoint to sync, and the checkpoint follows at once.
  held.shift()!();
  expect(held).toHaveLength(0);
  expect(s.walPages()).toBe(0);
  // The next commit starts the log again from its beginning.
  await Bun.sleep(15);
  await commit(20);
  expect(s.walPages()).toBeLessThan(40);
  s.flush();
  expect(s.count()).toBe(0);
});

test("--fsync normal: when syncs keep ending with more to sync (a slow disk), the spool checkpoints anyway once 192 pages are due", async () => {
  const { s, held, commit } = heldSyncs();
  await commit(20, false);
  for (let i = 0; i < 20 && s.walPages() < 150; i++) await commit(20, false);
  held.shift()!();
  expect(held).toHaveLength(1);
  for (let i = 0; i < 20 && s.walPages() < 200; i++) await commit(20, false);
  const due = s.walPages();
  expect(due).toBeGreaterThanOrEqual(200);
  expect(due).toBeLessThan(256);
  // Over 16 pages came during this sync too, but 192 are due: the checkpoint, with no sync running.
  held.shift()!();
  expect(s.walPages()).toBe(0);
  expect(held).toHaveLength(0);
});

test("--fsync normal: when SQLite's own checkpoint (256 pages) started the log over during a sync, all of the new log is synced before the spool checkpoints it", async () => {
  const { s, held, commit } = heldSyncs();
  // Commits without deliveries: no bookkeeping commit (every 25 ms) starts a sync the test does not expect.
  await commit(1, false);
  for (let i = 0; i < 200 && s.walPages() < 110; i++) await commit(1, false);
  // Under 128 pages when its sync ends: no checkpoint is due. What came meanwhile is synced next,
  // 10 ms after the first sync began.
  held.shift()!();
  for (let i = 0; i < 50 && held.length === 0; i++) await Bun.sleep(2);
  expect(held).toHaveLength(1);
  held.shift()!();
  expect(held).toHaveLength(0);
  const before = s.walPages();
  expect(before).toBeGreaterThanOrEqual(110);
  expect(before).toBeLessThan(128);
  // The next commit, after the 10 ms between syncs, starts one at the log's end, past 128 frames.
  await Bun.sleep(15);
  await commit(40, false);
  expect(held).toHaveLength(1);
  const from = s.walPages();
  expect(from).toBeGreaterThan(140);
  // While it runs, the log reaches 256 pages, SQLite checkpoints it, and it starts over; it then
  // grows again to just past the frame where the sync began, so frame numbers alone would say
  // that little is left to sync.
  let restarted = false;
  for (let i = 0; i < 600 && !(restarted && s.walPages() > from); i++) {
    const pages = s.walPages();
    await commit(1, false);
    if (s.walPages() < pages) restarted = true;
  }
  expect(restarted).toBe(true);
  const due = s.walPages();
  expect(due).toBeGreaterThan(from);
  expect(due).toBeLessThanOrEqual(from + 4);
  // None of those pages was in the sync that ends now: another one goes first.
  held.shift()!();
  expect(held).toHaveLength(1);
  expect(s.walPages()).toBe(due);
  held.shift()!();
  expect(s.walPages()).toBe(0);
});

test("--fsync normal syncs the last commits of a burst too, once 10 ms have passed since the sync before", async () => {
  const { s, held, commit } = heldSyncs();
  const started = async () => {
    for (let i = 0; i < 50 && held.length === 0; i++) await Bun.sleep(2);
    return held.length;
  };
  await commit(1, false);
  expect(held).toHaveLength(1);
  held.shift()!();
  // Within 10 ms of that sync's start, no sync starts now, but one follows: no later commit is needed.
  await commit(1, false);
  expect(await started()).toBe(1);
  held.shift()!();
  // Nothing was committed since: no more syncs.
  await Bun.sleep(30);
  expect(held).toHaveLength(0);
  // A commit made while a sync runs is synced after it.
  await commit(1, false);
  expect(held).toHaveLength(1);
  await commit(1, false);
  held.shift()!();
  expect(await started()).toBe(1);
  held.shift()!();
  await Bun.sleep(30);
  expect(held).toHaveLength(0);
  expect(s.count()).toBe(4);
});

test("--fsync normal: a sync of the log that fails is reported, one line a minute at most, and commits go on", async () => {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const lines: string[] = [];
  let syncs = 0;
  const s = new SqliteSpool(dir.path, {
    fsync: "normal",
    log: createLogger("warn", (line) => lines.push(line)),
    syncFile: (_fd, done) => {
      syncs++;
      const err = Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
      queueMicrotask(() => done(err));
    },
  });
  cleanups.unshift(() => s.close());
  for (let i = 0; i < 3; i++) {
    await s.append([env(`io${i}`, "x")]);
    await Bun.sleep(15); // past the 10 ms between syncs
  }
  expect(syncs).toBeGreaterThanOrEqual(3);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain("warn spool: disk I/O failed");
  expect(lines[0]).toContain('what="sync of the write-ahead log"');
  expect(lines[0]).toContain('error="EIO: i/o error, fdatasync"');
  expect(s.count()).toBe(3);
});

// The delivery engine: one lane per (credentials, queue), adaptive batching, bounded concurrency, retries.
import { credentialsKey } from "../credentials/basic";
import { unavailable } from "../errors";
import type { Logger } from "../log";
import type { SqsClient } from "../sqs/client";
import { isAuthFailure, isMissingQueue, SqsError } from "../sqs/errors";
import { isFifoName } from "../sqs/limits";
import type { Sender } from "../sqs/remote-sender";
import type { Credentials } from "../sqs/types";
import { pickBatch } from "./batch";
import { RecentMap } from "./recent";
import { backoffMs, decide, type RetryPolicy } from "./retry";
import type { DeadFilter, DeadLetter, Spool, SpooledRow } from "./spool";
import { LatencyWindow } from "./stats";
import type { DeliveryStats, Dispatcher, Envelope, Health, MessageStatus } from "./types";

export interface EngineOptions {
  maxInflight: number;
  maxBatch: number;
  lingerMs: number;
  maxPending: number;
  maxSpoolBytes: number;
  retry: RetryPolicy;
  /** Credentials the daemon has itself (environment); rows spooled under their key resume at once. */
  serverCredentials?: Credentials;
  /**
   * With a durable spool, at most this many messages / body bytes are held in memory; the rest
   * wait in the spool and are paged in as the window empties, so a long outage costs disk, not RAM.
   */
  windowMessages?: number;
  windowBytes?: number;
}

export interface EngineDeps {
  sqs: SqsClient;
  /** Where sends go; the client itself unless a worker thread sends (see remote-sender.ts). */
  sender?: Sender;
  spool: Spool;
  log: Logger;
  options: EngineOptions;
  now?: () => number;
}

interface Pending {
  env: Envelope;
  seq: number;
  attempts: number;
  lastCode?: string;
  lastError?: string;
  retryAt: number;
  groupId?: string;
  bytes: number;
  /** Already taken into a batch while still in `ready` (FIFO lanes take from the middle). */
  taken?: boolean;
  /** Its last attempt failed as a whole request: retry early once the lane works again. */
  outage?: boolean;
  /** Its batch was refused as a whole for what one entry may have caused: it goes next, on its own. */
  alone?: boolean;
}

interface Lane {
  key: string;
  queue: string;
  creds: Credentials;
  fifo: boolean;
  /** Waiting messages in acceptance order; `head` is the first not yet taken (a cheap queue). */
  ready: Pending[];
  head: number;
  /** Entries of `ready` after `head` already taken (FIFO lanes take from the middle): dropped in bulk. */
  takenAhead: number;
  /** Failed messages whose backoff is over, by seq; taken before `ready`. */
  retries: Pending[];
  delayed: Pending[];
  busyGroups: Set<string>;
  inflight: number;
  timer?: ReturnType<typeof setTimeout>;
  timerAt: number;
  /**
   * Whole requests that failed in a row (SQS down, 5xx, throttling, timeouts). While it is above
   * 0 the lane sends one request at a time, a probe, and none before `pausedUntil`.
   */
  failedInARow: number;
  pausedUntil: number;
  /** When the current run of failed requests began (0 while SQS answers). */
  failingSince: number;
}

/**
 * Outcomes of sent messages kept for /messages/ID: at least the newest 10,000 (at most 20,000),
 * for at most an hour. (Dead letters stay findable in the spool.) Keeping 100,000 cost ~110 MiB
 * of peak RSS and longer GC pauses.
 */
const RECENT_GENERATION = 10_000;
const WINDOW_MESSAGES = 2_000;
/**
 * The window also grows with the lanes that have messages in it, to two full batches each, up to
 * 10 × its base: 2,000 messages spread over 800 lanes (100 queues × 8 credentials) is 2.5 per lane,
 * and batches that small halved the messages per request in `scripts/bench --scale`. Bytes stay
 * capped by WINDOW_BYTES.
 */
const WINDOW_GROWTH = 10;
const WINDOW_BYTES = 8 * 1024 * 1024;
const PAGE = 1_000;
/** Access key ids remembered with credentials SQS took, for rows of older spools (a guard; cleared past it). */
const MAX_PROVEN_KEY_IDS = 10_000;
/** Pages read per refill at most: rows waiting for credentials are passed over, a few pages a turn. */
const REFILL_PAGES = 20;
const RECENT_MS = 60 * 60 * 1000;
/**
 * The longest pause of a lane whose whole requests fail: a probe at least every 2 s (1 s on
 * average, with full jitter), so deliveries resume within about a second of SQS coming back.
 * Without the pause every message of the window retried on its own timer: ~2,900 requests in
 * the first 2 s of an outage and ~250 a second after that, mostly of one or two messages.
 */
const LANE_PAUSE_CAP_MS = 2_000;

export class DeliveryEngine implements Dispatcher {
  private readonly lanes = new Map<string, Lane>();
  private readonly live = new Map<string, Pending>();
  private readonly recent = new RecentMap<MessageStatus>(RECENT_GENERATION);
  /** Dead letters being retried (accepted again), by id. */
  private readonly retrying = new Map<string, Promise<"retried">>();
  /**
   * Spooled rows wait on disk for the credentials that sent them, named by `credentialsKey` (rows
   * of older spools: by access key id). Here: each such name with the lowest seq among its rows;
   * paging resumes from there once a request presents those credentials. Nothing of theirs is
   * held in memory.
   */
  private readonly waitingFor = new Map<string, number>();
  /**
   * Credentials spooled rows may need (memory only), by `credentialsKey`: those of messages
   * accepted in this run, until the last of them has left (sent or dead), and, for good, the
   * daemon's own and those presented for rows spooled before this run. Credentials that merely
   * came with a request are not kept, so no flood of them can push these out.
   */
  private readonly known = new Map<string, { creds: Credentials; pending: number; pinned: boolean }>();
  /** By access key id, the latest credentials SQS took a request with: for rows of older spools only. */
  private readonly provenByKeyId = new Map<string, Credentials>();
  private refillQueued = false;
  /** Spool rows up to this seq are in memory or waiting for credentials; later ones may be on disk only. */
  private cursor = 0;
  /** True while the spool may hold rows after `cursor` that are not in memory. */
  private paged = false;
  private liveBytes = 0;
  private inflight = 0;
  private seq = 0;
  private pumpQueued = false;
  private draining = false;
  /** stop() gave up delivering: no new sends or retries; answers still in flight are still recorded. */
  private halted = false;
  /** The spool is closed: late answers no longer touch it (their rows are delivered at the next start). */
  private stopped = false;
  private started = false;
  private rr = 0;
  private readonly counters = { accepted: 0, sent: 0, retried: 0, dead: 0, upstreamRequests: 0, batchedMessages: 0 };
  private readonly ackLatency = new LatencyWindow();
  private readonly deliveryLatency = new LatencyWindow();
  private readonly now: () => number;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly deps: EngineDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const own = this.deps.options.serverCredentials;
    if (own) {
      this.known.set(credentialsKey(own), { creds: own, pending: 0, pinned: true });
      this.provenByKeyId.set(own.accessKeyId, own);
    }
    const backlog = this.deps.spool.count();
    if (this.deps.spool.durable && backlog > 0) {
      this.paged = true;
      this.refill();
      this.deps.log.info("spool holds undelivered messages from before; each resumes when the credentials that sent it are presented", {
        messages: backlog,
        waiting_for: [...new Set([...this.waitingFor.keys()].map(keyIdOf))].join(",") || undefined,
      });
      this.schedulePump();
    }
  }

  private windowMessages(): number {
    const o = this.deps.options;
    const base = o.windowMessages ?? WINDOW_MESSAGES;
    return Math.max(base, Math.min(this.lanes.size * 2 * o.maxBatch, base * WINDOW_GROWTH));
  }

  private windowFull(extraMessages = 0, extraBytes = 0): boolean {
    return (
      this.live.size + extraMessages > this.windowMessages() ||
      this.liveBytes + extraBytes > (this.deps.options.windowBytes ?? WINDOW_BYTES)
    );
  }

  /**
   * Pages spooled rows after the cursor into memory while the window has room. Rows whose access
   * key has no credentials stay on disk: they take no room, so they cannot hold up other keys.
   */
  private refill(): void {
    if (!this.paged || this.halted) return;
    for (let round = 0; round < REFILL_PAGES; round++) {
      if (this.windowFull()) return;
      // A whole page while there is any room (one query, not many small ones; the window may be
      // overshot by up to a page). Rows that open new lanes grow the window for the next round.
      const rows = this.deps.spool.loadAfter(this.cursor, PAGE);
      for (const row of rows) {
        this.cursor = row.seq;
        if (this.live.has(row.envelope.id)) continue;
        const creds = this.credentialsFor(row);
        if (creds) this.enqueue({ ...row.envelope, creds }, row.attempts);
        else this.wait(row.credsKey ?? row.accessKeyId, row.seq);
      }
      if (rows.length < PAGE) {
        this.paged = false;
        return;
      }
    }
    // Pages of rows that wait for credentials: go on after other work, a few pages at a time.
    if (this.refillQueued) return;
    this.refillQueued = true;
    setTimeout(() => {
      this.refillQueued = false;
      this.schedulePump();
    }, 0);
  }

  private wait(name: string, seq: number): void {
    const from = this.waitingFor.get(name);
    if (from === undefined || seq < from) this.waitingFor.set(name, seq);
  }

  /** The credentials that sent a spooled row, if a request has presented them since the start. */
  private credentialsFor(row: SpooledRow): Credentials | undefined {
    return row.credsKey ? this.known.get(row.credsKey)?.creds : this.provenByKeyId.get(row.accessKeyId);
  }

  /** `freedDeadBytes`: a dead letter being retried leaves the dead letters as it is accepted. */
  async accept(messages: Envelope[], freedDeadBytes = 0): Promise<void> {
    if (this.draining) throw unavailable("ShuttingDown", "The accelerator is shutting down; send again shortly.", 5);
    const full = this.fullReason(messages, freedDeadBytes);
    if (full) throw unavailable("Backpressure", full, 1);
    await this.deps.spool.append(messages);
    this.counters.accepted += messages.length;
    // One request, one set of credentials: its messages page in with them until the last has left.
    const creds = messages[0]?.creds;
    if (creds) {
      const key = credentialsKey(creds);
      const known = this.known.get(key);
      if (known) known.pending += messages.length;
      else this.known.set(key, { creds, pending: messages.length, pinned: false });
      this.offerCredentials(creds);
    }
    let bytes = 0;
    for (const m of messages) bytes += m.bytes;
    if (this.deps.spool.durable && (this.paged || this.windowFull(messages.length, bytes))) {
      // Behind the window: the rows wait on disk and are paged in, in order, as room frees up.
      this.paged = true;
    } else
      for (const env of messages) {
        if (this.live.has(env.id)) continue;
        this.enqueue(env, 0);
        if (env.seq !== undefined && env.seq > this.cursor) this.cursor = env.seq;
      }
    this.schedulePump();
  }

  private fullReason(incoming: Envelope[] = [], freedDeadBytes = 0): string | undefined {
    const { maxPending, maxSpoolBytes } = this.deps.options;
    // With nothing incoming (health), "full" means not even one more message fits.
    if (this.pendingCount() + Math.max(1, incoming.length) > maxPending)
      return `${this.pendingCount()} messages are waiting for SQS (limit ${maxPending}); try again later.`;
    // In memory a message takes more than its body; the spool says how much more.
    const { durable, overhead } = this.deps.spool;
    // Dead letters on disk count too, so that messages SQS keeps refusing cannot fill it unseen.
    // (In memory they make room for themselves: only new dead letters push old ones out.)
    const held = this.deps.spool.bytes();
    const dead = durable ? Math.max(0, this.deps.spool.deadBytes() - freedDeadBytes) : 0;
    // An empty spool takes anything that passed the door: a bound as low as the largest message or
    // batch must not refuse it forever ("try again later" would never come true).
    if (held + dead === 0) return undefined;
    let bytes = 0;
    for (const m of incoming) bytes += m.bytes + overhead;
    if (held + dead + (incoming.length ? bytes : 1 + overhead) > maxSpoolBytes) {
      if (!durable)
        return `Memory holds ${held} bytes of undelivered messages (their bodies and attributes plus ${overhead} bytes each; limit ${maxSpoolBytes}); try again later.`;
      return dead > held
        ? `The spool holds ${dead} bytes of dead letters and ${held} undelivered (limit ${maxSpoolBytes}); replay or discard the dead letters (GET /dead-letters).`
        : `The spool holds ${held} undelivered bytes and ${dead} of dead letters (limit ${maxSpoolBytes}); try again later.`;
    }
    return undefined;
  }

  private pendingCount(): number {
    return this.deps.spool.durable ? this.deps.spool.count() : this.live.size;
  }

  recordAck(ms: number): void {
    this.ackLatency.add(ms);
  }

  /**
   * Credentials a request presented: spooled rows that these very credentials sent go from now on
   * (a key id with another secret releases nothing, and is never lent another's secret).
   */
  offerCredentials(creds: Credentials): void {
    if (this.waitingFor.size === 0) return;
    const key = credentialsKey(creds);
    if (!this.waitingFor.has(key)) return;
    const known = this.known.get(key);
    if (known) known.pinned = true;
    else this.known.set(key, { creds, pending: 0, pinned: true });
    this.resume(key, creds.accessKeyId);
  }

  /** Pages again from the first row waiting under `name`; rows already in memory are passed over. */
  private resume(name: string, accessKeyId: string): void {
    const from = this.waitingFor.get(name);
    if (from === undefined) return;
    this.waitingFor.delete(name);
    this.deps.log.info("credentials presented; resuming spooled messages", { access_key_id: accessKeyId });
    this.cursor = Math.min(this.cursor, from - 1);
    this.paged = true;
    this.schedulePump();
  }

  private enqueue(env: Envelope, attempts: number): void {
    const lane = this.laneFor(env.queue, env.creds);
    const p: Pending = { env, seq: this.seq++, attempts, retryAt: 0, bytes: env.bytes, groupId: env.entry.MessageGroupId };
    this.live.set(env.id, p);
    this.liveBytes += env.bytes;
    lane.ready.push(p);
  }

  /** A message leaves memory (sent or dead) after its attempt: its FIFO group is free again. */
  private release(p: Pending, lane: Lane): void {
    this.forget(p);
    if (p.groupId !== undefined) lane.busyGroups.delete(p.groupId);
  }

  /** A message leaves for good (sent or dead). */
  private forget(p: Pending): void {
    this.live.delete(p.env.id);
    this.liveBytes -= p.bytes;
    const key = credentialsKey(p.env.creds);
    const known = this.known.get(key);
    if (known && !known.pinned && --known.pending <= 0) this.known.delete(key);
  }

  private laneFor(queue: string, creds: Credentials): Lane {
    const key = `${credentialsKey(creds)}\n${queue}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = {
        key,
        queue,
        creds,
        fifo: isFifoName(queue),
        ready: [],
        head: 0,
        takenAhead: 0,
        retries: [],
        delayed: [],
        busyGroups: new Set(),
        inflight: 0,
        timerAt: 0,
        failedInARow: 0,
        pausedUntil: 0,
        failingSince: 0,
      };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /** Fills free upstream slots, round-robin over lanes that have something sendable. */
  private pump(): void {
    if (this.halted) return;
    if (this.paged) this.refill();
    const { maxInflight, lingerMs, maxBatch } = this.deps.options;
    while (this.inflight < maxInflight) {
      const lanes = [...this.lanes.values()];
      let sent = false;
      for (let k = 0; k < lanes.length && this.inflight < maxInflight; k++) {
        const lane = lanes[(this.rr + k) % lanes.length]!;
        const waiting = lane.retries.length + lane.ready.length - lane.head;
        if (waiting === 0) {
          // An idle lane is forgotten, so lanes do not pile up over many (credentials, queue) pairs.
          if (lane.inflight === 0 && lane.delayed.length === 0 && !lane.timer) this.lanes.delete(lane.key);
          continue;
        }
        if (lane.failedInARow > 0 && !this.draining) {
          if (lane.inflight > 0) continue; // its probe is out
          if (lane.pausedUntil > this.now()) {
            this.wakeAt(lane, lane.pausedUntil);
            continue;
          }
        }
        if (lingerMs > 0 && !this.draining && waiting < maxBatch) {
          const age = this.now() - (lane.retries[0] ?? lane.ready[lane.head])!.env.acceptedAt;
          if (age < lingerMs) {
            this.wakeAt(lane, this.now() + (lingerMs - age));
            continue;
          }
        }
        const batch = this.takeBatch(lane);
        if (batch.length === 0) continue;
        this.send(lane, batch);
        sent = true;
      }
      this.rr = lanes.length ? (this.rr + 1) % lanes.length : 0;
      if (!sent) break;
    }
    if (this.inflight === 0 && this.live.size === 0 && !this.refillQueued) this.notifyIdle();
  }

  /**
   * The next batch of a lane: due retries first, then the oldest waiting messages. A standard
   * lane only needs to look at its first few; a FIFO lane skips groups already in flight.
   */
  private takeBatch(lane: Lane): Pending[] {
    const first = lane.retries[0];
    if (first?.alone) {
      first.alone = false;
      lane.retries.shift();
      if (lane.fifo && first.groupId !== undefined) lane.busyGroups.add(first.groupId);
      return [first];
    }
    const maxEntries = this.deps.options.maxBatch;
    const limit = lane.fifo ? 1000 : maxEntries;
    const window: Pending[] = [];
    for (const p of lane.retries) if (window.length < limit) window.push(p);
    for (let i = lane.head; i < lane.ready.length && window.length < limit; i++) {
      const p = lane.ready[i]!;
      if (!p.taken) window.push(p);
    }
    const batch = pickBatch(window, { maxEntries }, lane.fifo ? lane.busyGroups : undefined).map((i) => window[i]!);
    if (batch.length === 0) return batch;
    for (const p of batch) {
      if (!p.taken) lane.takenAhead++; // from `ready` (retries were taken before)
      p.taken = true;
      if (lane.fifo && p.groupId !== undefined) lane.busyGroups.add(p.groupId);
    }
    if (lane.retries.length) {
      const picked = new Set(batch);
      lane.retries = lane.retries.filter((p) => !picked.has(p));
    }
    this.advance(lane);
    return batch;
  }

  /**
   * Moves `head` past taken entries and drops them. A FIFO lane with a group held up (a message
   * in backoff) takes later groups' messages from the middle; without the bulk drop every message
   * it delivered would stay referenced from `ready`, bodies and all, until the group moved on.
   */
  private advance(lane: Lane): void {
    while (lane.head < lane.ready.length && lane.ready[lane.head]!.taken) {
      lane.head++;
      lane.takenAhead--;
    }
    if (lane.head === lane.ready.length) {
      lane.ready = [];
      lane.head = 0;
      lane.takenAhead = 0;
    } else if (lane.takenAhead > 1024 && lane.takenAhead * 2 > lane.ready.length - lane.head) {
      lane.ready = lane.ready.slice(lane.head).filter((p) => !p.taken);
      lane.head = 0;
      lane.takenAhead = 0;
    } else if (lane.head > 4096 && lane.head * 2 > lane.ready.length) {
      lane.ready = lane.ready.slice(lane.head);
      lane.head = 0;
    }
  }

  private async send(lane: Lane, batch: Pending[]): Promise<void> {
    this.inflight++;
    lane.inflight++;
    const { sqs } = this.deps;
    const sender = this.deps.sender ?? sqs;
    try {
      let url: string;
      try {
        url = await sqs.getQueueUrl(lane.creds, lane.queue);
      } catch (err) {
        this.upstream();
        this.failAll(lane, batch, toSqsError(err));
        return;
      }
      if (batch.length === 1) {
        const p = batch[0]!;
        this.upstream(1);
        try {
          const r = await sender.sendMessage(lane.creds, url, p.env.entry);
          this.answered(lane);
          this.succeeded(lane, [{ p, messageId: r.MessageId }]);
        } catch (err) {
          this.failAll(lane, batch, toSqsError(err));
        }
        return;
      }
      this.upstream(batch.length);
      let outcome: Awaited<ReturnType<SqsClient["sendMessageBatch"]>>;
      try {
        outcome = await sender.sendMessageBatch(
          lane.creds,
          url,
          batch.map((p) => p.env.entry),
        );
      } catch (err) {
        this.failAll(lane, batch, toSqsError(err));
        return;
      }
      this.answered(lane); // entries may still fail one by one
      this.succeeded(
        lane,
        outcome.successful.map((s) => ({ p: batch[Number(s.id)]!, messageId: s.MessageId })),
      );
      for (const f of outcome.failed) this.failed(lane, batch[Number(f.id)]!, f.error);
    } finally {
      this.inflight--;
      lane.inflight--;
      this.schedulePump();
    }
  }

  private upstream(messages = 0): void {
    this.counters.upstreamRequests++;
    this.counters.batchedMessages += messages;
  }

  private succeeded(lane: Lane, items: Array<{ p: Pending; messageId: string }>): void {
    if (items.length === 0 || this.stopped) return;
    const now = this.now();
    for (const { p, messageId } of items) {
      p.attempts++;
      this.release(p, lane);
      this.deliveryLatency.add(now - p.env.acceptedAt);
      this.remember({ ...this.statusOf(p, "sent"), sqsMessageId: messageId });
    }
    this.counters.sent += items.length;
    if (lane.delayed.some((p) => p.outage)) this.wake(lane, true);
    this.deps.spool.delivered(items.map((i) => i.p.env));
    this.deps.log.debug("sent", { queue: lane.queue, count: items.length, ids: items.map((i) => i.p.env.id).join(",") });
  }

  /** SQS answered a request of this lane: its run of failures, and any pause, is over. */
  private answered(lane: Lane): void {
    lane.failedInARow = 0;
    lane.failingSince = 0;
    // Its credentials are good: they may see their dead letters (see SqsClient.verifyCredentials),
    // and send the rows of older spools, which name their key id only.
    this.deps.sqs.trust?.(lane.creds);
    const akid = lane.creds.accessKeyId;
    if (this.provenByKeyId.get(akid) !== lane.creds) {
      if (!this.provenByKeyId.has(akid) && this.provenByKeyId.size >= MAX_PROVEN_KEY_IDS) this.provenByKeyId.clear();
      this.provenByKeyId.set(akid, lane.creds);
    }
    if (this.waitingFor.has(akid)) this.resume(akid, akid);
  }

  private failAll(lane: Lane, batch: Pending[], error: SqsError): void {
    if (isMissingQueue(error.code)) this.deps.sqs.forgetQueue(lane.creds, lane.queue);
    if (!error.retryable && batch.length > 1 && !isMissingQueue(error.code) && !isAuthFailure(error.code) && !this.halted) {
      // SQS refused the whole batch for something one entry may have caused (most entry problems
      // come back one by one, but not all): each goes again on its own, so only the culprit dies.
      for (const p of batch) {
        p.alone = true;
        if (p.groupId !== undefined) lane.busyGroups.delete(p.groupId);
      }
      lane.retries = lane.retries.concat(batch).sort((a, b) => a.seq - b.seq);
      this.deps.log.warn("SQS refused a whole batch; its messages go again one by one", {
        queue: lane.queue,
        count: batch.length,
        code: error.code,
      });
      return;
    }
    const outage = error.retryable && error.kind !== "resign";
    if (outage) {
      // The lane's own backoff, like a message's but capped lower; see LANE_PAUSE_CAP_MS.
      const r = this.deps.options.retry;
      const base = error.kind === "throttling" ? r.throttleBaseMs : r.baseMs;
      const pause = Math.max(1, backoffMs(base, Math.min(r.capMs, LANE_PAUSE_CAP_MS), lane.failedInARow++));
      lane.pausedUntil = this.now() + pause;
      if (lane.failingSince === 0) lane.failingSince = this.now();
    }
    for (const p of batch) this.failed(lane, p, error, true);
    if (outage) {
      this.expireWaiting(lane, error);
      this.wakeAt(lane, lane.pausedUntil); // the next probe, even with nothing new to send
    }
  }

  /**
   * While SQS keeps failing, a lane sends one probe at a time, so its other messages would reach
   * --max-retry-age only as probes carry them, a batch every second or two: with a backlog, hours
   * past the deadline. Once the lane has been failing for --max-retry-age, after each failed
   * probe, those that have waited that long go to the dead letters at once, as each would have on
   * its own timer. (Old messages on a lane that fails once, say after a long stop, are tried.)
   */
  private expireWaiting(lane: Lane, error: SqsError): void {
    if (this.stopped || this.halted) return;
    const now = this.now();
    const { maxAgeMs } = this.deps.options.retry;
    if (lane.failingSince === 0 || now - lane.failingSince < maxAgeMs) return;
    const expired = (p: Pending) => now - p.env.acceptedAt >= maxAgeMs;
    const dead: Pending[] = [];
    // Failed before and waiting out a backoff: their group waits for them, so it is free after.
    const keep = (list: Pending[]) =>
      list.filter((p) => {
        if (!expired(p)) return true;
        this.release(p, lane);
        dead.push(p);
        return false;
      });
    lane.delayed = keep(lane.delayed);
    lane.retries = keep(lane.retries);
    // Never tried: their group may be held by an earlier message of it, so it stays as it is.
    for (let i = lane.head; i < lane.ready.length; i++) {
      const p = lane.ready[i]!;
      if (p.taken || !expired(p)) continue;
      p.taken = true;
      lane.takenAhead++;
      this.forget(p);
      dead.push(p);
    }
    this.advance(lane);
    if (dead.length === 0) return;
    const reason = `gave up: SQS kept failing for longer than --max-retry-age; last ${error.code}: ${error.message}`;
    this.counters.dead += dead.length;
    for (const p of dead) this.remember({ ...this.statusOf(p, "dead"), lastError: reason });
    this.deps.spool.dead(dead.map((p) => ({ envelope: p.env, reason, attempts: p.attempts })));
    this.deps.log.warn("dead letters", { queue: lane.queue, count: dead.length, code: error.code, reason: "max-retry-age" });
  }

  /** `wholeRequest`: the request failed (outage, throttling), not this entry alone. */
  private failed(lane: Lane, p: Pending, error: SqsError, wholeRequest = false): void {
    if (this.stopped) return; // the row stays in the spool for the next start
    p.attempts++;
    const now = this.now();
    const d = decide(error, p.attempts, p.env.acceptedAt, now, this.deps.options.retry, p.lastCode);
    p.lastCode = error.code;
    p.lastError = `${error.code}: ${error.message}`;
    if (d.action === "dead") {
      this.release(p, lane);
      this.counters.dead++;
      const reason = isMissingQueue(error.code) ? `queue ${lane.queue} does not exist (${error.code})` : d.reason;
      this.remember({ ...this.statusOf(p, "dead"), lastError: reason });
      this.deps.spool.dead([{ envelope: p.env, reason, attempts: p.attempts }]);
      this.deps.log.warn("dead letter", {
        id: p.env.id,
        queue: lane.queue,
        code: error.code,
        attempts: p.attempts,
        auth: isAuthFailure(error.code) ? true : undefined,
      });
      return;
    }
    if (this.halted) return; // stays in the spool for the next start
    this.deps.spool.attempted(p.env, p.attempts);
    this.counters.retried++;
    p.retryAt = now + d.delayMs;
    p.outage = wholeRequest;
    lane.delayed.push(p);
    this.deps.log.debug("retry", { id: p.env.id, queue: lane.queue, code: error.code, attempt: p.attempts, delay_ms: d.delayMs });
    this.wakeAt(lane, p.retryAt);
  }

  /** Arms the lane's timer for `at` unless it already fires sooner. */
  private wakeAt(lane: Lane, at: number): void {
    if (this.halted) return;
    if (lane.timer && lane.timerAt <= at) return;
    if (lane.timer) clearTimeout(lane.timer);
    lane.timerAt = at;
    lane.timer = setTimeout(() => this.wake(lane), Math.max(0, at - this.now()));
  }

  /**
   * Moves due retries back to the front of the lane, in their original order. With `outageOver`,
   * retries of whole failed requests are due too: SQS just took a message on this lane. (Entries
   * SQS refused one by one keep their backoff, so a stubborn entry cannot spin.)
   */
  private wake(lane: Lane, outageOver = false): void {
    if (lane.timer) clearTimeout(lane.timer); // called early (outage over): its timer is replaced below
    lane.timer = undefined;
    const now = this.now();
    const due: Pending[] = [];
    const later: Pending[] = [];
    let next = Number.POSITIVE_INFINITY;
    // A paused lane's pause is over and its probe is not out: the oldest message that failed with a
    // whole request goes now, as the probe, rather than after its own backoff (up to --retry-cap).
    let probe: Pending | undefined;
    const paused = lane.failedInARow > 0 && !this.draining;
    if (paused && lane.inflight === 0 && lane.pausedUntil <= now)
      for (const p of lane.delayed) if (p.outage && (!probe || p.seq < probe.seq)) probe = p;
    for (const p of lane.delayed) {
      if (p.retryAt <= now || this.draining || (outageOver && p.outage) || p === probe) due.push(p);
      else {
        later.push(p);
        if (p.retryAt < next) next = p.retryAt;
      }
    }
    if (due.length > 0) {
      lane.delayed = later;
      // They stay marked taken, so the copy a FIFO lane may still hold in `ready` is skipped.
      for (const p of due) if (p.groupId !== undefined) lane.busyGroups.delete(p.groupId);
      lane.retries = lane.retries.concat(due).sort((a, b) => a.seq - b.seq);
    }
    if (lane.delayed.length > 0) this.wakeAt(lane, next);
    if (paused && lane.pausedUntil > now && lane.delayed.some((p) => p.outage)) this.wakeAt(lane, lane.pausedUntil);
    this.schedulePump();
  }

  private statusOf(p: Pending, state: MessageStatus["state"]): MessageStatus {
    return {
      id: p.env.id,
      queue: p.env.queue,
      state,
      attempts: p.attempts,
      acceptedAt: p.env.acceptedAt,
      updatedAt: this.now(),
      ...(p.lastError ? { lastError: p.lastError } : {}),
    };
  }

  private remember(s: MessageStatus): void {
    this.recent.set(s.id, s);
  }

  status(id: string): MessageStatus | undefined {
    const p = this.live.get(id);
    if (p) return this.statusOf(p, "pending");
    const r = this.recent.get(id);
    if (r && this.now() - r.updatedAt <= RECENT_MS) return r;
    const dead = this.deps.spool.getDead(id);
    if (dead)
      return {
        id,
        queue: dead.queue,
        state: "dead",
        attempts: dead.attempts,
        acceptedAt: dead.acceptedAt,
        updatedAt: dead.diedAt,
        lastError: dead.reason,
      };
    const spooled = this.deps.spool.find(id);
    if (spooled) {
      const known = this.credentialsFor(spooled) !== undefined;
      return {
        id,
        queue: spooled.envelope.queue,
        state: known ? "pending" : "waiting-for-credentials",
        attempts: spooled.attempts,
        acceptedAt: spooled.envelope.acceptedAt,
        updatedAt: this.now(),
        ...(known ? {} : { waitingFor: spooled.accessKeyId }),
      };
    }
    return undefined;
  }

  stats(): DeliveryStats {
    const c = this.counters;
    return {
      accepted: c.accepted,
      sent: c.sent,
      retried: c.retried,
      dead: c.dead,
      pending: this.pendingCount(),
      inMemory: this.live.size,
      inflight: this.inflight,
      upstreamRequests: c.upstreamRequests,
      averageBatchSize: c.upstreamRequests ? Math.round((c.batchedMessages / c.upstreamRequests) * 100) / 100 : 0,
      ackLatencyMs: this.ackLatency.percentiles(),
      deliveryLatencyMs: this.deliveryLatency.percentiles(),
    };
  }

  deadLetters(opts: DeadFilter & { limit: number }): { total: number; items: DeadLetter[] } {
    return { total: this.deps.spool.countDead(opts), items: this.deps.spool.listDead(opts) };
  }

  async retryDead(id: string, creds: Credentials): Promise<"retried" | "not-found" | "other-credentials"> {
    const d = this.deps.spool.getDead(id);
    if (!d) return "not-found";
    if (d.accessKeyId !== creds.accessKeyId) return "other-credentials";
    // A second retry of the same dead letter while the first is being accepted (a double click, a
    // client retrying on timeout) joins the first: accepting it twice would spool it twice.
    const running = this.retrying.get(id);
    if (running) return running;
    const retry = (async () => {
      await this.accept([{ id: d.id, queue: d.queue, creds, entry: d.entry, bytes: d.bytes, acceptedAt: this.now() }], d.bytes);
      this.deps.spool.takeDead(id);
      this.recent.delete(id);
      return "retried" as const;
    })();
    this.retrying.set(id, retry);
    try {
      return await retry;
    } finally {
      this.retrying.delete(id);
    }
  }

  discardDead(id: string, accessKeyId: string): "discarded" | "not-found" | "other-credentials" {
    const d = this.deps.spool.getDead(id);
    if (!d) return "not-found";
    if (d.accessKeyId !== accessKeyId) return "other-credentials";
    this.recent.delete(id);
    this.deps.spool.takeDead(id);
    return "discarded";
  }

  health(): Health {
    if (this.draining) return { ok: false, reason: "shutting down" };
    const full = this.fullReason();
    return full ? { ok: false, reason: full } : { ok: true };
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when nothing is pending or in flight (or at once if so already). */
  idle(): Promise<void> {
    // (A refill passing over rows that wait for credentials may still find some to send.)
    if (this.inflight === 0 && this.live.size === 0 && !this.refillQueued) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new messages, delivers what it can within drainMs, then leaves the rest to the spool. */
  async stop({ drainMs }: { drainMs: number }): Promise<void> {
    this.draining = true;
    for (const lane of this.lanes.values()) if (lane.delayed.length) this.wake(lane);
    this.schedulePump(); // lanes paused by an outage send now too, without waiting for their timers
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.idle(), new Promise<void>((r) => (timer = setTimeout(r, drainMs)))]);
    clearTimeout(timer);
    this.halted = true;
    for (const lane of this.lanes.values()) {
      if (lane.timer) clearTimeout(lane.timer);
      lane.ready = [];
      lane.head = 0;
      lane.takenAhead = 0;
      lane.retries = [];
      lane.delayed = [];
    }
    // In-flight requests end on their own (bounded by the upstream timeout); their outcomes still count.
    const deadline = Date.now() + 30_000;
    while (this.inflight > 0 && Date.now() < deadline) await Bun.sleep(10);
    this.stopped = true;
    const left = this.pendingCount();
    if (left > 0) this.deps.log.warn("stopped with undelivered messages", { pending: left, kept: this.deps.spool.durable });
    this.deps.spool.close();
    this.deps.sender?.close?.();
  }
}

/** The access key id in a name of `waitingFor` (a credentialsKey, or a key id alone). */
const keyIdOf = (name: string) => name.split(":")[0]!;

function toSqsError(err: unknown): SqsError {
  if (err instanceof SqsError) return err;
  return new SqsError("InternalError", err instanceof Error ? err.message : String(err), 0, false, "transient");
}

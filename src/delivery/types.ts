// The delivery seam: what http/ hands over (Envelope) and what it can ask back (Dispatcher).
import type { Credentials, SendEntry } from "../sqs/types";
import type { DeadFilter, DeadLetter } from "./spool";

/** One accepted message: its id, where it goes, with which credentials, and what to send. */
export interface Envelope {
  id: string;
  queue: string;
  creds: Credentials;
  entry: SendEntry;
  /** UTF-8 size of the body plus attributes, as SQS counts it. */
  bytes: number;
  acceptedAt: number;
  /** Position in the durable spool, set when it is committed there. */
  seq?: number;
}

export type MessageState = "pending" | "sent" | "dead" | "waiting-for-credentials";

export interface MessageStatus {
  id: string;
  queue: string;
  state: MessageState;
  attempts: number;
  acceptedAt: number;
  updatedAt: number;
  lastError?: string;
  sqsMessageId?: string;
  /** Access key id the message waits for (state waiting-for-credentials). */
  waitingFor?: string;
}

export interface DeliveryStats {
  accepted: number;
  sent: number;
  retried: number;
  dead: number;
  pending: number;
  /** Pending messages held in memory; the rest wait in the spool (bounded window). */
  inMemory: number;
  inflight: number;
  upstreamRequests: number;
  averageBatchSize: number;
  ackLatencyMs: Percentiles;
  deliveryLatencyMs: Percentiles;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  count: number;
}

export interface Health {
  ok: boolean;
  /** Why sends are refused right now (full, draining), when they are. */
  reason?: string;
}

export interface Dispatcher {
  /** Resolves once the messages are accepted (durable when a spool is configured); throws AppError(503) when full. */
  accept(messages: Envelope[]): Promise<void>;
  /** Reports how long the accept path took for a message (for ack latency statistics). */
  recordAck(ms: number): void;
  status(id: string): MessageStatus | undefined;
  stats(): DeliveryStats;
  health(): Health;
  /** Lets rows waiting for this access key id go, now that a request presented it. */
  offerCredentials(creds: Credentials): void;
  /** Dead letters of one access key (optionally one queue), newest first. */
  deadLetters(opts: DeadFilter & { limit: number }): { total: number; items: DeadLetter[] };
  /** Sends a dead letter again with the credentials of the key it was sent with. */
  retryDead(id: string, creds: Credentials): Promise<"retried" | "not-found" | "other-credentials">;
  /** Forgets a dead letter of this access key id. */
  discardDead(id: string, accessKeyId: string): "discarded" | "not-found" | "other-credentials";
  start(): void;
  stop(opts: { drainMs: number }): Promise<void>;
}

// What every action gets: the store, the clock, where the request came from, and how queue URLs map to queues.
import { ACCOUNT_ID } from "./attributes";
import { fault } from "./errors";
import { type Params, reqString } from "./params";
import type { QueueRecord, Store } from "./store";
import type { Waiters } from "./waiters";

/** SQS windows, in ms. */
export const DEDUP_WINDOW_MS = 5 * 60_000;
export const PURGE_WAIT_MS = 60_000;
export const DELETED_NAME_WAIT_MS = 60_000;

export interface Limits {
  /** Bytes of stored messages (bodies and attributes) past which sends get OverLimit. */
  maxStoredBytes: number;
  maxQueues: number;
}

export interface ActionContext {
  store: Store;
  waiters: Waiters;
  now: () => number;
  region: string;
  /** `http://<Host>` of this request: queue URLs are built on it. */
  origin: string;
  /** Access key id of the request's signature: the SenderId of what it sends. */
  sender: string;
  limits: Limits;
  stopped: () => boolean;
}

export type Action = (ctx: ActionContext, params: Params) => object | Promise<object>;

export const queueUrl = (ctx: ActionContext, name: string) => `${ctx.origin}/${ACCOUNT_ID}/${name}`;

/**
 * The queue a `QueueUrl` names. Any host is accepted (clients may say localhost or 127.0.0.1); the
 * path must be `/<account>/<name>` with our account, or the bare name (as moto and the AWS CLI allow).
 */
export function queueNamed(ctx: ActionContext, url: string): QueueRecord {
  let name = url;
  if (url.includes("/")) {
    let path = url;
    try {
      path = new URL(url).pathname;
    } catch {
      // a path without scheme and host
    }
    const parts = path.split("/").filter(Boolean);
    if (parts.length !== 2 || parts[0] !== ACCOUNT_ID) throw fault.queueDoesNotExist();
    name = parts[1]!;
  }
  const q = ctx.store.queue(name);
  if (!q) throw fault.queueDoesNotExist();
  return q;
}

export const queueFrom = (ctx: ActionContext, p: Params) => queueNamed(ctx, reqString(p, "QueueUrl"));

// Pure batch assembly: which waiting messages go together into one SendMessageBatch.
import { MAX_BATCH_BYTES, MAX_BATCH_ENTRIES } from "../sqs/limits";

export interface Batchable {
  bytes: number;
  groupId?: string;
}

export interface BatchLimits {
  maxEntries: number;
  maxBytes?: number;
}

/**
 * Takes items in order until the batch is full (≤ maxEntries, ≤ 1 MiB). With `groups`, at most
 * one message per FIFO group and none of a group already in flight, so order within a group
 * survives retries. Returns the indexes taken.
 */
export function pickBatch(items: readonly Batchable[], limits: BatchLimits, busyGroups?: ReadonlySet<string>): number[] {
  const maxEntries = Math.min(limits.maxEntries, MAX_BATCH_ENTRIES);
  const maxBytes = Math.min(limits.maxBytes ?? MAX_BATCH_BYTES, MAX_BATCH_BYTES);
  const taken: number[] = [];
  const groups = busyGroups ? new Set<string>() : undefined;
  let bytes = 0;
  for (let i = 0; i < items.length && taken.length < maxEntries; i++) {
    const item = items[i]!;
    if (groups && item.groupId !== undefined) {
      if (busyGroups!.has(item.groupId) || groups.has(item.groupId)) {
        groups.add(item.groupId);
        continue;
      }
      groups.add(item.groupId);
    }
    if (bytes + item.bytes > maxBytes) {
      if (taken.length === 0) taken.push(i); // a single message is always sendable
      break;
    }
    bytes += item.bytes;
    taken.push(i);
  }
  return taken;
}

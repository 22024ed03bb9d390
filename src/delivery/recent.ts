// Bounded maps of recent entries in two generations: sent outcomes for GET /messages/ID, dead letters in memory.

/**
 * Keeps at least the newest `generation` entries and at most twice that. When the young map is
 * full it becomes the old one and the previous old one is dropped whole. Evicting one oldest key
 * per insert from a single Map (`keys().next()`) looked O(1) but was not: JavaScriptCore skips
 * the deleted slots at the head on every call, and that was over half of the engine's CPU.
 *
 * With `weigh` and `maxWeight` (say, bytes), the young map is also full at half of `maxWeight`,
 * so both together weigh at most `maxWeight` plus one entry.
 */
export class RecentMap<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  private youngWeight = 0;
  private oldWeight = 0;

  constructor(
    private readonly generation: number,
    private readonly weigh: (value: V) => number = () => 0,
    private readonly maxWeight = Number.POSITIVE_INFINITY,
  ) {
    if (!(generation >= 1)) throw new RangeError("generation must be at least 1");
  }

  set(key: string, value: V): void {
    this.delete(key); // a key lives in one generation only, so it is counted and listed once
    this.young.set(key, value);
    this.youngWeight += this.weigh(value);
    if (this.young.size >= this.generation || this.youngWeight >= this.maxWeight / 2) {
      this.old = this.young;
      this.oldWeight = this.youngWeight;
      this.young = new Map();
      this.youngWeight = 0;
    }
  }

  get(key: string): V | undefined {
    return this.young.get(key) ?? this.old.get(key);
  }

  delete(key: string): void {
    const y = this.young.get(key);
    if (y !== undefined) {
      this.young.delete(key);
      this.youngWeight -= this.weigh(y);
    }
    const o = this.old.get(key);
    if (o !== undefined) {
      this.old.delete(key);
      this.oldWeight -= this.weigh(o);
    }
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  /** Everything held by `weigh`. */
  get weight(): number {
    return this.youngWeight + this.oldWeight;
  }

  /** Oldest first. */
  *values(): IterableIterator<V> {
    yield* this.old.values();
    yield* this.young.values();
  }
}

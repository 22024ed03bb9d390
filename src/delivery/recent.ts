// The outcomes of recently finished messages, for GET /messages/ID: a bounded map in two generations.

/**
 * Keeps at least the newest `generation` entries and at most twice that. When the young map is
 * full it becomes the old one and the previous old one is dropped whole. Evicting one oldest key
 * per insert from a single Map (`keys().next()`) looked O(1) but was not: JavaScriptCore skips
 * the deleted slots at the head on every call, and that was over half of the engine's CPU.
 */
export class RecentMap<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();

  constructor(private readonly generation: number) {
    if (!(generation >= 1)) throw new RangeError("generation must be at least 1");
  }

  set(key: string, value: V): void {
    this.young.set(key, value);
    if (this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
  }

  get(key: string): V | undefined {
    return this.young.get(key) ?? this.old.get(key);
  }

  delete(key: string): void {
    this.young.delete(key);
    this.old.delete(key);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }
}

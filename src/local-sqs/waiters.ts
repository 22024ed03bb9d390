// Sleeps that end early: long polls wake when their queue gets a message, everything wakes on stop().
// Bounded: past `max` concurrent sleepers, a new sleep returns at once (the caller answers without waiting).

interface Sleeper {
  key: string;
  timer: ReturnType<typeof setTimeout>;
  resolve: () => void;
}

export class Waiters {
  private readonly byKey = new Map<string, Set<Sleeper>>();
  private count = 0;
  private closed = false;

  constructor(private readonly max = 10_000) {}

  get size(): number {
    return this.count;
  }

  /** Resolves after `ms`, or earlier on `wake(key)` or `closeAll()`. Resolves false at once when it cannot wait. */
  sleep(ms: number, key = ""): Promise<boolean> {
    if (this.closed || this.count >= this.max || ms <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      let set = this.byKey.get(key);
      if (!set) this.byKey.set(key, (set = new Set()));
      const group = set;
      const s: Sleeper = {
        key,
        resolve: () => {
          clearTimeout(s.timer);
          if (group.delete(s)) this.count--;
          if (group.size === 0 && this.byKey.get(key) === group) this.byKey.delete(key);
          resolve(true);
        },
        timer: setTimeout(() => s.resolve(), Math.min(ms, 2_147_000_000)),
      };
      group.add(s);
      this.count++;
    });
  }

  /** Wakes everyone sleeping on `key`. */
  wake(key: string): void {
    const set = this.byKey.get(key);
    if (set) for (const s of [...set]) s.resolve();
  }

  /** Wakes everyone, clears every timer, and refuses new sleeps. */
  closeAll(): void {
    this.closed = true;
    for (const set of [...this.byKey.values()]) for (const s of [...set]) s.resolve();
  }
}

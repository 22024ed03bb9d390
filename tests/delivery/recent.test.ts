// RecentMap: the bounded map of finished messages' outcomes behind GET /messages/ID.
import { expect, test } from "bun:test";
import { RecentMap } from "../../src/delivery/recent";

test("keeps at least the newest `generation` entries and never more than twice that", () => {
  const m = new RecentMap<number>(100);
  for (let i = 0; i < 1_000; i++) {
    m.set(`k${i}`, i);
    expect(m.size).toBeLessThanOrEqual(200);
    // The newest 100 are always there.
    for (let j = Math.max(0, i - 99); j <= i; j += 33) expect(m.get(`k${j}`)).toBe(j);
  }
  expect(m.get("k0")).toBeUndefined();
  expect(m.get("k899")).toBeUndefined();
  expect(m.get("k900")).toBe(900);
  expect(m.get("k999")).toBe(999);
});

test("a key set again answers its newest value, and delete forgets it in both generations", () => {
  const m = new RecentMap<string>(3);
  m.set("a", "pending");
  m.set("b", "x");
  m.set("c", "y"); // the young generation is full: a, b, c become the old one
  m.set("a", "sent");
  expect(m.get("a")).toBe("sent");
  m.delete("a");
  expect(m.get("a")).toBeUndefined();
  expect(m.get("b")).toBe("x");
});

test("a generation below 1 is refused", () => {
  expect(() => new RecentMap(0)).toThrow(RangeError);
});

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

test("with a weight limit, the old generation is dropped once the young one weighs half of it", () => {
  const m = new RecentMap<{ n: number; bytes: number }>(1_000, (v) => v.bytes, 100);
  for (let i = 0; i < 50; i++) {
    m.set(`k${i}`, { n: i, bytes: 10 });
    expect(m.weight).toBeLessThanOrEqual(100);
    expect(m.weight).toBe(m.size * 10);
  }
  // Rotations at 5 entries (50 of weight): the newest five always stay.
  expect([...m.values()].map((v) => v.n)).toEqual([45, 46, 47, 48, 49]);
  m.set("big", { n: 99, bytes: 70 }); // over half on its own: it becomes the old generation at once
  expect([...m.values()].map((v) => v.n)).toEqual([99]);
  expect(m.weight).toBe(70);
});

test("values run oldest first; a key set again moves to the newest and is listed once", () => {
  const m = new RecentMap<string>(3, (v) => v.length, 1_000);
  m.set("a", "1");
  m.set("b", "22");
  m.set("c", "333"); // young full: a, b, c become old
  m.set("a", "4444");
  expect([...m.values()]).toEqual(["22", "333", "4444"]);
  expect(m.weight).toBe(9);
  m.delete("c");
  expect(m.weight).toBe(6);
  expect(m.size).toBe(2);
});

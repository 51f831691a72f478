import { describe, expect, test } from "bun:test";
import { IdMap } from "../../src/queue/index.ts";

/** A small deterministic generator (mulberry32), so a failing sequence replays the same way. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

function expectSame(map: IdMap<number>, reference: Map<string, number>): void {
  expect(map.size).toBe(reference.size);
  expect(new Map(map.entries())).toEqual(reference);
  expect([...map.keys()].sort()).toEqual([...reference.keys()].sort());
  expect([...map.values()].sort((a, b) => a - b)).toEqual([...reference.values()].sort((a, b) => a - b));
}

describe("IdMap", () => {
  test("get, has, set (insert and overwrite), delete", () => {
    const map = new IdMap<string>();
    expect(map.get("a")).toBeUndefined();
    expect(map.has("a")).toBe(false);
    map.set("a", "1").set("b", "2");
    map.set("a", "3");
    expect(map.size).toBe(2);
    expect(map.get("a")).toBe("3");
    expect(map.delete("a")).toBe(true);
    expect(map.delete("a")).toBe(false);
    expect(map.has("a")).toBe(false);
    expect(map.get("b")).toBe("2");
    map.clear();
    expect(map.size).toBe(0);
    expect(map.has("b")).toBe(false);
  });

  test("any string is a key: empty, numeric, __proto__, non-ASCII, a value of undefined", () => {
    const map = new IdMap<number | undefined>();
    const keys = ["", "0", "4294967295", "__proto__", "constructor", "tâche-✓", "😀", "a".repeat(10_000)];
    keys.forEach((key, i) => map.set(key, i));
    keys.forEach((key, i) => expect(map.get(key)).toBe(i));
    map.set("nothing", undefined);
    expect(map.has("nothing")).toBe(true);
    expect(map.size).toBe(keys.length + 1);
  });

  test("matches a Map through random inserts, overwrites and deletes (growth, shrinking, probe runs that wrap)", () => {
    const next = random(16);
    const map = new IdMap<number>();
    const reference = new Map<string, number>();
    // Few distinct keys, so runs of collisions and deletions in their middle are common.
    for (let round = 0; round < 6; round++) {
      const keySpace = [40, 400, 4_000][round % 3]!;
      for (let i = 0; i < 20_000; i++) {
        const key = `k${Math.floor(next() * keySpace)}`;
        if (next() < 0.55) {
          map.set(key, i);
          reference.set(key, i);
        } else {
          expect(map.delete(key)).toBe(reference.delete(key));
        }
        if (i % 997 === 0) expect(map.get(key)).toBe(reference.get(key));
      }
      expectSame(map, reference);
      // Drain to empty: every deletion must leave the other keys reachable.
      for (const key of [...reference.keys()]) {
        expect(map.delete(key)).toBe(true);
        reference.delete(key);
        if (reference.size % 101 === 0) expectSame(map, reference);
      }
      expect(map.size).toBe(0);
    }
  });

  test("holds many ids (UUIDs) and finds each after growing", () => {
    const map = new IdMap<number>();
    const ids = Array.from({ length: 50_000 }, () => crypto.randomUUID());
    ids.forEach((id, i) => map.set(id, i));
    expect(map.size).toBe(ids.length);
    ids.forEach((id, i) => expect(map.get(id)).toBe(i));
    for (let i = 0; i < ids.length; i += 2) map.delete(ids[i]!);
    ids.forEach((id, i) => expect(map.has(id)).toBe(i % 2 === 1));
  });
});

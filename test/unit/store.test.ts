import type { TaskRecord } from "../../src/protocol/index.ts";
import { describe, expect, test } from "bun:test";
import { ConfigError, FastWorkerError } from "../../src/errors.ts";
import { MemoryTaskStore, ResultCache, type EvictReason, type StoredTask, type TaskStore } from "../../src/store/index.ts";

function clock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

function recorder(): { log: Array<[string, unknown, EvictReason]>; onEvict: (id: string, v: unknown, r: EvictReason) => void } {
  const log: Array<[string, unknown, EvictReason]> = [];
  return { log, onEvict: (id, v, r) => void log.push([id, v, r]) };
}

describe("ResultCache LRU", () => {
  test("evicts the least recently used, where get() counts as use and peek() does not", () => {
    const c = clock();
    const ev = recorder();
    const cache = new ResultCache<string>({ maxSize: 3, now: c.now, onEvict: ev.onEvict });
    cache.set("a", "A");
    cache.set("b", "B");
    cache.set("c", "C");
    expect(cache.get("a")).toBe("A"); // a is now most recent: order b, c, a
    expect(cache.peek("b")).toBe("B"); // no recency change
    cache.set("d", "D");
    expect(ev.log).toEqual([["b", "B", "evicted"]]);
    cache.set("c", "C2"); // overwrite refreshes recency: order a, d, c
    cache.set("e", "E");
    cache.set("f", "F");
    expect(ev.log.map(([id]) => id)).toEqual(["b", "a", "d"]);
    expect([...cache.entries("oldest")]).toEqual([["c", "C2"], ["e", "E"], ["f", "F"]]);
    expect(cache.size).toBe(3);
  });

  test("eviction order over many entries follows recency exactly", () => {
    const ev = recorder();
    const cache = new ResultCache<number>({ maxSize: 100, onEvict: ev.onEvict, now: () => 0 });
    for (let i = 0; i < 100; i++) cache.set(`k${i}`, i);
    for (let i = 0; i < 100; i += 2) cache.get(`k${i}`); // evens become most recent, in order
    for (let i = 100; i < 200; i++) cache.set(`k${i}`, i);
    const expected: string[] = [];
    for (let i = 1; i < 100; i += 2) expected.push(`k${i}`);
    for (let i = 0; i < 100; i += 2) expected.push(`k${i}`);
    expect(ev.log.map(([id]) => id)).toEqual(expected);
    expect(ev.log.every(([, , r]) => r === "evicted")).toBe(true);
  });

  test("delete reports 'deleted' and is idempotent", () => {
    const ev = recorder();
    const cache = new ResultCache<number>({ onEvict: ev.onEvict, now: () => 0 });
    cache.set("x", 1);
    expect(cache.delete("x")).toBe(true);
    expect(cache.delete("x")).toBe(false);
    expect(cache.has("x")).toBe(false);
    expect(ev.log).toEqual([["x", 1, "deleted"]]);
    cache.set("y", 2);
    cache.set("z", 3);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(ev.log.slice(1)).toEqual([["y", 2, "deleted"], ["z", 3, "deleted"]]);
  });
});

describe("ResultCache TTL", () => {
  test("an expired entry is never returned and is removed on access", () => {
    const c = clock();
    const ev = recorder();
    const cache = new ResultCache<string>({ ttlMs: 1000, now: c.now, onEvict: ev.onEvict });
    cache.set("a", "old");
    c.advance(999);
    expect(cache.get("a")).toBe("old");
    c.advance(1); // exactly ttl: expired
    expect(cache.peek("a")).toBeUndefined();
    expect(cache.get("a")).toBeUndefined();
    expect(cache.has("a")).toBe(false);
    expect(cache.size).toBe(0);
    expect(ev.log).toEqual([["a", "old", "expired"]]);
  });

  test("get() does not extend the TTL, set() does", () => {
    const c = clock();
    const cache = new ResultCache<number>({ ttlMs: 100, now: c.now });
    cache.set("a", 1);
    cache.set("b", 1);
    c.advance(60);
    cache.get("a");
    cache.set("b", 2);
    c.advance(50);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toBe(2);
  });

  test("sweep removes exactly the expired entries, oldest first", () => {
    const c = clock(0);
    const ev = recorder();
    const cache = new ResultCache<number>({ ttlMs: 100, now: c.now, onEvict: ev.onEvict });
    for (let i = 0; i < 10; i++) {
      cache.set(`k${i}`, i); // k_i stored at 10·i, expires at 10·i + 100
      c.advance(10);
    }
    cache.set("k0", 99); // rewritten at 100: now expires at 200, after k9
    cache.get("k1"); // reading does not save it
    c.advance(45); // now 145: k1..k4 have expired
    expect(cache.sweep()).toBe(4);
    expect(ev.log).toEqual([
      ["k1", 1, "expired"],
      ["k2", 2, "expired"],
      ["k3", 3, "expired"],
      ["k4", 4, "expired"],
    ]);
    expect(cache.sweep()).toBe(0);
    expect(cache.get("k5")).toBe(5);
    c.advance(1000);
    expect(cache.sweep()).toBe(6);
    expect(ev.log.slice(4).map(([id]) => id)).toEqual(["k5", "k6", "k7", "k8", "k9", "k0"]);
    expect(cache.size).toBe(0);
  });

  test("sweep against an explicit timeline", () => {
    const c = clock(0);
    const cache = new ResultCache<number>({ ttlMs: 100, now: c.now });
    cache.set("a", 1); // expires at 100
    c.advance(30);
    cache.set("b", 2); // 130
    c.advance(30);
    cache.set("c", 3); // 160
    cache.set("a", 4); // rewritten: 160
    c.advance(70); // now 130
    expect(cache.sweep()).toBe(1); // b only
    expect([...cache.entries("oldest")].map(([id]) => id)).toEqual(["c", "a"]);
    c.advance(30); // 160
    expect(cache.sweep()).toBe(2);
    expect(cache.size).toBe(0);
  });

  test("at capacity an expired entry is dropped before any live one is evicted", () => {
    const c = clock();
    const ev = recorder();
    const cache = new ResultCache<number>({ maxSize: 2, ttlMs: 100, now: c.now, onEvict: ev.onEvict });
    cache.set("old", 1);
    c.advance(50);
    cache.set("young", 2);
    cache.get("old"); // most recently used, yet expired soon
    c.advance(60);
    cache.set("new", 3);
    expect(ev.log).toEqual([["old", 1, "expired"]]);
    expect(cache.get("young")).toBe(2);
  });

  test("iteration is by store time in both directions and skips expired entries", () => {
    const c = clock();
    const cache = new ResultCache<string>({ ttlMs: 100, now: c.now });
    cache.set("a", "A");
    c.advance(50);
    cache.set("b", "B");
    cache.set("c", "C");
    cache.get("b"); // reads do not reorder the store-time view
    expect([...cache.values("newest")]).toEqual(["C", "B", "A"]);
    expect([...cache.entries("oldest")]).toEqual([["a", "A"], ["b", "B"], ["c", "C"]]);
    c.advance(60);
    expect([...cache.values()]).toEqual(["C", "B"]);
  });

  test("validates options with ConfigError", () => {
    expect(() => new ResultCache({ maxSize: 0 })).toThrow(ConfigError);
    expect(() => new ResultCache({ maxSize: 1.5 })).toThrow(ConfigError);
    expect(() => new ResultCache({ ttlMs: 0 })).toThrow(ConfigError);
    const forever = new ResultCache<number>({ ttlMs: Infinity, now: () => 1e15 });
    forever.set("x", 1);
    expect(forever.get("x")).toBe(1);
    expect(forever.maxSize).toBe(100_000);
    expect(forever.ttlMs).toBe(Infinity);
  });

  test("defaults", () => {
    const cache = new ResultCache<number>();
    expect(cache.maxSize).toBe(100_000);
    expect(cache.ttlMs).toBe(3_600_000);
  });
});

describe("MemoryTaskStore", () => {
  const task: StoredTask = {
    spec: { id: "t1", name: "resize", args: [1] },
    priority: "normal",
    state: "queued",
    attempts: 0,
    submittedAt: 0,
  };
  const record: TaskRecord = {
    taskId: "t1", name: "resize", status: "success", priority: "normal", attempts: 1,
    timings: { submittedAt: 0, finishedAt: 5 }, history: [], result: 2,
  };

  test("accepts synchronously, recovers nothing, and refuses writes after close", async () => {
    const store: TaskStore = new MemoryTaskStore();
    expect(store.accept([task])).toBeUndefined(); // no promise: callers can skip the await
    store.update("t1", { state: "running", attempts: 1 });
    store.finish("t1", record);
    expect(await store.recover(1000)).toEqual({ live: [], finished: [] });
    expect(store.compact(Date.now())).toBe(0);
    await store.close();
    let caught: unknown;
    try {
      store.accept([task]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FastWorkerError);
    expect((caught as FastWorkerError).code).toBe("E_CLOSED");
    expect(() => store.update("t1", { state: "queued", attempts: 1 })).toThrow(FastWorkerError);
    expect(() => store.finish("t1", record)).toThrow(FastWorkerError);
    await store.close(); // idempotent
  });
});

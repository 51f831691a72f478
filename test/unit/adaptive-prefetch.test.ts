import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { AdaptivePrefetch } from "../../src/pool/adaptive-prefetch.ts";
import { WorkerPool } from "../../src/pool/index.ts";

const BASIC = join(resolve(import.meta.dir, "../fixtures/tasks"), "basic.ts");

describe("AdaptivePrefetch", () => {
  test("stays at the configured floor until jobs are seen, and for jobs of a millisecond or more", () => {
    const prefetch = new AdaptivePrefetch(1, 32);
    expect(prefetch.depth).toBe(1);
    for (let i = 0; i < 50; i++) prefetch.observe(5);
    expect(prefetch.depth).toBe(1);
  });

  test("deepens to the maximum for trivial jobs and comes back down when they get longer", () => {
    const prefetch = new AdaptivePrefetch(2, 32);
    for (let i = 0; i < 50; i++) prefetch.observe(0);
    expect(prefetch.depth).toBe(32);
    for (let i = 0; i < 60; i++) prefetch.observe(2);
    expect(prefetch.depth).toBe(2);
  });

  test("a maximum at or below the floor turns adapting off", () => {
    const prefetch = new AdaptivePrefetch(4, 4);
    for (let i = 0; i < 50; i++) prefetch.observe(0);
    expect(prefetch.depth).toBe(4);
  });
});

describe("WorkerPool with adaptive prefetch", () => {
  test("after trivial jobs a Worker takes more than the configured prefetch; with maxPrefetch = prefetch it does not", async () => {
    const adaptive = new WorkerPool({ size: 1, prefetch: 1, taskModules: [BASIC], log: () => {} });
    const fixed = new WorkerPool({ size: 1, prefetch: 1, maxPrefetch: 1, taskModules: [BASIC], log: () => {} });
    try {
      await Promise.all([adaptive.start(), fixed.start()]);
      expect([adaptive.freeSlots(), fixed.freeSlots()]).toEqual([1, 1]);
      for (const pool of [adaptive, fixed]) await Promise.all(Array.from({ length: 200 }, (_, i) => pool.run({ id: `j-${i}`, name: "add", args: [i, 1], attempt: 1, priority: "normal" })));
      expect(adaptive.freeSlots()).toBeGreaterThan(4); // whole-ms clocks: a job crossing a ms boundary reads 1, so not always 32
      expect(fixed.freeSlots()).toBe(1);
    } finally {
      await Promise.all([adaptive.close(), fixed.close()]);
    }
  });
});

describe("which Worker a job goes to", () => {
  test("a short job goes to an idle Worker, not behind a long job in a Worker whose prefetch grew deeper", async () => {
    const pool = new WorkerPool({ size: 2, prefetch: 1, taskModules: [BASIC], log: () => {} });
    try {
      await pool.start();
      // One at a time, so the jobs can all land on one Worker and deepen its prefetch only.
      for (let i = 0; i < 100; i++) await pool.run({ id: `warm-${i}`, name: "add", args: [i, 1], attempt: 1, priority: "normal" });
      const long = pool.run({ id: "long", name: "sleep", args: [1_000], attempt: 1, priority: "normal" });
      const started = performance.now();
      const short = await pool.run({ id: "short", name: "add", args: [1, 2], attempt: 1, priority: "normal" });
      const shortMs = performance.now() - started;
      expect(short.ok).toBe(true);
      // Behind the long job it would have waited its full second.
      expect(shortMs).toBeLessThan(500);
      expect((await long).ok).toBe(true);
    } finally {
      await pool.close();
    }
  });
});

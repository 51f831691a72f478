import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import type { JobRef } from "../../src/pool/index.ts";
import type { TaskLogLine, TaskProgress } from "../../src/tasks/index.ts";
import { expectFailure as failed, expectOk as ok, jobFactory, poolStarter } from "../helpers/pool.ts";
import { waitFor } from "../helpers/wait-for.ts";

const HANDLERS = join(resolve(import.meta.dir, "../fixtures/tasks"), "handlers.ts");

const job = jobFactory("h");
const { start: startPool } = poolStarter({ size: 1, taskModules: [HANDLERS], prefetch: 1, log: () => {} });

describe("WorkerPool: many tasks in flight per Worker", () => {
  test("tasksPerWorker 10 on 2 Workers runs 20 sleeping handlers at once", async () => {
    const pool = await startPool({ size: 2, tasksPerWorker: 10 });
    // Per Worker: the shared budget (10) plus the own budgets of fetchLike, cooperative and stubborn (5 each).
    expect(pool.freeSlots()).toBe(2 * (10 + 3 * 5));
    const started = Date.now();
    const runs = Array.from({ length: 20 }, () => pool.run(job("wait", [500])));
    await waitFor(() => pool.stats().running === 20, { timeoutMs: 20_000, intervalMs: 5, message: "all 20 to be running together" });
    expect((await Promise.all(runs)).map(ok)).toEqual(Array(20).fill(500));
    // One at a time per Worker would take 10 x 500 ms; together they take about one sleep.
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test("tasksPerWorker 1 keeps one task at a time; a task's own concurrency gives it its own budget", async () => {
    const pool = await startPool({ size: 1 });
    // Free places for the task queued next: its own budget (5) or the shared one (1); any kind: both and the other own budgets.
    expect([pool.freeSlots("wait"), pool.freeSlots("fetchLike"), pool.freeSlots()]).toEqual([1, 5, 1 + 3 * 5]);
    const shared = Array.from({ length: 3 }, () => pool.run(job("wait", [300])));
    const own = Array.from({ length: 5 }, () => pool.run(job("fetchLike", [300])));
    await waitFor(() => pool.stats().running === 6, { timeoutMs: 20_000, intervalMs: 5, message: "five fetchLike and one wait running" });
    // Never more than one "wait" at once: the shared budget is 1.
    expect(pool.stats().running).toBe(6);
    const ownStarted = Date.now();
    expect((await Promise.all(own)).map(ok)).toEqual(Array(5).fill(300));
    expect(Date.now() - ownStarted).toBeLessThan(1200);
    const waits = await Promise.all(shared);
    const starts = waits.map((o) => o.startedAt ?? 0).sort((a, b) => a - b);
    // Sequential: each started after the previous one's 300 ms.
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(290);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(290);
  });
});

describe("WorkerPool: priorities with tasks in flight", () => {
  test("jobs waiting for a place start by priority, FIFO within a level", async () => {
    const pool = await startPool({ tasksPerWorker: 2 });
    const blockers = [pool.run(job("wait", [300])), pool.run(job("wait", [300]))];
    const order = ["low", "normal", "critical", "normal", "high"] as const;
    const waiting = order.map((priority, index) => pool.run(job("wait", [10 + index], { priority })));
    await Promise.all(blockers);
    const outcomes = await Promise.all(waiting);
    const starts = outcomes.map((o, index) => ({ label: `${order[index]}-${index}`, at: o.startedAt ?? 0, index }));
    starts.sort((a, b) => a.at - b.at || a.index - b.index);
    // Two places: critical and high start first, then both normals (in submission order), low last.
    expect(starts.slice(0, 2).map((s) => s.label).sort()).toEqual(["critical-2", "high-4"]);
    expect(starts.slice(2).map((s) => s.label)).toEqual(["normal-1", "normal-3", "low-0"]);
  });
});

describe("WorkerPool: timeouts and cancel with tasks in flight", () => {
  test("a handler that honours its signal stops at its timeout and its Worker keeps running the others", async () => {
    const pool = await startPool({ abortGraceMs: 5000 });
    const others = Array.from({ length: 3 }, () => pool.run(job("fetchLike", [600])));
    const timedOut = failed(await pool.run(job("cooperative", [20_000], { timeoutMs: 200 })), "E_TASK_TIMEOUT");
    expect(timedOut.finishedAt - (timedOut.startedAt ?? 0)).toBeGreaterThanOrEqual(199);
    expect((await Promise.all(others)).map(ok)).toEqual([600, 600, 600]);
    expect(pool.stats().restarts).toBe(0);
  });

  test("a handler that ignores its signal has its Worker terminated after the grace; the other tasks there are re-queued, not failed", async () => {
    const pool = await startPool({ abortGraceMs: 300 });
    const others = Array.from({ length: 4 }, () => pool.run(job("fetchLike", [1500])));
    await waitFor(() => pool.stats().running === 4, { timeoutMs: 20_000, intervalMs: 5, message: "the four others to be running" });
    const stuck = failed(await pool.run(job("stubborn", [20_000], { timeoutMs: 200 })), "E_TASK_TIMEOUT");
    expect(stuck.retry).toBe("policy");
    await waitFor(() => pool.stats().restarts === 1, { timeoutMs: 20_000, intervalMs: 5, message: "the Worker to be terminated after the grace" });
    // They started again on the replacement Worker and finished there.
    const outcomes = await Promise.all(others);
    expect(outcomes.map(ok)).toEqual([1500, 1500, 1500, 1500]);
    expect(pool.stats().restarts).toBe(1);
  });

  test("cancelling a running cooperative handler aborts its signal without terminating its Worker", async () => {
    const pool = await startPool({ abortGraceMs: 5000 });
    const victim = job("cooperative", [20_000]);
    const outcome = pool.run(victim);
    const neighbour = pool.run(job("fetchLike", [400]));
    await waitFor(() => pool.stats().running === 2, { timeoutMs: 20_000, intervalMs: 5, message: "both to run" });
    expect(pool.cancel(victim.id)).toBe(true);
    failed(await outcome, "E_TASK_CANCELLED");
    expect(ok(await neighbour)).toBe(400);
    await waitFor(() => pool.stats().running === 0, { timeoutMs: 20_000, intervalMs: 5, message: "the cancelled handler to end" });
    expect(pool.stats().restarts).toBe(0);
    expect(ok(await pool.run(job("cooperative", [10])))).toBe("finished");
  });
});

describe("WorkerPool: handler context", () => {
  test("this has the job's id, name and attempt; progress and log lines reach the pool, bounded", async () => {
    const progress: Array<[JobRef, TaskProgress]> = [];
    const logs: Array<[JobRef, TaskLogLine]> = [];
    const pool = await startPool({ onProgress: (j, p) => progress.push([j, p]), onLog: (j, l) => logs.push([j, l]) });
    const run = job("reporter", [50, true], { attempt: 3 });
    const result = ok(await pool.run(run));
    expect(result).toEqual({ id: run.id, name: "reporter", attempt: 3, aborted: false });
    expect(logs.map(([, l]) => l.message).slice(0, 3)).toEqual(["step 1 of 50", "step 2 of 50", "step 3 of 50"]);
    expect(logs).toHaveLength(51);
    const long = logs[50]![1].message;
    expect(long.length).toBe(2000);
    expect(long.endsWith("…")).toBe(true);
    expect(logs.every(([j]) => j.id === run.id && j.attempt === 3)).toBe(true);
    // 51 progress calls in one burst are coalesced; the last value always arrives.
    expect(progress.length).toBeLessThan(10);
    expect(progress.at(-1)![1]).toEqual({ done: 50, total: 50 });
    expect(progress[0]![1]).toBe(2);
  });
});

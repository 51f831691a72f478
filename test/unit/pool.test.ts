import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import type { LogLevel, WorkerPoolOptions } from "../../src/pool/index.ts";
import { expectFailure, expectOk, jobFactory, poolStarter } from "../helpers/pool.ts";
import { waitFor } from "../helpers/wait-for.ts";

const FIXTURES = resolve(import.meta.dir, "../fixtures/tasks");
const BASIC = join(FIXTURES, "basic.ts");

const job = jobFactory("job");

interface LogLine {
  level: LogLevel;
  msg: string;
  fields?: Record<string, unknown>;
}

const pools = poolStarter({ size: 2, taskModules: [BASIC] });
/** A pool of BASIC (2 Workers unless told) whose log lines go to `logs`. */
const startPool = (options: Partial<WorkerPoolOptions> = {}, logs: LogLine[] = []) =>
  pools.start({ log: (level, msg, fields) => logs.push(fields === undefined ? { level, msg } : { level, msg, fields }), ...options });

// Lifecycle (isolation, close, start failures, keeping the process alive): pool-lifecycle.test.ts.
describe("WorkerPool: results", () => {
  test("runs sync and async handlers and reports timing", async () => {
    const pool = await startPool();
    const [sum, asyncSum, echoed] = await Promise.all([
      pool.run(job("add", [2, 3])),
      pool.run(job("asyncAdd", [4, 5])),
      pool.run(job("echo", [{ nested: ["a", 1, true, null] }])),
    ]);
    expect(expectOk(sum)).toBe(5);
    expect(expectOk(asyncSum)).toBe(9);
    expect(expectOk(echoed)).toEqual({ nested: ["a", 1, true, null] });
    if (!sum.ok) throw new Error("unreachable");
    expect(sum.finishedAt).toBeGreaterThanOrEqual(sum.startedAt);
    expect(pool.stats()).toMatchObject({ size: 2, busy: 0, assigned: 0, pending: 0, restarts: 0, completed: 3 });
  });

  test("10 000 jobs in flight at once all get their own correct result", async () => {
    const pool = await startPool({ prefetch: 8 });
    const count = 10_000;
    const outcomes = await Promise.all(Array.from({ length: count }, (_, i) => pool.run(job(i % 2 === 0 ? "add" : "asyncAdd", [i, 1]))));
    outcomes.forEach((outcome, i) => expect(expectOk(outcome)).toBe(i + 1));
    expect(pool.stats()).toMatchObject({ assigned: 0, pending: 0, completed: count, restarts: 0 });
  });

  test("freeSlots counts prefetch capacity minus assigned and queued jobs", async () => {
    const pool = await startPool({ size: 2, prefetch: 3 });
    expect(pool.freeSlots()).toBe(6);
    const running = [pool.run(job("sleep", [200])), pool.run(job("sleep", [200]))];
    expect(pool.freeSlots()).toBe(4);
    const more = Array.from({ length: 6 }, () => pool.run(job("sleep", [10])));
    expect(pool.freeSlots()).toBe(0);
    expect(pool.stats().pending).toBe(2);
    await Promise.all([...running, ...more]);
    expect(pool.freeSlots()).toBe(6);
  });

  test("converts results to JSON values and rejects ones that are not", async () => {
    const pool = await startPool();
    expect(expectOk(await pool.run(job("dated")))).toEqual({ at: "1970-01-01T00:00:00.000Z", list: [1, null] });
    for (const [kind, pattern] of [
      ["bigint", /result\.total is a bigint/],
      ["function", /result is a function/],
      ["map", /result is a Map/],
      ["cycle", /result\.self is a circular reference/],
    ] as const) {
      const failed = expectFailure(await pool.run(job("badResult", [kind])), "E_TASK_FAILED");
      expect(failed.error.message).toMatch(pattern);
      expect(failed.error.message).toContain('Task "badResult"');
    }
  });
});

describe("WorkerPool: handler failures", () => {
  test("a plain throw is retried by policy with the error's name, message and stack", async () => {
    const pool = await startPool();
    const failed = expectFailure(await pool.run(job("fail", ["boom"])), "E_TASK_FAILED");
    expect(failed.retry).toBe("policy");
    expect(failed.error.message).toBe("TypeError: boom");
    expect(failed.error.stack).toContain("basic.ts");
    expect(failed.startedAt).toBeNumber();
    const asyncFailed = expectFailure(await pool.run(job("failAsync", ["later"])), "E_TASK_FAILED");
    expect(asyncFailed.error.message).toBe("Error: later");
    const stringThrown = expectFailure(await pool.run(job("throwString")), "E_TASK_FAILED");
    expect(stringThrown.error.message).toContain("a plain string");
  });

  test("RetryLater and NonRetryable are classified inside the Worker", async () => {
    const pool = await startPool();
    expect(expectFailure(await pool.run(job("retryLater", [250])), "E_TASK_FAILED").retry).toEqual({ delayMs: 250 });
    expect(expectFailure(await pool.run(job("retryLater", [])), "E_TASK_FAILED").retry).toBe("policy");
    const never = expectFailure(await pool.run(job("nonRetryable", ["bad input"])), "E_TASK_FAILED");
    expect(never.retry).toBe("never");
    expect(never.error.message).toBe("NonRetryable: bad input");
  });

  test("unknown task names and invalid args are never retried", async () => {
    const pool = await startPool();
    const unknown = expectFailure(await pool.run(job("noSuchTask")), "E_UNKNOWN_TASK");
    expect(unknown.retry).toBe("never");
    expect(unknown.error.message).toContain('"noSuchTask"');
    expect(unknown.startedAt).toBeUndefined();
    const invalid = expectFailure(await pool.run(job("validated", [2, "x"])), "E_INVALID_ARGS");
    expect(invalid.retry).toBe("never");
    expect(invalid.error.message).toContain("validated");
    expect(expectOk(await pool.run(job("validated", [6, 7])))).toBe(42);
  });

  test("malformed jobs and duplicate ids are answered without reaching a Worker", async () => {
    const pool = await startPool();
    expectFailure(await pool.run({ ...job("add"), args: "nope" as never }), "E_INVALID_ARGS");
    expectFailure(await pool.run(job("echo", [10n])), "E_INVALID_ARGS");
    expectFailure(await pool.run(job("add", [1, 2], { priority: "urgent" as never })), "E_INVALID_ARGS");
    const first = job("sleep", [50]);
    const running = pool.run(first);
    expectFailure(await pool.run({ ...first }), "E_DUPLICATE_ID");
    expect(expectOk(await running)).toBe(50);
  });
});

describe("WorkerPool: timeouts and crashes", () => {
  test("a job over its timeout gets E_TASK_TIMEOUT, its Worker is replaced, the pool keeps working", async () => {
    const pool = await startPool({ size: 1 });
    const timedOut = expectFailure(await pool.run(job("spin", [20_000], { timeoutMs: 200 })), "E_TASK_TIMEOUT");
    expect(timedOut.retry).toBe("policy");
    expect(timedOut.startedAt).toBeNumber();
    // Not before its limit, and (generously) long before the handler would have ended.
    expect(timedOut.finishedAt - (timedOut.startedAt ?? 0)).toBeGreaterThanOrEqual(199);
    expect(timedOut.finishedAt - (timedOut.startedAt ?? 0)).toBeLessThan(10_000);
    // The spinning handler cannot see its aborted signal: its Worker is terminated after the grace period.
    await waitFor(() => pool.stats().restarts === 1, { timeoutMs: 20_000, intervalMs: 5, message: "the stuck Worker to be replaced" });
    expect(expectOk(await pool.run(job("add", [1, 1])))).toBe(2);
  });

  test("the timeout counts from when the handler starts, not from assignment", async () => {
    const pool = await startPool({ size: 1, prefetch: 2 });
    const first = pool.run(job("sleep", [400]));
    // Queued behind a 400 ms job; its own handler is instant, so a 150 ms limit must not fire.
    const second = pool.run(job("add", [2, 2], { timeoutMs: 150 }));
    expect(expectOk(await first)).toBe(400);
    expect(expectOk(await second)).toBe(4);
    expect(pool.stats().restarts).toBe(0);
  });

  test("jobs prefetched behind a timed-out job are re-assigned and complete", async () => {
    const pool = await startPool({ size: 1, prefetch: 4 });
    const stuck = pool.run(job("spin", [20_000], { timeoutMs: 200 }));
    const behind = [pool.run(job("add", [1, 2])), pool.run(job("echo", ["x"])), pool.run(job("mark", ["after-timeout"]))];
    expectFailure(await stuck, "E_TASK_TIMEOUT");
    const results = (await Promise.all(behind)).map(expectOk);
    expect(results).toEqual([3, "x", "after-timeout"]);
    expect(pool.stats().restarts).toBe(1);
  });

  test("process.exit in a handler gives E_WORKER_CRASHED and prefetched jobs still run", async () => {
    const pool = await startPool({ size: 1, prefetch: 3 });
    const crashing = pool.run(job("exit", [3]));
    const behind = [pool.run(job("add", [5, 5])), pool.run(job("asyncAdd", [1, 1]))];
    const crashed = expectFailure(await crashing, "E_WORKER_CRASHED");
    expect(crashed.retry).toBe("policy");
    expect(crashed.error.message).toContain("code 3");
    expect((await Promise.all(behind)).map(expectOk)).toEqual([10, 2]);
    expect(expectOk(await pool.run(job("add", [1, 2])))).toBe(3);
    expect(pool.stats().restarts).toBe(1);
  });

  test("an error thrown asynchronously outside the handler crashes only that Worker", async () => {
    const pool = await startPool({ size: 2 });
    const crashed = expectFailure(await pool.run(job("throwAsyncTopLevel")), "E_WORKER_CRASHED");
    expect(crashed.error.message).toContain("escaped the handler");
    expect(expectOk(await pool.run(job("add", [2, 2])))).toBe(4);
  });

  test("a replacement Worker that cannot load backs off, logs, and recovers", async () => {
    const logs: LogLine[] = [];
    const pool = await startPool({ size: 1, taskModules: [join(FIXTURES, "flaky.ts")] }, logs);
    process.env.FASTWORKER_TEST_FLAKY = "1";
    try {
      expectFailure(await pool.run(job("flaky.crash", [1])), "E_WORKER_CRASHED");
      const failures = () => logs.filter((line) => line.msg.includes("replacement pool Worker failed to start"));
      await waitFor(() => failures().length >= 3, { timeoutMs: 20_000, intervalMs: 5, message: "three failed restarts" });
      const delays = failures().map((line) => line.fields?.retryInMs);
      expect(delays.slice(0, 3)).toEqual([100, 200, 400]);
      expect(failures().every((line) => line.level === "error")).toBe(true);
      expect(pool.freeSlots()).toBe(0);
    } finally {
      delete process.env.FASTWORKER_TEST_FLAKY;
    }
    expect(expectOk(await pool.run(job("flaky.ok")))).toBe("ok");
  });
});

describe("WorkerPool: cancel", () => {
  test("cancelling a running job that ignores its signal terminates and replaces its Worker after the grace period", async () => {
    const pool = await startPool({ size: 1 });
    const spinning = job("spin", [20_000]);
    const outcome = pool.run(spinning);
    await waitFor(() => pool.stats().busy === 1, { timeoutMs: 20_000, intervalMs: 5, message: "the job to start" });
    expect(pool.cancel(spinning.id)).toBe(true);
    const cancelled = expectFailure(await outcome, "E_TASK_CANCELLED");
    expect(cancelled.retry).toBe("never");
    expect(cancelled.startedAt).toBeNumber();
    await waitFor(() => pool.stats().restarts === 1, { timeoutMs: 20_000, intervalMs: 5, message: "the stuck Worker to be replaced" });
    expect(expectOk(await pool.run(job("add", [3, 4])))).toBe(7);
    expect(pool.cancel(spinning.id)).toBe(false);
  });

  test("cancelling a prefetched job drops it without touching the Worker", async () => {
    const pool = await startPool({ size: 1, prefetch: 3 });
    const first = pool.run(job("sleep", [300]));
    const victim = job("mark", ["cancelled"]);
    const dropped = pool.run(victim);
    const last = pool.run(job("mark", ["kept"]));
    await waitFor(() => pool.stats().busy === 1, { timeoutMs: 20_000, intervalMs: 5, message: "the first job to start" });
    expect(pool.cancel(victim.id)).toBe(true);
    const cancelled = expectFailure(await dropped, "E_TASK_CANCELLED");
    expect(cancelled.startedAt).toBeUndefined();
    expect(expectOk(await first)).toBe(300);
    expect(expectOk(await last)).toBe("kept");
    expect(expectOk(await pool.run(job("drainMarks")))).toEqual(["kept"]);
    expect(pool.stats().restarts).toBe(0);
  });

  test("cancelling a job still waiting in the pool's queue", async () => {
    const pool = await startPool({ size: 1, prefetch: 1 });
    const first = pool.run(job("sleep", [100]));
    const waiting = job("add", [1, 1]);
    const outcome = pool.run(waiting);
    expect(pool.stats().pending).toBe(1);
    expect(pool.cancel(waiting.id)).toBe(true);
    expectFailure(await outcome, "E_TASK_CANCELLED");
    expect(pool.stats().pending).toBe(0);
    expect(expectOk(await first)).toBe(100);
    expect(pool.cancel("never-submitted")).toBe(false);
  });
});

describe("WorkerPool: priorities", () => {
  test("inside a Worker, queued jobs run by priority, FIFO within a level", async () => {
    const pool = await startPool({ size: 1, prefetch: 10 });
    const blocker = pool.run(job("spin", [800]));
    await waitFor(() => pool.stats().busy === 1, { timeoutMs: 20_000, intervalMs: 5, message: "the blocker to start" });
    const marks = [
      pool.run(job("mark", ["low-1"], { priority: "low" })),
      pool.run(job("mark", ["normal"], { priority: "normal" })),
      pool.run(job("mark", ["low-2"], { priority: "low" })),
    ];
    // A separate message, sent while the Worker is busy: must still jump the queue.
    await Bun.sleep(20); // deliberate: a later event-loop turn, after the pool has posted the marks, so this is a second message
    marks.push(pool.run(job("mark", ["critical"], { priority: "critical" })));
    await Promise.all([blocker, ...marks]);
    expect(expectOk(await pool.run(job("drainMarks")))).toEqual(["critical", "normal", "low-1", "low-2"]);
  });

  test("jobs waiting in the pool are dispatched by priority", async () => {
    const pool = await startPool({ size: 1, prefetch: 1 });
    const blocker = pool.run(job("sleep", [200]));
    const marks = (["low", "high", "normal", "critical", "high"] as const).map((priority, i) =>
      pool.run(job("mark", [`${priority}-${i}`], { priority })),
    );
    await Promise.all([blocker, ...marks]);
    expect(expectOk(await pool.run(job("drainMarks")))).toEqual(["critical-3", "high-1", "high-4", "normal-2", "low-0"]);
  });
});

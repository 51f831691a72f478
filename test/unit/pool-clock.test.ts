// Time-based pool behaviour driven by an injected clock: no test here sleeps for a timeout or a grace.
import { afterEach, describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { WorkerPool, type PoolJob, type PoolOutcome, type WorkerPoolOptions } from "../../src/pool/index.ts";
import { ManualClock } from "../helpers/manual-clock.ts";
import { waitFor } from "../helpers/wait-for.ts";

const BASIC = join(resolve(import.meta.dir, "../fixtures/tasks"), "basic.ts");
let nextId = 0;
const job = (name: string, args: unknown[], extra: Partial<PoolJob> = {}): PoolJob => ({ id: `clock-${++nextId}`, name, args, attempt: 1, priority: "normal", ...extra });

const pools: WorkerPool[] = [];
async function startPool(clock: ManualClock, options: Partial<WorkerPoolOptions> = {}): Promise<WorkerPool> {
  const pool = new WorkerPool({ size: 1, taskModules: [BASIC], log: () => {}, clock, ...options });
  pools.push(pool);
  await pool.start();
  return pool;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

/** Settles with the outcome, or "pending" if the promise has not settled by the next macrotask. */
async function peek(outcome: Promise<PoolOutcome>): Promise<PoolOutcome | "pending"> {
  return Promise.race([outcome, new Promise<"pending">((r) => setImmediate(() => r("pending")))]);
}

describe("WorkerPool on an injected clock", () => {
  test("a hard timeout fires when the clock reaches it, not before", async () => {
    const clock = new ManualClock();
    const pool = await startPool(clock);
    // A real 30 s sleep with a 10 minute limit: only the clock can make it time out within this test.
    const outcome = pool.run(job("sleep", [30_000], { timeoutMs: 600_000 }));
    await waitFor(() => pool.stats().running === 1, { message: "the job to start" });
    clock.advance(599_000);
    expect(await peek(outcome)).toBe("pending");
    clock.advance(1_000);
    const timedOut = await peek(outcome);
    if (timedOut === "pending" || timedOut.ok) throw new Error(`expected E_TASK_TIMEOUT, got ${JSON.stringify(timedOut)}`);
    expect(timedOut.error.code).toBe("E_TASK_TIMEOUT");
    expect(timedOut.error.message).toContain("600000 ms");
  });

  test("an aborted job that ignores its signal costs its Worker only once the grace has passed on the clock", async () => {
    const clock = new ManualClock();
    const pool = await startPool(clock, { abortGraceMs: 5_000 });
    // spin cannot see its signal: it holds its Worker until the grace ends it.
    const stuck = pool.run(job("spin", [60_000], { timeoutMs: 1_000 }));
    await waitFor(() => pool.stats().running === 1, { message: "the job to start" });
    clock.advance(1_000);
    const timedOut = await stuck;
    expect(timedOut.ok ? "ok" : timedOut.error.code).toBe("E_TASK_TIMEOUT");
    clock.advance(4_000);
    expect(pool.stats().restarts).toBe(0);
    clock.advance(1_000);
    expect(pool.stats().restarts).toBe(1);
    // The replacement Worker runs the next job.
    const next = await pool.run(job("add", [2, 3]));
    expect(next.ok && next.result).toBe(5);
  });

  test("close with a drain waits on the clock: jobs still running when it passes end E_SHUTTING_DOWN", async () => {
    const clock = new ManualClock();
    const pool = await startPool(clock);
    const running = pool.run(job("sleep", [30_000]));
    await waitFor(() => pool.stats().running === 1, { message: "the job to start" });
    const closed = pool.close({ drainMs: 10_000 });
    // A second short of the drain (the clock also moves with real time, so not a millisecond short).
    clock.advance(9_000);
    expect(await peek(running)).toBe("pending");
    clock.advance(1_000);
    await closed;
    const outcome = await running;
    expect(outcome.ok ? "ok" : outcome.error.code).toBe("E_SHUTTING_DOWN");
  });
});

// WorkerPool lifecycle: a spinning handler does not block the main thread, close() settles or drains,
// start() reports module load failures, and idle Workers never hold the process open.
import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { TaskDefinitionError } from "../../src/errors.ts";
import { WorkerPool, type PoolOutcome } from "../../src/pool/index.ts";
import { expectFailure, expectOk, jobFactory, poolStarter } from "../helpers/pool.ts";
import { waitFor } from "../helpers/wait-for.ts";

const FIXTURES = resolve(import.meta.dir, "../fixtures/tasks");
const BASIC = join(FIXTURES, "basic.ts");

const job = jobFactory("life");
const pools = poolStarter({ size: 2, taskModules: [BASIC], log: () => {} });
const startPool = pools.start;

describe("WorkerPool: isolation and lifecycle", () => {
  test("the main thread stays responsive while a handler spins for 2 s", async () => {
    const pool = await startPool({ size: 1 });
    let ticks = 0;
    const interval = setInterval(() => ticks++, 10);
    try {
      const outcome = await pool.run(job("spin", [2000]));
      expect(expectOk(outcome)).toBe(2000);
    } finally {
      clearInterval(interval);
    }
    // ~200 expected; a blocked main thread would manage 0 or 1.
    expect(ticks).toBeGreaterThan(20);
  });

  test("close({ deadlineMs }) bounds only its caller's wait; a second close() awaits the same close to its end", async () => {
    const pool = await startPool({ size: 1 });
    const running = pool.run(job("sleep", [600]));
    await waitFor(() => pool.stats().busy === 1, { timeoutMs: 20_000, intervalMs: 5, message: "the job to start" });
    // The deadline is the behaviour under test: 50 ms, while the drain lets the job run its 600 ms.
    const bounded = pool.close({ drainMs: 5_000, deadlineMs: 50 });
    await expect(bounded).rejects.toMatchObject({ code: "E_TIMEOUT", message: expect.stringContaining("the worker pool did not stop within 50 ms") });
    await pool.close(); // the same close, drained: the job finished
    expect(expectOk(await running)).toBe(600);
  });

  test("close() settles every pending run() with E_SHUTTING_DOWN and refuses new jobs", async () => {
    const pool = await startPool({ size: 1, prefetch: 2 });
    const outcomes = [pool.run(job("spin", [20_000])), pool.run(job("add", [1, 1])), pool.run(job("add", [2, 2]))];
    await waitFor(() => pool.stats().busy === 1, { timeoutMs: 20_000, intervalMs: 5, message: "the spinning job to start" });
    await pool.close();
    for (const outcome of await Promise.all(outcomes)) expectFailure(outcome, "E_SHUTTING_DOWN");
    expectFailure(await pool.run(job("add", [1, 1])), "E_SHUTTING_DOWN");
    expect(pool.stats()).toMatchObject({ busy: 0, assigned: 0, pending: 0 });
    expect(pool.freeSlots()).toBe(0);
    await pool.close(); // idempotent
  });

  test("close({ drainMs }) lets assigned jobs finish first", async () => {
    const pool = await startPool({ size: 1, prefetch: 2 });
    const outcomes = [pool.run(job("sleep", [150])), pool.run(job("add", [20, 22]))];
    await pool.close({ drainMs: 10_000 });
    expect((await Promise.all(outcomes)).map(expectOk)).toEqual([150, 42]);
  });

  test("start() rejects with the loader's error when Workers cannot load the task modules", async () => {
    const broken = pools.closeAfter(new WorkerPool({ size: 2, taskModules: [join(FIXTURES, "broken.ts")], log: () => {} }));
    const error = await broken.start().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(TaskDefinitionError);
    expect((error as TaskDefinitionError).code).toBe("E_TASK_MODULE_LOAD");
    expect((error as TaskDefinitionError).message).toContain("broken.ts");
    expectFailure(await broken.run(job("add", [1, 2])), "E_SHUTTING_DOWN");

    const duplicated = pools.closeAfter(new WorkerPool({ size: 1, taskModules: [join(FIXTURES, "dup-a.ts"), join(FIXTURES, "dup-b.ts")], log: () => {} }));
    const duplicateError = await duplicated.start().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect((duplicateError as TaskDefinitionError).code).toBe("E_DUPLICATE_TASK");
  });

  for (const mode of ["close", "idle", "busy"] as const) {
    test(`Workers do not hold the process open once idle or closed, but do while busy (${mode})`, async () => {
      const child = Bun.spawn([process.execPath, join(FIXTURES, "pool-lifecycle-script.ts"), mode], { stdout: "pipe", stderr: "pipe" });
      const killer = setTimeout(() => child.kill(), 30_000); // the bound on a child that would hang
      const [exitCode, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
      clearTimeout(killer);
      expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: "" });
      const outcome = JSON.parse(stdout.trim()) as PoolOutcome;
      expect(expectOk(outcome)).toBe(mode === "busy" ? 300 : 3);
    });
  }
});

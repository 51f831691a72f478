import { expect, test } from "bun:test";
import { ControlPlane, createControlPlane, type ControlPlaneOptions } from "../../src/control-plane/index.ts";
import { FastWorkerError } from "../../src/errors.ts";
import type { WorkerPool } from "../../src/pool/index.ts";
import { MemoryTaskStore, type Recovered } from "../../src/store/index.ts";
import { loadTaskModules } from "../../src/tasks/index.ts";
import { silentLogger } from "../../src/log.ts";
import { RepSocket } from "../../src/nng/index.ts";
import { sleep } from "../fixtures/core-tasks.ts";
import { freeAddress } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait-for.ts";

async function startCp(address: string) {
  return createControlPlane({ taskModules: ["test/fixtures/core-tasks.ts"], address, discoveryAddress: null, concurrency: 1, log: silentLogger });
}

/** Until the submitted task is on the pool (a drain with nothing running would end in one tick). */
const onThePool = (cp: ControlPlane) => waitFor(() => cp.snapshot().running === 1, { timeoutMs: 5_000, message: "the task to be running on the pool" });

test("a second stop() waits for the first: when it returns, the address is free and the control plane stopped", async () => {
  const address = await freeAddress();
  const cp = await startCp(address);
  const running = cp.client().submit(sleep, [400]).catch((error: unknown) => error); // keeps the first stop draining
  await onThePool(cp);
  let firstDone = false;
  const first = cp.stop({ drainMs: 5000 }).then(() => { firstDone = true; });
  const startedAt = performance.now();
  await cp.stop();
  expect(firstDone).toBe(true); // the old stop() returned at once to a second caller
  expect(performance.now() - startedAt).toBeGreaterThan(150); // it really waited for the drain
  expect(cp.running).toBe(false);
  expect(await running).toBe(400); // the first caller's drain let the task finish
  const rebind = new RepSocket().listen(address); // throws E_ADDRINUSE if the socket were still open
  await rebind.close();
  await first;
});

test("stop({ deadlineMs }) bounds the drain: a long task does not hold the stop past its deadline", async () => {
  const cp = await startCp(await freeAddress());
  const running = cp.client().submit(sleep, [20_000]).catch((error: unknown) => error);
  await onThePool(cp);
  const startedAt = performance.now();
  await cp.stop({ drainMs: 60_000, deadlineMs: 1000 });
  expect(performance.now() - startedAt).toBeLessThan(3000);
  expect(cp.running).toBe(false);
  expect(await running).toBeInstanceOf(Error); // stopped by the pool, not run to its 20 s end
});

/** An in-memory store whose recovery fails the way a damaged journal's does. */
class UnrecoverableStore extends MemoryTaskStore {
  override recover(_resultTtlMs: number): Promise<Recovered> {
    return Promise.reject(new FastWorkerError("E_JOURNAL", "journal unreadable (test)"));
  }
}

// The pool is private; it is read here because a Worker pool left running is exactly the leak under test
// (its idle Workers are unref'd, so a leaked pool would not even keep the process alive to notice it).
function poolOf(cp: ControlPlane): WorkerPool | undefined {
  // The pool is the runtime's (src/control-plane/runtime.ts): private, read here to prove it was released.
  return (cp as unknown as { runtime: { pool: WorkerPool | undefined } }).runtime.pool;
}

async function failingStart(options: Partial<ControlPlaneOptions>) {
  const catalog = await loadTaskModules(["test/fixtures/core-tasks.ts"], { cwd: process.cwd() });
  const cp = new ControlPlane(catalog, { taskModules: ["test/fixtures/core-tasks.ts"], discoveryAddress: null, concurrency: 1, log: silentLogger, ...options });
  const error = await cp.start().then(() => undefined, (e: unknown) => e as FastWorkerError);
  return { cp, error };
}

async function expectPoolReleased(cp: ControlPlane) {
  const pool = poolOf(cp);
  expect(pool).toBeDefined(); // the start got as far as the pool
  const outcome = await pool!.run({ id: "after-failed-start", name: "add", args: [1, 2], attempt: 1, priority: "normal" });
  expect(outcome.ok ? outcome.result : outcome.error.code).toBe("E_SHUTTING_DOWN"); // the old start() left it running: 3
  expect(cp.running).toBe(false);
  await cp.stop(); // still safe to call after a failed start
}

test("a start whose recover() fails releases the pool (and the store) it acquired, and reports the recovery error", async () => {
  const store = new UnrecoverableStore();
  const { cp, error } = await failingStart({ address: await freeAddress(), store });
  expect(error?.code).toBe("E_JOURNAL");
  await expectPoolReleased(cp);
  expect(() => store.update("x", { state: "queued", attempts: 0 })).toThrow(/closed/i);
});

test("a start whose listen() fails (address taken) releases the pool and reports E_ADDRINUSE", async () => {
  const address = await freeAddress();
  const squatter = new RepSocket().listen(address);
  try {
    const { cp, error } = await failingStart({ address });
    expect(error?.code).toBe("E_ADDRINUSE");
    await expectPoolReleased(cp);
  } finally {
    await squatter.close();
  }
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "../../src/client/index.ts";
import { TaskError } from "../../src/errors.ts";
import { connect, startControlPlane } from "../helpers/control-plane.ts";
import { killAll } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

const scratch = mkdtempSync(join(tmpdir(), "fw-core-"));
let client: Client;
let cpOutput: () => string = () => "";

beforeAll(async () => {
  const { address, cp } = await startControlPlane(["--concurrency", "2"]);
  cpOutput = cp.output;
  client = await connect(address);
});
afterAll(async () => {
  if (process.env.DEBUG_CP) console.log(cpOutput());
  await client?.stop();
  await killAll();
});

async function failure(promise: Promise<unknown>): Promise<TaskError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(TaskError);
  return error as TaskError;
}

describe("submitting and reading results", () => {
  test("submit resolves to the handler's value; delay returns an id whose record is complete", async () => {
    expect(await client.submit("add", [2, 3])).toBe(5);
    const id = await client.delay("add", 40, 2);
    const record = await client.result(id, { wait: true });
    expect(record).toMatchObject({ taskId: id, name: "add", status: "success", result: 42, attempts: 1, priority: "normal" });
    expect(record.history.map((h) => h.state)).toEqual(["pending", "queued", "running", "success"]);
    expect(record.timings.finishedAt! >= record.timings.startedAt!).toBe(true);
  });

  test("an unknown task name is refused with E_UNKNOWN_TASK", async () => {
    expect((await failure(client.submit("no-such-task", []))).code).toBe("E_UNKNOWN_TASK");
  });

  test("arguments rejected by the task's schema fail with E_INVALID_ARGS, not retried", async () => {
    const error = await failure(client.submit("typed", ["six", 7]));
    expect(error.code).toBe("E_INVALID_ARGS");
    expect(await client.submit("typed", [6, 7])).toBe(42);
  });

  test("NonRetryable fails at once with the remote message", async () => {
    const error = await failure(client.submit("hard", []));
    expect(error.code).toBe("E_TASK_FAILED");
    expect(error.message).toContain("refused on purpose");
    expect(error.taskId).toBeString();
  });

  test("an unknown id is a typed E_TASK_NOT_FOUND", async () => {
    expect((await failure(client.result("never-submitted"))).code).toBe("E_TASK_NOT_FOUND");
  });

  test("resubmitting the same id or idempotency key returns the first task", async () => {
    const first = await client.enqueue("add", [1, 1], { idempotencyKey: "once-only" });
    const second = await client.enqueue("add", [1, 1], { idempotencyKey: "once-only" });
    expect(second).toBe(first);
    const byId = await client.enqueue("add", [9, 9], { id: first });
    expect(byId).toBe(first);
    expect((await client.result(first, { wait: true })).result).toBe(2);
  });
});

describe("retries, timeouts and crashes", () => {
  test("a failing handler is retried with backoff until it succeeds", async () => {
    const counter = join(scratch, "fail-twice");
    const id = await client.enqueue("failTwice", [counter]);
    const record = await client.result(id, { wait: true });
    expect(record.status).toBe("success");
    expect(record.result).toBe(3);
    expect(record.attempts).toBe(3);
    expect(record.history.filter((h) => h.state === "retrying")).toHaveLength(2);
    // Backoff of 100 ms then 200 ms separates the attempts.
    expect(record.timings.finishedAt! - record.timings.submittedAt).toBeGreaterThanOrEqual(300);
  });

  test("RetryLater asks for another attempt after its delay", async () => {
    expect(await client.submit("later", [join(scratch, "later")])).toBe(3);
  });

  test("retries run out: the task fails with its last error", async () => {
    const error = await failure(client.submit("alwaysFails", []));
    expect(error.code).toBe("E_TASK_FAILED");
    const record = await client.result(error.taskId!);
    expect(record.attempts).toBe(2);
  });

  test("a handler over its timeout is killed (E_TASK_TIMEOUT) and the pool keeps working", async () => {
    const error = await failure(client.submit("spin", [5_000]));
    expect(error.code).toBe("E_TASK_TIMEOUT");
    expect(await client.submit("add", [1, 2])).toBe(3);
  });

  test("a per-submission timeout overrides the task's own", async () => {
    expect((await failure(client.submit("sleep", [2_000], { timeoutMs: 200 }))).code).toBe("E_TASK_TIMEOUT");
  });

  test("a Worker that exits is replaced; its task fails with E_WORKER_CRASHED; others are unaffected", async () => {
    const others = Array.from({ length: 20 }, (_, i) => client.submit("add", [i, i]));
    expect((await failure(client.submit("crash", []))).code).toBe("E_WORKER_CRASHED");
    expect(await Promise.all(others)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(await client.submit("add", [5, 5])).toBe(10);
  });
});

describe("scheduling and cancellation", () => {
  test("countdown: the task is scheduled, then runs after its delay", async () => {
    const id = await client.enqueue("add", [1, 2], { countdownMs: 600 });
    expect((await client.result(id)).status).toBe("scheduled");
    const record = await client.result(id, { wait: true });
    expect(record.status).toBe("success");
    expect(record.timings.startedAt! - record.timings.submittedAt).toBeGreaterThanOrEqual(590);
  });

  test("eta: an absolute time works the same way", async () => {
    const eta = Date.now() + 400;
    const record = await client.result(await client.enqueue("add", [2, 2], { eta }), { wait: true });
    expect(record.timings.startedAt!).toBeGreaterThanOrEqual(eta - 5);
  });

  test("cancel a scheduled task: it never runs", async () => {
    const id = await client.enqueue("add", [1, 1], { countdownMs: 5_000 });
    expect(await client.cancel(id)).toBe(true);
    const record = await client.result(id);
    expect(record.status).toBe("cancelled");
    expect(record.attempts).toBe(0);
  });

  test("cancel a running task: its Worker is terminated, submit rejects with E_TASK_CANCELLED", async () => {
    const id = await client.enqueue("sleep", [10_000]);
    await waitForState(id, "running");
    expect(await client.cancel(id)).toBe(true);
    const record = await client.result(id, { wait: true });
    expect(record.status).toBe("cancelled");
    expect(record.error?.code).toBe("E_TASK_CANCELLED");

    expect(await client.cancel(id)).toBe(false); // already finished
    expect(await client.submit("add", [3, 4])).toBe(7);
  });

  test("a CPU-bound handler spinning for seconds leaves the control plane answering", async () => {
    const spinning = client.submit("busy", [2_000]);
    await waitFor(async () => (await client.status()).running >= 1, { message: "the busy task to run" });
    const started = performance.now();
    const status = await client.status();
    expect(status.running).toBeGreaterThanOrEqual(1);
    // Generous: the point is that status does not wait for the 2 s handler.
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(await spinning).toBe(2_000);
  });
});

async function waitForState(id: string, state: string): Promise<void> {
  await waitFor(async () => (await client.result(id)).status === state, { timeoutMs: 5_000, intervalMs: 10, message: `task ${id} to reach ${state}` });
}

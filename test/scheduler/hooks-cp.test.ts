/** Task hooks and global middleware in the Bun Workers of a real control plane process. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "../../src/client/index.ts";
import { TaskError } from "../../src/errors.ts";
import { killAll } from "../helpers/processes.ts";
import { connect, startCp } from "./cp-helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "fw-hooks-"));
let client: Client;

beforeAll(async () => {
  const { address } = await startCp("test/fixtures/hooks", ["--concurrency", "1"]);
  client = await connect(address);
});
afterAll(async () => {
  await client?.stop();
  await killAll();
});

async function failure(promise: Promise<unknown>): Promise<TaskError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(TaskError);
  return error as TaskError;
}

test("global befores in module order, the task's before, handler, the task's after, global afters in reverse", async () => {
  const file = join(dir, "order.log");
  const id = await client.enqueue("ordered", [file], { id: "order-1" });
  expect((await client.result(id, { wait: true })).result).toBe("ran");
  expect(readFileSync(file, "utf8").trim().split("\n")).toEqual([
    "outer.before ordered order-1 attempt 1", "inner.before", "task.before", "handler",
    "task.after ok", "inner.after", 'outer.after ok "ran"',
  ]);
});

test("hooks see the task id and each attempt's number", async () => {
  const file = join(dir, "retry.log");
  const record = await client.result(await client.enqueue("orderedRetry", [file], { id: "retry-1" }), { wait: true });
  expect(record).toMatchObject({ status: "success", result: 2, attempts: 2 });
  const befores = readFileSync(file, "utf8").split("\n").filter((l) => l.startsWith("outer.before"));
  expect(befores).toEqual(["outer.before orderedRetry retry-1 attempt 1", "outer.before orderedRetry retry-1 attempt 2"]);
});

test("a throwing before fails the task with E_TASK_FAILED naming the hook", async () => {
  const error = await failure(client.submit("guarded", []));
  expect(error.code).toBe("E_TASK_FAILED");
  expect(error.message).toBe('before hook of task "guarded" threw: Error: no entry');
});

test("a throwing after fails a task whose handler succeeded", async () => {
  const error = await failure(client.submit("spoiled", []));
  expect(error.code).toBe("E_TASK_FAILED");
  expect(error.message).toBe('after hook of task "spoiled" threw: TypeError: audit failed');
});

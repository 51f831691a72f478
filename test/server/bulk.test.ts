// Bulk actions through the dashboard API: retry every failed task, clean finished ones, and the
// limits on what they accept.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ApiErrorBody, CleanJson, RetryFailedJson, SubmitJson, TaskDetailJson, TaskListJson } from "../../src/server/api-types.ts";
import { startInProcess, type InProcess } from "./fixture.ts";

let d: InProcess;

beforeAll(async () => {
  d = await startInProcess({ events: { snapshotIntervalMs: 0 } });
});
afterAll(async () => {
  await d.stop();
});

async function run(name: string, args: unknown[] = []): Promise<TaskDetailJson> {
  const { body } = await d.post<SubmitJson>("/api/tasks", { name, args });
  return d.waitFor(body.task_id);
}
const runsOf = (detail: TaskDetailJson) => detail.history.filter((h) => h.state === "running").length;

describe("POST /api/tasks/retry-failed", () => {
  test("queues every failed task again (and only those), optionally for one task name", async () => {
    const failed = await Promise.all([run("hard"), run("hard"), run("hard")]);
    const ok = await run("add", [1, 2]);
    expect(failed.every((f) => f.status === "failure")).toBe(true);
    const { status, body } = await d.post<RetryFailedJson>("/api/tasks/retry-failed", {});
    expect(status).toBe(200);
    expect(body).toEqual({ retried: 3, skipped: 0, errors: [] });
    for (const f of failed) expect(runsOf(await d.waitFor(f.task_id, (x) => x.status === "failure" && runsOf(x) === 2))).toBe(2);
    expect(runsOf(await d.waitFor(ok.task_id))).toBe(1);
    const other = await d.post<RetryFailedJson>("/api/tasks/retry-failed", { name: "add" });
    expect(other.body.retried).toBe(0);
  });

  test("refuses a body that is not JSON or names unknown fields", async () => {
    const form = await d.call("/api/tasks/retry-failed", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "a=1" });
    expect(form.status).toBe(415);
    const extra = await d.post<ApiErrorBody>("/api/tasks/retry-failed", { everything: true });
    expect(extra.status).toBe(400);
    expect(extra.body.error.code).toBe("E_INVALID_REQUEST");
  });
});

describe("POST /api/tasks/clean", () => {
  test("removes finished tasks of one status, then all, and leaves running ones alone", async () => {
    const done = await run("add", [2, 3]);
    const failed = await run("hard");
    const running = (await d.post<SubmitJson>("/api/tasks", { name: "sleep", args: [3000] })).body.task_id;
    await d.waitFor(running, (x) => x.status === "running");
    const onlyFailures = await d.post<CleanJson>("/api/tasks/clean", { status: "failure" });
    expect(onlyFailures.body.removed).toBeGreaterThanOrEqual(1);
    expect((await d.call(`/api/tasks/${failed.task_id}`)).status).toBe(404);
    expect((await d.call(`/api/tasks/${done.task_id}`)).status).toBe(200);
    const all = await d.post<CleanJson>("/api/tasks/clean", {});
    expect(all.body.removed).toBeGreaterThanOrEqual(1);
    expect((await d.call(`/api/tasks/${done.task_id}`)).status).toBe(404);
    const left = await d.json<TaskListJson>("/api/tasks");
    expect(left.body.tasks.map((t) => t.task_id)).toEqual([running]);
    expect((await d.post<CleanJson>("/api/tasks/clean", { status: "running" })).status).toBe(400);
    await d.post("/api/tasks/" + running + "/cancel");
  });
});

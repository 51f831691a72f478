// The dashboard's REST API through app.handle(), against a real control plane in this process.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  ApiErrorBody, CacheJson, CancelJson, MetricsJson, QueuesJson, RegisteredTasksJson, RetryJson, StatusJson, SubmitJson,
  TaskListJson, WorkersJson,
} from "../../src/server/api-types.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { startInProcess, type InProcess } from "./fixture.ts";

let d: InProcess;
const scratch = mkdtempSync(join(tmpdir(), "fw-dash-"));

beforeAll(async () => {
  d = await startInProcess();
});
afterAll(async () => {
  await d.stop();
});

const submit = (name: string, args: unknown[] = [], extra: Record<string, unknown> = {}) => d.post<SubmitJson>("/api/tasks", { name, args, ...extra });

describe("read endpoints", () => {
  test("/api/status describes the control plane, with a real uptime", async () => {
    const { status, body } = await waitFor(async () => {
      const reply = await d.json<StatusJson>("/api/status");
      return reply.body.uptime_seconds >= 1 && reply;
    }, { timeoutMs: 5_000, message: "an uptime of a second" });
    expect(status).toBe(200);
    expect(body.worker_id).toBe(d.cp.id);
    expect(body.running).toBe(true);
    expect(body.base_address).toBe(d.cp.address);
    expect(body.uptime_seconds).toBeGreaterThanOrEqual(1);
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.subworkers).toEqual({ total: 0, active: 0, inactive: 0 });
    expect(body.workers).toMatchObject({ total: 1, active: 1, capacity: 2 });
    expect(Object.keys(body.queues).sort()).toEqual(["critical", "high", "low", "normal"]);
    expect(body.tasks).toMatchObject({ queued: 0, running: 0, scheduled: 0 });
    expect(body.cache.max_size).toBe(100_000);
    expect(Date.parse(body.timestamp)).toBeGreaterThan(0);
  });

  test("/api/workers lists the control plane's pool first", async () => {
    const { body } = await d.json<WorkersJson>("/api/workers");
    expect(body.count).toBe(1);
    expect(body.workers[0]).toMatchObject({ kind: "local", is_control_plane: true, state: "active", capacity: 2, address: d.cp.address });
    expect(body.workers[0]!.tasks).toContain("add");
  });

  test("/api/registered-tasks gives each task's module and options", async () => {
    const { body } = await d.json<RegisteredTasksJson>("/api/registered-tasks");
    expect(body.count).toBe(body.tasks.length);
    const later = body.tasks.find((t) => t.name === "later");
    expect(later).toMatchObject({ retries: 2, priority: "normal", export_name: "later" });
    expect(later!.module).toEndWith("core-tasks.ts");
    expect(body.tasks.find((t) => t.name === "spin")!.timeoutMs).toBe(300);
  });

  test("/api/queues shows counts and at most 10 next tasks per priority; /api/cache counts results by status", async () => {
    const blockers = await Promise.all([submit("sleep", [400]), submit("sleep", [400])]);
    await Promise.all(Array.from({ length: 12 }, () => submit("add", [1, 1], { priority: "low" })));
    const { body: queues } = await d.json<QueuesJson>("/api/queues");
    expect(queues.queues.low.count).toBe(12);
    expect(queues.queues.low.tasks).toHaveLength(10);
    expect(queues.queues.low.tasks[0]!.name).toBe("add");
    expect(queues.total_queued).toBe(12);
    for (const b of blockers) await d.waitFor(b.body.task_id);
    const { body: cache } = await waitFor(async () => {
      const reply = await d.json<CacheJson>("/api/cache");
      return reply.body.by_status.success >= 14 && reply;
    }, { message: "the cache to hold the 14 results" });
    expect(cache.current_size).toBeGreaterThanOrEqual(14);
    expect(cache.by_status.success).toBeGreaterThanOrEqual(14);
    expect(cache.utilization_percent).toBeGreaterThan(0);
  });

  test("/api/metrics has per-second series over 5 minutes with counts and latencies", async () => {
    const { body } = await d.json<MetricsJson>("/api/metrics");
    expect(body.window_seconds).toBe(300);
    expect(body.succeeded).toHaveLength(300);
    expect(body.p95_ms).toHaveLength(300);
    expect(body.totals.succeeded).toBeGreaterThanOrEqual(14);
    expect(body.totals.last_minute.succeeded).toBe(body.totals.succeeded);
    // The two 400 ms sleeps dominate p95.
    expect(body.totals.p95_ms!).toBeGreaterThan(300);
    expect(body.totals.p50_ms!).toBeLessThan(body.totals.p95_ms!);
  });
});

describe("tasks", () => {
  test("a submitted task runs; its detail has args, result, attempts, worker and a timed state history", async () => {
    const { status, body } = await submit("add", [20, 22]);
    expect(status).toBe(201);
    expect(["queued", "running"]).toContain(body.status);
    const detail = await d.waitFor(body.task_id);
    expect(detail).toMatchObject({ status: "success", result: 42, args: [20, 22], attempts: 1, error: null, retryable: false, cancellable: false });
    expect(detail.worker_id).toContain("/local");
    expect(detail.history.map((h) => h.state)).toEqual(["pending", "queued", "running", "success"]);
    expect(Date.parse(detail.history[3]!.at)).toBeGreaterThanOrEqual(Date.parse(detail.history[0]!.at));
    expect(detail.duration_ms).toBeGreaterThanOrEqual(0);
  });

  test("a failed task's detail has the error with its stack", async () => {
    const { body } = await submit("hard");
    const detail = await d.waitFor(body.task_id);
    expect(detail.status).toBe("failure");
    expect(detail.error!.message).toContain("refused on purpose");
    expect(detail.error!.stack).toContain("core-tasks.ts");
    expect(detail.retryable).toBe(true);
  });

  test("submit validates the body and names the task when it is unknown", async () => {
    const unknown = await d.post<ApiErrorBody>("/api/tasks", { name: "nope" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("E_UNKNOWN_TASK");
    expect(unknown.body.error.message).toContain("nope");
    const badArgs = await d.post<ApiErrorBody>("/api/tasks", { name: "add", args: "1,2" });
    expect(badArgs.status).toBe(400);
    expect(badArgs.body.error).toMatchObject({ code: "E_INVALID_REQUEST" });
    expect(badArgs.body.error.message).toContain("args");
    const extra = await d.post<ApiErrorBody>("/api/tasks", { name: "add", countdown: 5 });
    expect(extra.status).toBe(400);
    const badPriority = await d.post<ApiErrorBody>("/api/tasks", { name: "add", priority: "urgent" });
    expect(badPriority.body.error.message).toContain("priority");
    const notJson = await d.json<ApiErrorBody>("/api/tasks", { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("E_INVALID_REQUEST");
    const form = await d.json<ApiErrorBody>("/api/tasks", { method: "POST", headers: { "content-type": "text/plain" }, body: '{"name":"add"}' });
    expect(form.status).toBe(415);
  });

  test("priority and countdown are honoured", async () => {
    const { body } = await submit("add", [1, 2], { priority: "critical", countdownMs: 60_000 });
    expect(body.status).toBe("scheduled");
    const detail = await d.waitFor(body.task_id, (t) => t.status === "scheduled");
    expect(detail.priority).toBe("critical");
    expect(Date.parse(detail.due_at!)).toBeGreaterThan(Date.now() + 50_000);
    expect((await d.post<CancelJson>(`/api/tasks/${body.task_id}/cancel`)).status).toBe(200);
  });

  test("list: pagination, filters, free-text search, sort and validation", async () => {
    const tag = `mark-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { body } = await submit("mark", [join(scratch, tag), `${tag}-${i}`], { priority: "high" });
      ids.push(body.task_id);
      await Bun.sleep(2); // deliberate: distinct submission times, so the order under test is defined
    }
    for (const id of ids) await d.waitFor(id);
    const all = await d.json<TaskListJson>("/api/tasks?name=mark&limit=2");
    expect(all.body.total).toBe(5);
    expect(all.body.tasks.map((t) => t.task_id)).toEqual([ids[4], ids[3]]);
    const page2 = await d.json<TaskListJson>("/api/tasks?name=mark&limit=2&offset=2");
    expect(page2.body.tasks.map((t) => t.task_id)).toEqual([ids[2], ids[1]]);
    expect(page2.body).toMatchObject({ limit: 2, offset: 2, total: 5 });
    const oldest = await d.json<TaskListJson>("/api/tasks?name=mark&sort=oldest&limit=1");
    expect(oldest.body.tasks[0]!.task_id).toBe(ids[0]);
    const byId = await d.json<TaskListJson>(`/api/tasks?q=${ids[2]!.slice(0, 13)}`);
    expect(byId.body.tasks.map((t) => t.task_id)).toEqual([ids[2]]);
    const failures = await d.json<TaskListJson>("/api/tasks?status=failure");
    expect(failures.body.tasks.every((t) => t.status === "failure")).toBe(true);
    expect(failures.body.total).toBeGreaterThanOrEqual(1);
    const high = await d.json<TaskListJson>("/api/tasks?priority=high&limit=3");
    expect(high.body.total).toBe(5);
    expect(high.body.tasks).toHaveLength(3);
    expect(high.body.tasks.every((t) => t.priority === "high")).toBe(true);
    const row = all.body.tasks[0]!;
    expect(row).toMatchObject({ name: "mark", status: "success", result: `${tag}-4`, priority: "high" });
    for (const bad of ["limit=0", "limit=501", "limit=abc", "offset=-1", "status=done", "sort=random", "priority=urgent"]) {
      const r = await d.json<ApiErrorBody>(`/api/tasks?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.body.error.code).toBe("E_INVALID_REQUEST");
    }
  });

  test("unknown task ids are 404", async () => {
    for (const [method, path] of [["GET", "/api/tasks/nope"], ["POST", "/api/tasks/nope/cancel"], ["POST", "/api/tasks/nope/retry"]] as const) {
      const r = await d.json<ApiErrorBody>(path, { method });
      expect(r.status, path).toBe(404);
      expect(r.body.error.code).toBe("E_TASK_NOT_FOUND");
    }
  });

  test("cancel stops a running task for real; cancelling a finished task is a 409", async () => {
    const { body } = await submit("sleep", [5000]);
    await d.waitFor(body.task_id, (t) => t.status === "running");
    const cancelled = await d.post<CancelJson>(`/api/tasks/${body.task_id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ task_id: body.task_id, cancelled: true, status: "cancelled" });
    const detail = await d.waitFor(body.task_id);
    expect(detail.status).toBe("cancelled");
    expect(detail.error!.code).toBe("E_TASK_CANCELLED");
    // The pool slot is free again: a new task runs right away.
    const next = await submit("add", [2, 2]);
    expect((await d.waitFor(next.body.task_id, undefined, 3000)).result).toBe(4);
    const again = await d.post<ApiErrorBody>(`/api/tasks/${body.task_id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("E_NOT_CANCELLABLE");
  });

  test("retry runs a failed task again under the same id; a succeeded one is a 409", async () => {
    const { body } = await submit("hard");
    await d.waitFor(body.task_id);
    const retried = await d.post<RetryJson>(`/api/tasks/${body.task_id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ task_id: body.task_id, retrying: true });
    const detail = await d.waitFor(body.task_id, (t) => t.status === "failure" && t.history.filter((h) => h.state === "running").length === 2);
    expect(detail.history.map((h) => h.state)).toEqual(["pending", "queued", "running", "failure", "queued", "running", "failure"]);
    const ok = await submit("add", [1, 1]);
    await d.waitFor(ok.body.task_id);
    const notRetryable = await d.post<ApiErrorBody>(`/api/tasks/${ok.body.task_id}/retry`);
    expect(notRetryable.status).toBe(409);
    expect(notRetryable.body.error.code).toBe("E_NOT_RETRYABLE");
  });
});

describe("routing", () => {
  test("unknown /api paths are JSON 404s, whatever the method", async () => {
    for (const method of ["GET", "POST", "DELETE"]) {
      const r = await d.call("/api/nothing/here", { method });
      expect(r.status).toBe(404);
      expect(r.headers.get("content-type")).toContain("application/json");
      expect(((await r.json()) as ApiErrorBody).error.code).toBe("E_NOT_FOUND");
    }
  });

  test("the GUI: index.html at / and for client routes, assets with their types, missing files 404", async () => {
    const index = await d.call("/");
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toContain("text/html");
    const html = await index.text();
    expect(html).toContain('<div id="app">');
    const route = await d.call("/tasks/some-id");
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(html);
    // Page-relative (gui is built with base "./"), so the same build also works under a prefix.
    const script = `/${/src="\.\/(assets\/[^"]+\.js)"/.exec(html)![1]!}`;
    const js = await d.call(script);
    expect(js.headers.get("content-type")).toContain("javascript");
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect((await d.call("/assets/missing.js")).status).toBe(404);
    expect(index.headers.get("content-security-policy")).toContain("default-src 'self'");
  });

  test("requests naming a foreign host are refused (DNS rebinding), as are cross-origin writes", async () => {
    const rebound = await d.app.handle(new Request("http://evil.example:8080/api/status"));
    expect(rebound.status).toBe(403);
    const crossSite = await d.call("/api/tasks", { method: "POST", headers: { origin: "http://evil.example", "content-type": "application/json" }, body: '{"name":"add"}' });
    expect(crossSite.status).toBe(403);
    expect(((await crossSite.json()) as ApiErrorBody).error.code).toBe("E_FORBIDDEN");
  });
});

// GET /api/events: the live stream, its ordering, snapshots and heartbeats, and how it treats a reader that stops reading.
import { afterEach, describe, expect, test } from "bun:test";
import type { StatusJson, SubmitJson } from "../../src/server/api-types.ts";
import { readEvents, startInProcess, type InProcess } from "./fixture.ts";

let d: InProcess | undefined;
afterEach(async () => {
  await d?.stop();
  d = undefined;
});

type Named = { event: string; data: unknown };
const idOf = (e: Named): string | undefined => {
  const data = e.data as { taskId?: string; record?: { taskId: string } };
  return data.taskId ?? data.record?.taskId;
};

describe("event stream", () => {
  test("delivers a submitted task's events in order, as `event: <name>` with JSON data", async () => {
    d = await startInProcess({ events: { snapshotIntervalMs: 0 } });
    const response = await d.call("/api/events");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const { body } = await d.post<SubmitJson>("/api/tasks", { name: "add", args: [2, 3] });
    const { events, raw } = await readEvents(response.body!, (es) => es.some((e) => e.event === "task.succeeded" && idOf(e) === body.task_id));
    expect(raw.startsWith("retry: 2000\n")).toBe(true);
    const mine = events.filter((e) => idOf(e) === body.task_id);
    expect(mine.map((e) => e.event)).toEqual(["task.queued", "task.started", "task.succeeded"]);
    expect(mine[0]!.data).toMatchObject({ name: "add", priority: "normal" });
    expect(mine[2]!.data).toMatchObject({ record: { status: "success", result: 5, args: [2, 3] } });
  });

  test("failure, retry, cancel and scheduling events all arrive", async () => {
    d = await startInProcess({ events: { snapshotIntervalMs: 0 } });
    const response = await d.call("/api/events");
    const failing = await d.post<SubmitJson>("/api/tasks", { name: "alwaysFails" });
    const later = await d.post<SubmitJson>("/api/tasks", { name: "add", args: [1, 1], countdownMs: 60_000 });
    await d.post(`/api/tasks/${later.body.task_id}/cancel`);
    const { events } = await readEvents(response.body!, (es) => es.some((e) => e.event === "task.failed" && idOf(e) === failing.body.task_id));
    const names = (id: string) => events.filter((e) => idOf(e) === id).map((e) => e.event);
    expect(names(failing.body.task_id)).toEqual(["task.queued", "task.started", "task.retrying", "task.queued", "task.started", "task.failed"]);
    expect(names(later.body.task_id)).toEqual(["task.scheduled", "task.cancelled"]);
  });

  test("snapshots (status, workers, queues) every interval and heartbeat comments keep it alive", async () => {
    d = await startInProcess({ events: { snapshotIntervalMs: 50, heartbeatMs: 60 } });
    const response = await d.call("/api/events");
    const { events, raw } = await readEvents(response.body!, (es, text) => es.filter((e) => e.event === "status").length >= 2 && text.includes(": heartbeat"));
    const status = events.find((e) => e.event === "status")!.data as StatusJson;
    expect(status.worker_id).toBe(d.cp.id);
    expect(events.some((e) => e.event === "workers")).toBe(true);
    expect(events.some((e) => e.event === "queues")).toBe(true);
    expect(raw).toContain(": heartbeat\n\n");
  });

  test("a subscriber that stops reading is dropped at its limit and its stream closed; the control plane keeps nothing for it", async () => {
    d = await startInProcess({ events: { maxEvents: 50, snapshotIntervalMs: 0 } });
    const hub = d.app.store.dashboard.hub;
    const stalled = await d.call("/api/events");
    const reader = await d.call("/api/events");
    expect(hub.size).toBe(2);
    const readerDone = readEvents(reader.body!, (es) => es.filter((e) => e.event === "task.succeeded").length >= 100, 20_000);
    // Separate turns of the event loop, as real traffic is: each batch is small, the backlog grows.
    for (let i = 0; i < 100; i++) {
      await d.post("/api/tasks", { name: "add", args: [i, 1] });
      await Bun.sleep(1); // deliberate: spreads the traffic over turns of the event loop (see above)
    }
    const { events } = await readerDone;
    expect(events.filter((e) => e.event === "task.succeeded")).toHaveLength(100);
    expect(hub.dropped).toBe(1);
    expect(hub.size).toBe(0);
    expect(hub.peakBacklog).toBeLessThanOrEqual(50);
    // The stalled reader finds what was sent before the cut, a `dropped` event, and the end of the stream.
    const { raw, ended } = await readEvents(stalled.body!, () => false, 2000);
    expect(ended).toBe(true);
    expect(raw).toContain("event: dropped");
    expect(raw.split("\n\n").filter((f) => f.startsWith("event: task.")).length).toBe(0);
  });

  test("a reader that keeps up is never dropped, even when one submit brings thousands of events at once", async () => {
    d = await startInProcess({ events: { snapshotIntervalMs: 0 } });
    const hub = d.app.store.dashboard.hub;
    const response = await d.call("/api/events");
    const done = readEvents(response.body!, (es) => es.filter((e) => e.event === "task.succeeded").length >= 3000, 30_000);
    const specs = Array.from({ length: 3000 }, (_, i) => ({ id: `burst-${i}`, name: "add", args: [i, 1] }));
    await d.cp.submit(specs);
    const { events } = await done;
    expect(events.filter((e) => e.event === "task.succeeded")).toHaveLength(3000);
    expect(hub.dropped).toBe(0);
  }, 40_000);

  test("large results are left out of the stream (truncated: true) but stay in the task's detail", async () => {
    d = await startInProcess({ events: { snapshotIntervalMs: 0, maxEventChars: 2000 } });
    const response = await d.call("/api/events");
    const big = "x".repeat(5000);
    const { body } = await d.post<SubmitJson>("/api/tasks", { name: "mark", args: [`/tmp/fw-mark-${Date.now()}`, big] });
    const { events } = await readEvents(response.body!, (es) => es.some((e) => e.event === "task.succeeded"));
    const done = events.find((e) => e.event === "task.succeeded")!.data as { record: { truncated?: boolean; result?: unknown; status: string } };
    expect(done.record).toMatchObject({ truncated: true, status: "success" });
    expect(done.record.result).toBeUndefined();
    expect((await d.waitFor(body.task_id)).result).toBe(big);
  });

  test("closing the hub ends every stream and unsubscribes from the control plane", async () => {
    d = await startInProcess({ events: { snapshotIntervalMs: 0 } });
    const response = await d.call("/api/events");
    d.app.store.dashboard.hub.close();
    const { ended } = await readEvents(response.body!, () => false, 2000);
    expect(ended).toBe(true);
    expect(d.app.store.dashboard.hub.size).toBe(0);
  });
});

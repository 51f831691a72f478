// Periodic tasks on the dashboard: listing schedules, pausing and resuming, and their events on the stream.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ApiErrorBody, ScheduleJson, SchedulesJson } from "../../src/server/api-types.ts";
import { readEvents, startInProcess, type InProcess } from "./fixture.ts";

let d: InProcess;
beforeAll(async () => {
  d = await startInProcess({ events: { snapshotIntervalMs: 0 } }, 2, ["test/fixtures/periodic-tasks.ts"]);
});
afterAll(async () => {
  await d.stop();
});

describe("periodic tasks", () => {
  test("/api/schedules lists each schedule with its next runs", async () => {
    const { status, body } = await d.json<SchedulesJson>("/api/schedules");
    expect(status).toBe(200);
    expect(body.count).toBe(body.schedules.length);
    const every = body.schedules.find((s) => s.name === "everySecond")!;
    expect(every).toMatchObject({ kind: "interval", interval_ms: 1000, cron: null, paused: false, done: false });
    expect(every.next_runs.length).toBeGreaterThan(0);
    expect(Date.parse(every.next_runs[0]!)).toBeGreaterThan(Date.now() - 1000);
    const greet = body.schedules.find((s) => s.name === "greet")!;
    expect(greet).toMatchObject({ kind: "cron", cron: "0 9 * * 1-5", timezone: "UTC", interval_ms: null });
  });

  test("pause and resume go through the control plane; an unknown name is a 404", async () => {
    const paused = await d.post<ScheduleJson>("/api/schedules/everySecond/pause");
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toBe(true);
    const listed = (await d.json<SchedulesJson>("/api/schedules")).body.schedules.find((s) => s.name === "everySecond")!;
    expect(listed.paused).toBe(true);
    const resumed = await d.post<ScheduleJson>("/api/schedules/everySecond/resume");
    expect(resumed.body.paused).toBe(false);
    const unknown = await d.post<ApiErrorBody>("/api/schedules/nope/pause");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("E_UNKNOWN_SCHEDULE");
  });

  test("fired schedules arrive on the event stream, followed by their run's task events", async () => {
    const response = await d.call("/api/events");
    const { events } = await readEvents(response.body!, (es) => {
      const fired = es.find((e) => e.event === "schedule.fired");
      const id = (fired?.data as { taskId?: string } | undefined)?.taskId;
      return id !== undefined && es.some((e) => e.event === "task.succeeded" && (e.data as { record: { taskId: string } }).record.taskId === id);
    }, 5000);
    const fired = events.find((e) => e.event === "schedule.fired")!.data as { name: string; taskId: string };
    expect(fired.taskId.startsWith(`${fired.name}@`)).toBe(true);
  });
});

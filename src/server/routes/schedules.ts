/** Periodic tasks: their schedules and counters, and pausing or resuming one (through the control plane's commands). */
import { Elysia } from "elysia";
import { FastWorkerError } from "../../errors.ts";
import type { ScheduleInfo } from "../../scheduler/index.ts";
import type { ScheduleJson, SchedulesJson } from "../api-types.ts";
import type { DashboardContext } from "../context.ts";
import { ApiError, json } from "../http.ts";
import { parseInput, ScheduleNameSchema } from "../schemas.ts";

const iso = (ms: number): string => new Date(ms).toISOString();

export function scheduleJson(s: ScheduleInfo): ScheduleJson {
  return {
    name: s.name,
    kind: s.kind,
    interval_ms: s.kind === "interval" ? s.intervalMs : null,
    cron: s.kind === "cron" ? s.expression : null,
    timezone: s.kind === "cron" ? (s.timezone ?? null) : null,
    paused: s.paused,
    done: s.done,
    runs: s.runs,
    skipped: s.skipped,
    repeat_count: s.repeatCount ?? null,
    last_run_at: s.lastRunAt === undefined ? null : iso(s.lastRunAt),
    last_task_id: s.lastTaskId ?? null,
    next_runs: s.nextRuns.map(iso),
  };
}

export function scheduleRoutes(ctx: DashboardContext) {
  /** Runs a pause or resume, turning "no such schedule" into a 404. */
  const command = (name: string, run: (name: string) => ScheduleInfo, verb: string): Response => {
    try {
      const info = run(name);
      ctx.log("info", `periodic task ${verb} from the dashboard`, { name });
      return json(scheduleJson(info));
    } catch (error) {
      if (error instanceof FastWorkerError && error.code === "E_UNKNOWN_SCHEDULE") throw new ApiError(404, error.code, error.message);
      throw error;
    }
  };
  return new Elysia({ name: "fastworker-schedules" })
    .get("/api/schedules", () => {
      const schedules = ctx.view.schedules().map(scheduleJson);
      const body: SchedulesJson = { schedules, count: schedules.length };
      return json(body);
    })
    .post("/api/schedules/:name/pause", ({ params }) => command(parseInput(ScheduleNameSchema, params.name, "schedule name"), (n) => ctx.commands.pauseSchedule(n), "paused"), { parse: "none" })
    .post("/api/schedules/:name/resume", ({ params }) => command(parseInput(ScheduleNameSchema, params.name, "schedule name"), (n) => ctx.commands.resumeSchedule(n), "resumed"), { parse: "none" });
}

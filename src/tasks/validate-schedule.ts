/**
 * Definition-time checks of the periodic-task options (repeatIntervalMs, cron, timezone,
 * repeatCount, repeatUntil, startAt, overlap, catchUp, args), so a bad schedule fails when the module loads,
 * naming the task and the option, rather than when the control plane first computes a due time.
 */
import { TaskDefinitionError } from "../errors.ts";
import { isKnownTimeZone, parseCron } from "../scheduler/cron.ts";
import type { CatchUpPolicy, ResolvedSchedule } from "./definition.ts";

/** The smallest interval accepted: below this a schedule would mostly measure timer jitter. */
export const MIN_INTERVAL_MS = 10;

function isCatchUpPolicy(value: unknown): value is CatchUpPolicy {
  return value === "skip" || value === "once";
}

/** The options every schedule kind shares, while being built. */
interface CommonOptions {
  repeatCount?: number;
  repeatUntil?: number;
  startAt?: number;
  overlap: boolean;
  catchUp: CatchUpPolicy;
  args: readonly unknown[];
}
/** Options that only mean something on a periodic task. */
const SCHEDULE_ONLY = ["timezone", "repeatCount", "repeatUntil", "startAt", "overlap", "catchUp", "args"] as const;

function fail(label: string, message: string): never {
  throw new TaskDefinitionError("E_TASK_DEFINITION", `${label}: ${message}`);
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || Array.isArray(value)) return value === null ? "null" : "an array";
  return typeof value === "object" || typeof value === "function" ? `a ${typeof value}` : `${typeof value} ${String(value)}`;
}

function checkCron(label: string, expression: unknown, timezone: string | undefined): string {
  if (typeof expression !== "string" || expression.trim() === "") {
    fail(label, `"cron" must be a cron expression string such as "*/5 * * * *", got ${show(expression)}.`);
  }
  let matches: boolean;
  try {
    matches = parseCron(expression, timezone).nextRun() !== null;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    fail(
      label,
      `invalid cron expression ${JSON.stringify(expression)}: ${reason}. ` +
        `Use 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or @hourly/@daily/@weekly/@monthly/@yearly.`,
    );
  }
  // A valid pattern can still name no real date ("0 0 30 2 *"): it would never run.
  if (!matches) fail(label, `cron expression ${JSON.stringify(expression)} never matches a date (e.g. 30 February). Check the day and month fields.`);
  return expression;
}

function checkTimezone(label: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !isKnownTimeZone(value)) {
    fail(label, `"timezone" must be an IANA time zone such as "Europe/Paris" or "UTC", got ${show(value)}.`);
  }
  return value;
}

function checkStartAt(label: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    fail(label, `"startAt" must be a valid Date or epoch milliseconds, got ${value instanceof Date ? "an invalid Date" : show(value)}.`);
  }
  // Due times are whole milliseconds (they name each run's task id).
  return Math.ceil(ms);
}

function checkRepeatUntil(label: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : value;
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    fail(label, `"repeatUntil" must be a valid Date, epoch milliseconds or an ISO 8601 date-time string, got ${value instanceof Date ? "an invalid Date" : show(value)}.`);
  }
  // Whole milliseconds, like due times: a run due exactly at repeatUntil still runs.
  return Math.floor(ms);
}

function checkArgs(label: string, value: unknown): readonly unknown[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value)) fail(label, `"args" must be the array of arguments for each periodic run, got ${show(value)}.`);
  try {
    JSON.stringify(value);
  } catch (error) {
    // Every run is submitted like any task, so its arguments must survive JSON.
    fail(label, `"args" must be JSON-serialisable: ${error instanceof Error ? error.message : String(error)}.`);
  }
  return Object.freeze([...value]);
}

/** The resolved schedule, or undefined for a task that is not periodic. */
export function resolveSchedule(label: string, raw: Record<string, unknown>): ResolvedSchedule | undefined {
  const { repeatIntervalMs, cron } = raw;
  if (repeatIntervalMs === undefined && cron === undefined) {
    const stray = SCHEDULE_ONLY.find((key) => raw[key] !== undefined);
    if (stray !== undefined) fail(label, `"${stray}" only applies to periodic tasks: add "repeatIntervalMs" or "cron", or remove "${stray}".`);
    return undefined;
  }
  if (repeatIntervalMs !== undefined && cron !== undefined) {
    fail(label, `give either "repeatIntervalMs" or "cron", not both.`);
  }
  const timezone = checkTimezone(label, raw.timezone);
  const common: CommonOptions = {
    overlap: false,
    catchUp: "skip",
    args: checkArgs(label, raw.args),
  };
  if (raw.repeatCount !== undefined) {
    if (typeof raw.repeatCount !== "number" || !Number.isSafeInteger(raw.repeatCount) || raw.repeatCount < 1) {
      fail(label, `"repeatCount" must be an integer >= 1, got ${show(raw.repeatCount)}. Omit it to run forever.`);
    }
    common.repeatCount = raw.repeatCount;
  }
  const startAt = checkStartAt(label, raw.startAt);
  if (startAt !== undefined) common.startAt = startAt;
  const repeatUntil = checkRepeatUntil(label, raw.repeatUntil);
  if (repeatUntil !== undefined) {
    if (startAt !== undefined && startAt > repeatUntil) fail(label, `"repeatUntil" (${new Date(repeatUntil).toISOString()}) is before "startAt" (${new Date(startAt).toISOString()}): the task would never run.`);
    common.repeatUntil = repeatUntil;
  }
  if (raw.overlap !== undefined) {
    if (typeof raw.overlap !== "boolean") fail(label, `"overlap" must be true or false, got ${show(raw.overlap)}.`);
    common.overlap = raw.overlap;
  }
  if (raw.catchUp !== undefined) {
    if (!isCatchUpPolicy(raw.catchUp)) fail(label, `"catchUp" must be "skip" or "once", got ${show(raw.catchUp)}.`);
    common.catchUp = raw.catchUp;
  }
  if (cron !== undefined) {
    const expression = checkCron(label, cron, timezone);
    return Object.freeze({ ...common, kind: "cron", expression, ...(timezone !== undefined ? { timezone } : {}) });
  }
  if (timezone !== undefined) fail(label, `"timezone" applies to "cron" schedules only; an interval does not depend on the time zone.`);
  // Whole milliseconds keep every due time (and so every run's task id) an exact integer.
  if (typeof repeatIntervalMs !== "number" || !Number.isSafeInteger(repeatIntervalMs) || repeatIntervalMs < MIN_INTERVAL_MS) {
    fail(label, `"repeatIntervalMs" must be a whole number of milliseconds >= ${MIN_INTERVAL_MS}, got ${show(repeatIntervalMs)}.`);
  }
  return Object.freeze({ ...common, kind: "interval", intervalMs: repeatIntervalMs });
}

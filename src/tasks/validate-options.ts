import { TaskDefinitionError } from "../errors.ts";
import type { ArgsSchema, BackoffOptions, ResolvedTaskOptions, TaskOptions } from "./definition.ts";
import type { TaskHooks } from "./middleware.ts";
import { isPriority, PRIORITIES, type Priority } from "../model/priority.ts";
import { resolveSchedule } from "./validate-schedule.ts";
import { MAX_TASKS_PER_WORKER } from "./context.ts";

export const DEFAULT_PRIORITY: Priority = "normal";
export const DEFAULT_RETRIES = 0;
export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  baseMs: 1000,
  factor: 2,
  maxMs: 60_000,
  jitter: 0.2,
});

const NAME_PATTERN = /^[A-Za-z0-9_.:-]+$/;
const MAX_NAME_LENGTH = 200;
// setTimeout clamps larger delays to 1 ms, which would turn a huge timeout into an instant kill.
const MAX_TIMEOUT_MS = 2_147_483_647;

// Typed as a Record over keyof TaskOptions so adding an option to the interface
// fails to compile until it is listed (and therefore validated) here.
const KNOWN_OPTIONS: Readonly<Record<keyof TaskOptions, true>> = {
  name: true,
  description: true,
  priority: true,
  retries: true,
  timeoutMs: true,
  concurrency: true,
  backoff: true,
  argsSchema: true,
  repeatIntervalMs: true,
  cron: true,
  timezone: true,
  repeatCount: true,
  repeatUntil: true,
  startAt: true,
  overlap: true,
  catchUp: true,
  args: true,
  before: true,
  after: true,
};
const KNOWN_BACKOFF: Readonly<Record<keyof BackoffOptions, true>> = { baseMs: true, factor: true, maxMs: true, jitter: true };

export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return typeof value === "object" || typeof value === "function" ? `a ${typeof value}` : `${typeof value} ${String(value)}`;
}

function fail(label: string, message: string): never {
  throw new TaskDefinitionError("E_TASK_DEFINITION", `${label}: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0) {
    fail("Invalid task", `"name" must be a non-empty string, got ${describeType(name)}. Give every task a unique name, e.g. task("send-email", handler).`);
  }
  if (name.length > MAX_NAME_LENGTH || !NAME_PATTERN.test(name)) {
    fail(
      `Invalid task name ${JSON.stringify(name.slice(0, MAX_NAME_LENGTH))}`,
      `names may only use letters, digits and "_", ".", ":", "-" (at most ${MAX_NAME_LENGTH} characters). Rename it, e.g. "emails.send".`,
    );
  }
  return name;
}

function checkFinite(label: string, key: string, value: unknown, min: number, max: number, hint: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    fail(label, `"${key}" must be a number between ${min} and ${max}, got ${describeType(value)}. ${hint}`);
  }
  return value;
}

function checkBackoff(label: string, value: unknown): Readonly<BackoffOptions> {
  if (value === undefined) return DEFAULT_BACKOFF;
  if (!isRecord(value)) fail(label, `"backoff" must be an object like { baseMs, factor, maxMs, jitter }, got ${describeType(value)}.`);
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(KNOWN_BACKOFF, key)) {
      fail(label, `unknown backoff option "${key}". Known backoff options: ${Object.keys(KNOWN_BACKOFF).join(", ")}.`);
    }
  }
  const merged = { ...DEFAULT_BACKOFF };
  if (value.baseMs !== undefined) merged.baseMs = checkFinite(label, "backoff.baseMs", value.baseMs, 0, MAX_TIMEOUT_MS, "Use the delay before the first retry, in ms.");
  if (value.factor !== undefined) merged.factor = checkFinite(label, "backoff.factor", value.factor, 1, 1000, "Use 1 for a constant delay or 2 to double it each attempt.");
  if (value.maxMs !== undefined) merged.maxMs = checkFinite(label, "backoff.maxMs", value.maxMs, 0, MAX_TIMEOUT_MS, "Use the longest delay between attempts, in ms.");
  if (value.jitter !== undefined) merged.jitter = checkFinite(label, "backoff.jitter", value.jitter, 0, 1, "Use a fraction such as 0.2 for +/-20%.");
  if (merged.maxMs < merged.baseMs) {
    fail(label, `"backoff.maxMs" (${merged.maxMs}) is smaller than "backoff.baseMs" (${merged.baseMs}). Raise maxMs or lower baseMs.`);
  }
  return Object.freeze(merged);
}

function checkArgsSchema(label: string, value: unknown): ArgsSchema | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value) || value.kind !== "schema" || typeof value["~run"] !== "function") {
    fail(label, `"argsSchema" must be a valibot schema for the argument tuple, e.g. v.tuple([v.number(), v.number()]), got ${describeType(value)}.`);
  }
  if (value.async === true) {
    fail(label, `"argsSchema" must be a synchronous valibot schema; async schemas (pipeAsync, checkAsync, ...) are not supported.`);
  }
  // Structural checks above are all valibot exposes at runtime; the static type
  // comes from the caller's TaskOptions<A>.
  return value as unknown as ArgsSchema;
}

function checkHooks(label: string, raw: Record<string, unknown>): Readonly<TaskHooks> | undefined {
  const { before, after } = raw;
  if (before !== undefined && typeof before !== "function") fail(label, `"before" must be a function (ctx) => void, got ${describeType(before)}.`);
  if (after !== undefined && typeof after !== "function") fail(label, `"after" must be a function (ctx, outcome) => void, got ${describeType(after)}.`);
  if (before === undefined && after === undefined) return undefined;
  // typeof narrows only to Function; the hook signatures come from the caller's TaskOptions<A>.
  return Object.freeze({
    ...(before !== undefined ? { before: before as TaskHooks["before"] } : {}),
    ...(after !== undefined ? { after: after as TaskHooks["after"] } : {}),
  });
}

/**
 * Validates raw task options and applies defaults. Throws TaskDefinitionError
 * (E_TASK_DEFINITION) saying which option is wrong and how to fix it.
 */
export function resolveTaskOptions(raw: unknown): ResolvedTaskOptions {
  if (!isRecord(raw)) {
    fail("Invalid task", `options must be an object like { name: "report", retries: 3 }, got ${describeType(raw)}.`);
  }
  const name = checkName(raw.name);
  const label = `Invalid options for task "${name}"`;
  for (const key of Object.keys(raw)) {
    if (!Object.hasOwn(KNOWN_OPTIONS, key)) {
      fail(label, `unknown option "${key}". Known options: ${Object.keys(KNOWN_OPTIONS).join(", ")}.`);
    }
  }
  const resolved: { -readonly [K in keyof ResolvedTaskOptions]: ResolvedTaskOptions[K] } = {
    name,
    priority: DEFAULT_PRIORITY,
    retries: DEFAULT_RETRIES,
    backoff: checkBackoff(label, raw.backoff),
  };
  if (raw.description !== undefined) {
    if (typeof raw.description !== "string") fail(label, `"description" must be a string, got ${describeType(raw.description)}.`);
    resolved.description = raw.description;
  }
  if (raw.priority !== undefined) {
    if (!isPriority(raw.priority)) fail(label, `"priority" must be one of ${PRIORITIES.join(", ")}, got ${describeType(raw.priority)}.`);
    resolved.priority = raw.priority;
  }
  if (raw.retries !== undefined) {
    if (typeof raw.retries !== "number" || !Number.isSafeInteger(raw.retries) || raw.retries < 0) {
      fail(label, `"retries" must be an integer >= 0, got ${describeType(raw.retries)}. Use 0 to run the task once, 3 for up to three retries.`);
    }
    resolved.retries = raw.retries;
  }
  if (raw.timeoutMs !== undefined) {
    if (typeof raw.timeoutMs !== "number" || !Number.isFinite(raw.timeoutMs) || raw.timeoutMs <= 0 || raw.timeoutMs > MAX_TIMEOUT_MS) {
      fail(label, `"timeoutMs" must be a number of milliseconds > 0 and <= ${MAX_TIMEOUT_MS}, got ${describeType(raw.timeoutMs)}. Omit it for no timeout.`);
    }
    resolved.timeoutMs = raw.timeoutMs;
  }
  if (raw.concurrency !== undefined) {
    if (typeof raw.concurrency !== "number" || !Number.isSafeInteger(raw.concurrency) || raw.concurrency < 1 || raw.concurrency > MAX_TASKS_PER_WORKER) {
      fail(label, `"concurrency" must be an integer between 1 and ${MAX_TASKS_PER_WORKER} (tasks of this kind in flight per Bun Worker), got ${describeType(raw.concurrency)}. Use 1 for CPU-bound work.`);
    }
    resolved.concurrency = raw.concurrency;
  }
  const argsSchema = checkArgsSchema(label, raw.argsSchema);
  if (argsSchema !== undefined) resolved.argsSchema = argsSchema;
  const schedule = resolveSchedule(label, raw);
  if (schedule !== undefined) resolved.schedule = schedule;
  const hooks = checkHooks(label, raw);
  if (hooks !== undefined) resolved.hooks = hooks;
  return Object.freeze(resolved);
}

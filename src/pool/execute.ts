/**
 * Runs one job's handler inside a Worker and classifies how it ended. Errors
 * lose their class when they cross the Worker boundary, so RetryLater and
 * NonRetryable must be recognised here, next to the handler.
 */
import { safeParse, summarize } from "valibot";
import { NonRetryable, RetryLater } from "../errors.ts";
import type { MiddlewareEntry } from "../tasks/catalog.ts";
import type { TaskDefinition } from "../tasks/definition.ts";
import { HookError, hookLayers, runWithHooks } from "./hooks.ts";
import { toJsonValue } from "./json-result.ts";
import { JobContext } from "./job-context.ts";
import type { ResultMessage, WireJob, WireRetry } from "./messages.ts";

export type DefinitionLookup = ReadonlyMap<string, TaskDefinition<unknown[], unknown>>;

// Task modules may import a different copy of errors.ts than this file (a
// bundled binary next to a node_modules install), so fall back to the name.
function isRetryLater(error: unknown): error is Error & { delayMs?: unknown } {
  return error instanceof RetryLater || (error instanceof Error && error.name === "RetryLater");
}

function isNonRetryable(error: unknown): boolean {
  return error instanceof NonRetryable || (error instanceof Error && error.name === "NonRetryable");
}

function retryFor(error: unknown): WireRetry {
  if (isNonRetryable(error)) return "never";
  if (isRetryLater(error)) {
    const delay = error.delayMs;
    return typeof delay === "number" && Number.isFinite(delay) && delay >= 0 ? delay : "policy";
  }
  return "policy";
}

function failed(seq: number, error: unknown, startedAt: number): ResultMessage {
  const finishedAt = Date.now();
  if (error instanceof HookError) {
    // The message already names the hook and what it threw; retrying follows the hook's own error.
    const cause: unknown = error.cause;
    const stack = cause instanceof Error ? cause.stack : undefined;
    const base = { t: "err", seq, code: "E_TASK_FAILED", message: error.message, retry: retryFor(cause), startedAt, finishedAt } as const;
    return stack === undefined ? base : { ...base, stack };
  }
  const retry = retryFor(error);
  if (error instanceof Error) {
    const message = `${error.name}: ${error.message}`;
    return error.stack
      ? { t: "err", seq, code: "E_TASK_FAILED", message, stack: error.stack, retry, startedAt, finishedAt }
      : { t: "err", seq, code: "E_TASK_FAILED", message, retry, startedAt, finishedAt };
  }
  // Bun.inspect copes with anything (cycles, symbols, null prototypes) without throwing.
  return { t: "err", seq, code: "E_TASK_FAILED", message: `Non-Error value thrown: ${Bun.inspect(error)}`, retry, startedAt, finishedAt };
}

function rejected(seq: number, code: string, message: string, startedAt: number | undefined): ResultMessage {
  const finishedAt = Date.now();
  return startedAt === undefined
    ? { t: "err", seq, code, message, retry: "never", finishedAt }
    : { t: "err", seq, code, message, retry: "never", startedAt, finishedAt };
}

function succeeded(job: WireJob, value: unknown, startedAt: number): ResultMessage {
  // Fast path: primitives travel as they are.
  if (value === null || typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) {
    return { t: "ok", seq: job.seq, result: value, startedAt, finishedAt: Date.now() };
  }
  let converted;
  try {
    converted = toJsonValue(value);
  } catch (error) {
    // A user toJSON() threw: that is the task's failure, like a throw from the handler.
    return failed(job.seq, error, startedAt);
  }
  if (!converted.ok) {
    return rejected(
      job.seq,
      "E_TASK_FAILED",
      `Task "${job.name}" returned a value that is not JSON-serialisable: ${converted.reason}. ` +
        `Return plain objects, arrays, strings, finite numbers, booleans or null.`,
      startedAt,
    );
  }
  const finishedAt = Date.now();
  const result = converted.value;
  if (result === null || typeof result !== "object") {
    return { t: "ok", seq: job.seq, result: result as null | boolean | number | string, startedAt, finishedAt };
  }
  return { t: "okj", seq: job.seq, json: JSON.stringify(result), startedAt, finishedAt };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/**
 * Executes `job` and returns its result: synchronously when the handler is
 * synchronous (no promise allocated on the hot path), otherwise as a promise
 * that never rejects.
 */
export function executeJob(
  definitions: DefinitionLookup, job: WireJob, startedAt: number, middleware: readonly MiddlewareEntry[] = [],
  ctx: JobContext = new JobContext(job, () => {}),
): ResultMessage | Promise<ResultMessage> {
  const definition = definitions.get(job.name);
  if (definition === undefined) {
    const known = [...definitions.keys()];
    const list = known.length > 20 ? `${known.slice(0, 20).join(", ")}, ...` : known.join(", ");
    return rejected(
      job.seq,
      "E_UNKNOWN_TASK",
      `Unknown task "${job.name}": no task module loaded by this worker exports a task with that name (known: ${list || "none"}). ` +
        `Check the name, and that the worker was started with the module that defines it.`,
      undefined,
    );
  }
  let args = job.args;
  const schema = definition.options.argsSchema;
  if (schema !== undefined) {
    const parsed = safeParse(schema, args);
    if (!parsed.success) {
      return rejected(job.seq, "E_INVALID_ARGS", `Invalid arguments for task "${job.name}": ${summarize(parsed.issues)}`, startedAt);
    }
    args = parsed.output;
  }
  ctx.args = args;
  const layers = middleware.length > 0 || definition.options.hooks !== undefined ? hookLayers(definition, middleware) : [];
  if (layers.length > 0) {
    return runWithHooks(layers, ctx, () => definition.handler.apply(ctx, ctx.args)).then((outcome) =>
      outcome.ok ? succeeded(job, outcome.result, startedAt) : failed(job.seq, outcome.error, startedAt),
    );
  }
  let value: unknown;
  try {
    value = definition.handler.apply(ctx, args);
  } catch (error) {
    return failed(job.seq, error, startedAt);
  }
  if (!isThenable(value)) return succeeded(job, value, startedAt);
  return Promise.resolve(value).then(
    (resolved) => succeeded(job, resolved, startedAt),
    (error: unknown) => failed(job.seq, error, startedAt),
  );
}

/**
 * valibot schemas for everything the dashboard reads from a request: path ids, query strings,
 * JSON bodies. `parseInput` turns a failure into one 400 naming the field and the problem.
 */
import * as v from "valibot";
import { TASK_STATES } from "../model/task-state.ts";
import { DEFAULT_STATUS_WORKERS_LIMIT, MAX_STATUS_WORKERS_LIMIT, PrioritySchema, TaskStateSchema } from "../protocol/index.ts";
import { ApiError } from "./http.ts";

/** Largest page of tasks one request may ask for: keeps each response (and its JSON) small. */
export const MAX_PAGE = 500;

const QueryInt = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\d{1,9}$/, "expected a whole number"),
    v.transform(Number),
    v.minValue(min, `expected at least ${min}`),
    v.maxValue(max, `expected at most ${max}`),
  );
const ShortText = (max: number) => v.pipe(v.string(), v.maxLength(max, `expected at most ${max} characters`));

export const TaskIdSchema = v.pipe(v.string(), v.minLength(1, "expected a task id"), v.maxLength(200, "expected at most 200 characters"));

export const ScheduleNameSchema = v.pipe(v.string(), v.minLength(1, "expected a schedule name"), v.maxLength(200, "expected at most 200 characters"));

export const TaskListQuerySchema = v.object({
  limit: v.optional(QueryInt(1, MAX_PAGE), "50"),
  offset: v.optional(QueryInt(0, 100_000_000), "0"),
  status: v.optional(v.union([v.literal(""), TaskStateSchema], `expected one of ${TASK_STATES.join(", ")}`)),
  name: v.optional(ShortText(200)),
  priority: v.optional(v.union([v.literal(""), PrioritySchema], "expected critical, high, normal or low")),
  q: v.optional(ShortText(200)),
  sort: v.optional(v.picklist(["newest", "oldest"], "expected newest or oldest"), "newest"),
});
export type TaskListQuery = v.InferOutput<typeof TaskListQuerySchema>;

/** /api/status's page of workers: the bounds of the NNG `status` frame (docs/protocol.md). */
export const StatusQuerySchema = v.object({
  workersOffset: v.optional(QueryInt(0, 100_000_000), "0"),
  workersLimit: v.optional(QueryInt(1, MAX_STATUS_WORKERS_LIMIT), String(DEFAULT_STATUS_WORKERS_LIMIT)),
});

const MAX_COUNTDOWN_MS = 366 * 24 * 3_600_000;

export const SubmitBodySchema = v.strictObject({
  name: v.pipe(v.string("expected the task name as a string"), v.minLength(1, "expected a task name"), v.maxLength(200)),
  args: v.optional(v.pipe(v.array(v.unknown(), "expected an array of arguments"), v.maxLength(10_000))),
  kwargs: v.optional(v.record(v.string(), v.unknown(), "expected an object of keyword arguments")),
  priority: v.optional(v.picklist(PrioritySchema.options, "expected critical, high, normal or low")),
  countdownMs: v.optional(v.pipe(v.number("expected milliseconds as a number"), v.finite(), v.minValue(0), v.maxValue(MAX_COUNTDOWN_MS))),
}, "expected a JSON object like {\"name\": \"add\", \"args\": [1, 2]}");
export type SubmitBody = v.InferOutput<typeof SubmitBodySchema>;

/** Parses `input` or throws a 400 ApiError that names the first offending field. */
export function parseInput<S extends v.GenericSchema>(schema: S, input: unknown, what: string): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join(".");
  const where = path ? `${what} ${path}` : what;
  const got = issue.input === undefined ? "" : ` (got ${preview(issue.input)})`;
  throw new ApiError(400, "E_INVALID_REQUEST", `${where}: ${issue.message}${got}`);
}

function preview(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

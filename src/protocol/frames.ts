import * as v from "valibot";
import { PRIORITIES } from "../model/priority.ts";
import { TASK_STATES } from "../model/task-state.ts";
import { authBegin, authChallenge, authenticated, authProve } from "./auth-frames.ts";
import { bounded, Count, Credits, Id, Message, Millis, shallow, Short, TaskName, Version } from "./fields.ts";
import {
  MAX_HELLO_TASKS, MAX_IDEMPOTENCY_KEY_CHARS, MAX_IDS_PER_CANCEL, MAX_IDS_PER_POLL,
  MAX_OUTCOMES_PER_REPORT, MAX_STATUS_WORKERS_LIMIT, MAX_TASKS_PER_SUBMIT,
} from "./limits.ts";

export { DEPTH_MESSAGE } from "./fields.ts";

/**
 * Every frame FastWorker sends: one JSON document per NNG message, `{ v: 1, type, ... }`.
 * These schemas are the wire contract (docs/protocol.md describes them for other clients);
 * every frame is validated on receipt.
 */

export const PrioritySchema = v.picklist(PRIORITIES);
export const TaskStateSchema = v.picklist(TASK_STATES);

export const WireErrorSchema = v.object({
  code: Short,
  message: Message,
  stack: v.optional(Message),
  /** E_QUEUE_FULL: when the submitter may try again. */
  retryAfterMs: v.optional(Millis),
  /** E_NOT_LEADER: the active control plane's address, when the standby knows it. */
  leaderAddress: v.optional(Short),
});

export const TaskSpecSchema = v.object({
  id: Id,
  name: TaskName,
  // The args array (and the kwargs object) is itself the first of the MAX_JSON_DEPTH levels.
  args: shallow(v.array(v.unknown())),
  kwargs: v.optional(shallow(v.record(v.string(), v.unknown()))),
  priority: v.optional(PrioritySchema),
  retries: v.optional(Count),
  timeoutMs: v.optional(v.pipe(v.number(), v.finite(), v.minValue(1))),
  /** Absolute due time, epoch milliseconds. */
  etaMs: v.optional(Millis),
  countdownMs: v.optional(Millis),
  idempotencyKey: v.optional(v.pipe(v.string(), v.maxLength(MAX_IDEMPOTENCY_KEY_CHARS, `at most ${MAX_IDEMPOTENCY_KEY_CHARS} characters`))),
  callback: v.optional(v.object({ address: v.pipe(Short, v.minLength(1)), data: v.optional(shallow(v.unknown())) })),
  traceparent: v.optional(Short),
});

export const HistoryEntrySchema = v.object({ state: TaskStateSchema, at: Millis });

/** A handler's `this.progress(...)`: a percentage 0..100 or a small object. */
export const TaskProgressSchema = v.union([v.pipe(v.number(), v.minValue(0), v.maxValue(100)), v.record(v.string(), v.unknown())]);
/** A handler's `this.log(...)` line (src/tasks/context.ts has the limits). */
export const TaskLogLineSchema = v.object({ at: Millis, message: v.pipe(v.string(), v.maxLength(2000)) });

export const TaskRecordSchema = v.object({
  taskId: Id,
  name: v.string(),
  status: TaskStateSchema,
  priority: PrioritySchema,
  args: v.optional(v.array(v.unknown())),
  kwargs: v.optional(v.record(v.string(), v.unknown())),
  result: v.optional(v.unknown()),
  error: v.optional(WireErrorSchema),
  attempts: Count,
  workerId: v.optional(v.string()),
  timings: v.object({
    submittedAt: Millis,
    dueAt: v.optional(Millis),
    startedAt: v.optional(Millis),
    finishedAt: v.optional(Millis),
  }),
  history: v.array(HistoryEntrySchema),
  /** The last value the handler passed to this.progress(). */
  progress: v.optional(TaskProgressSchema),
  /** The handler's this.log() lines, oldest first, the last 100. */
  logs: v.optional(v.pipe(v.array(TaskLogLineSchema), v.maxLength(100))),
});

export const LeasedTaskSchema = v.object({
  id: Id,
  name: TaskName,
  args: v.array(v.unknown()),
  attempt: v.pipe(v.number(), v.integer(), v.minValue(1)),
  priority: PrioritySchema,
  timeoutMs: v.optional(v.number()),
  traceparent: v.optional(v.string()),
});

export const RetryHintSchema = v.union([v.literal("policy"), v.literal("never"), v.object({ delayMs: Millis })]);

export const OutcomeSchema = v.variant("ok", [
  v.object({ id: Id, attempt: Count, ok: v.literal(true), result: shallow(v.unknown()), startedAt: Millis, finishedAt: Millis }),
  v.object({
    id: Id,
    attempt: Count,
    ok: v.literal(false),
    error: WireErrorSchema,
    retry: RetryHintSchema,
    startedAt: v.optional(Millis),
    finishedAt: Millis,
  }),
]);

export const WorkerInfoSchema = v.object({
  id: v.string(),
  kind: v.picklist(["local", "subworker"]),
  state: v.picklist(["active", "inactive", "draining"]),
  capacity: Count,
  running: Count,
  tasks: v.array(v.string()),
  lastSeenAt: Millis,
  registeredAt: Millis,
  completed: Count,
  host: v.optional(v.string()),
  pid: v.optional(v.number()),
});

// --- requests to the control plane -------------------------------------------------------

const submit = v.object({
  v: Version, type: v.literal("submit"),
  tasks: v.pipe(bounded(TaskSpecSchema, MAX_TASKS_PER_SUBMIT), v.minLength(1)),
  /** Hold the reply until the tasks finish (or waitMs passes): all of them, or any one (then the rest are polled). */
  wait: v.optional(v.boolean()),
  waitFor: v.optional(v.picklist(["all", "any"])),
  waitMs: v.optional(Millis),
  /** With wait: results not in this reply are kept for this client and handed out by `collect`. */
  clientId: v.optional(Id),
});
const result = v.object({
  v: Version, type: v.literal("result"),
  ids: v.pipe(bounded(Id, MAX_IDS_PER_POLL), v.minLength(1)),
  waitMs: v.optional(Millis),
  waitFor: v.optional(v.picklist(["all", "any"])),
  /**
   * With waitMs: the reply comes at once with the finished tasks; each unfinished one is kept for
   * this client and its result handed out by `collect` when it ends (so awaiting N tasks costs O(N),
   * not a re-sent list of every pending id per completion).
   */
  clientId: v.optional(Id),
});
/** Long-poll for the finished results of tasks this client submitted with wait. */
const collect = v.object({ v: Version, type: v.literal("collect"), clientId: Id, waitMs: Millis });
const cancel = v.object({ v: Version, type: v.literal("cancel"), ids: v.pipe(bounded(Id, MAX_IDS_PER_CANCEL), v.minLength(1)) });
/** `workersOffset`/`workersLimit` page the worker list (50 000 subworkers would be an 18 MB reply). */
const status = v.object({
  v: Version, type: v.literal("status"),
  workersOffset: v.optional(Count),
  workersLimit: v.optional(v.pipe(Count, v.minValue(1), v.maxValue(MAX_STATUS_WORKERS_LIMIT))),
  /** A standby answers this status with its role instead of E_NOT_LEADER (`fastworker status` asks each address). */
  standby: v.optional(v.boolean()),
});
const hello = v.object({
  v: Version, type: v.literal("hello"),
  workerId: Id,
  capacity: v.pipe(Credits, v.minValue(1)),
  tasks: bounded(TaskName, MAX_HELLO_TASKS),
  protocol: v.number(),
  version: v.optional(Short),
  host: v.optional(Short),
  pid: v.optional(v.number()),
});
/**
 * What a lease or report offers: `credits` tasks at most, `idle` of them (default: all) on
 * Workers with nothing to do, and with no credits left, one task of `overtake` priority or
 * above, because it outranks work prefetched there and not started.
 */
const offer = {
  credits: Credits,
  idle: v.optional(Credits),
  overtake: v.optional(PrioritySchema),
  waitMs: Millis,
};
const lease = v.object({ v: Version, type: v.literal("lease"), workerId: Id, ...offer });
const report = v.object({
  v: Version, type: v.literal("report"),
  workerId: Id,
  outcomes: bounded(OutcomeSchema, MAX_OUTCOMES_PER_REPORT),
  /** Ids still running here: renews their leases. */
  running: bounded(Id, MAX_OUTCOMES_PER_REPORT),
  /** Progress and log lines of running tasks since the previous report (bounded by the subworker). */
  progress: v.optional(v.pipe(v.array(v.object({ id: Id, attempt: Count, progress: TaskProgressSchema })), v.maxLength(10_000))),
  logs: v.optional(v.pipe(v.array(v.object({ id: Id, attempt: Count, at: Millis, message: v.pipe(v.string(), v.maxLength(2000)) })), v.maxLength(10_000))),
  ...offer,
});
const bye = v.object({ v: Version, type: v.literal("bye"), workerId: Id, outcomes: bounded(OutcomeSchema, MAX_OUTCOMES_PER_REPORT) });
/**
 * Long-poll for the events of tasks (queued, started, retrying, succeeded, ...): `ids` are added
 * to the watch named `watchId` (a task leaves it after its terminal event); the reply carries
 * what happened to them since the previous request of this watch.
 */
const watch = v.object({
  v: Version, type: v.literal("watch"),
  watchId: Id,
  ids: bounded(Id, MAX_IDS_PER_POLL),
  waitMs: Millis,
});

export const RequestSchema = v.variant("type", [submit, result, collect, cancel, status, hello, lease, report, bye, watch, authBegin, authProve]);

// --- replies from the control plane ------------------------------------------------------

const submitted = v.object({
  v: Version, type: v.literal("submitted"),
  tasks: v.array(v.object({ id: Id, status: v.optional(TaskStateSchema), error: v.optional(WireErrorSchema) })),
});
const results = v.object({
  v: Version, type: v.literal("results"),
  results: v.array(TaskRecordSchema),
  missing: v.array(v.object({ id: Id, error: WireErrorSchema })),
});
const cancelled = v.object({
  v: Version, type: v.literal("cancelled"),
  outcomes: v.array(v.object({ id: Id, cancelled: v.boolean(), status: v.optional(TaskStateSchema), error: v.optional(WireErrorSchema) })),
});
const statusReply = v.object({
  v: Version, type: v.literal("status_reply"),
  cpId: v.string(),
  version: v.string(),
  protocol: v.number(),
  startedAt: Millis,
  queues: v.record(PrioritySchema, Count),
  scheduled: Count,
  running: Count,
  /** One page of the workers (the request's workersOffset/workersLimit, default the first 500). */
  workers: v.array(WorkerInfoSchema),
  /** Every worker listed, across pages. */
  workersTotal: Count,
  cache: v.object({ size: Count, maxSize: Count, ttlMs: Millis }),
  tasks: v.array(v.string()),
  /** "single": no other control plane shares its journal; "leader"/"standby": active/standby on PostgreSQL. */
  role: v.optional(v.picklist(["single", "leader", "standby"])),
  /** The leader lease's epoch: this leader's, or (on a standby) the current leader's when known. */
  epoch: v.optional(Count),
  /** On a standby: the active control plane's address, when known. */
  leader: v.optional(v.string()),
  journal: v.optional(v.picklist(["memory", "sqlite", "postgres"])),
});
const welcome = v.object({ v: Version, type: v.literal("welcome"), cpId: v.string(), heartbeatMs: Millis, workerTimeoutMs: Millis });
const leased = v.object({
  v: Version, type: v.literal("leased"),
  tasks: v.array(LeasedTaskSchema),
  /** Leased tasks the subworker must stop (cancelled, or their lease moved elsewhere). */
  cancel: v.optional(v.array(Id)),
  /** The control plane does not know this worker (it restarted): say hello again. */
  reregister: v.optional(v.boolean()),
});
const ack = v.object({ v: Version, type: v.literal("ack") });
const error = v.object({ v: Version, type: v.literal("error"), error: WireErrorSchema, ids: v.optional(v.array(v.string())) });
export const WatchEventSchema = v.object({
  /** A control-plane event name: task.queued, task.started, task.succeeded, ... */
  name: v.string(),
  taskId: Id,
  at: Millis,
  /** The event's payload, as the in-process event bus has it. */
  payload: v.unknown(),
});
const events = v.object({
  v: Version, type: v.literal("events"),
  events: v.array(WatchEventSchema),
  /** Events dropped since the previous reply because this watch fell too far behind. */
  missed: Count,
  /** Ids the control plane does not know yet (or whose result expired); they are watched all the same, so a client may watch before it submits. */
  unknown: v.optional(v.array(Id)),
});

export const ReplySchema = v.variant("type", [submitted, results, cancelled, statusReply, welcome, leased, ack, error, events, authChallenge, authenticated]);

// Defined once in model/; re-exported because the wire types are where most callers look for them.
export type { Priority } from "../model/priority.ts";
export type { TaskState } from "../model/task-state.ts";
export type TaskSpec = v.InferOutput<typeof TaskSpecSchema>;
export type TaskRecord = v.InferOutput<typeof TaskRecordSchema>;
export type LeasedTask = v.InferOutput<typeof LeasedTaskSchema>;
export type Outcome = v.InferOutput<typeof OutcomeSchema>;
export type RetryHint = v.InferOutput<typeof RetryHintSchema>;
export type WorkerInfo = v.InferOutput<typeof WorkerInfoSchema>;
export type Request = v.InferOutput<typeof RequestSchema>;
export type Reply = v.InferOutput<typeof ReplySchema>;
export type WatchEvent = v.InferOutput<typeof WatchEventSchema>;
export type RequestOf<T extends Request["type"]> = Extract<Request, { type: T }>;
export type ReplyOf<T extends Reply["type"]> = Extract<Reply, { type: T }>;

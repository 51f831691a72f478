import type { WireError } from "../errors.ts";
import type { Priority, TaskRecord, TaskSpec } from "../protocol/index.ts";
import type { BackoffPolicy } from "../queue/index.ts";
import { historyEntries, packHistory, startHistory, type StateHistory } from "../model/state-history.ts";
import type { TaskState } from "../queue/state.ts";
import { DEFAULT_BACKOFF, type TaskDefinition, type TaskLogLine, type TaskProgress } from "../tasks/index.ts";

/** The control plane's live view of one task, from acceptance until it is terminal. */
export interface TaskEntry {
  readonly id: string;
  readonly name: string;
  readonly args: unknown[];
  readonly kwargs?: Record<string, unknown>;
  readonly priority: Priority;
  state: TaskState;
  /** Packed (model/state-history.ts); toRecord unpacks it. */
  history: StateHistory;
  /** Attempts started so far; an attempt lost with its worker is not counted. */
  attempts: number;
  readonly maxRetries: number;
  readonly timeoutMs?: number;
  readonly backoff: BackoffPolicy;
  readonly submittedAt: number;
  /** Admission order in this process: orders tasks submitted in the same millisecond (the dashboard's task index). */
  readonly seq: number;
  dueAt?: number;
  startedAt?: number;
  finishedAt?: number;
  result?: unknown;
  error?: WireError;
  /** The capacity source running it now (or that ran it last). */
  workerId?: string;
  leaseExpiresAt?: number;
  /** The count of unfinished tasks of the client that submitted it (client-in-flight.ts), shared by its tasks. */
  inFlight?: { n: number; readonly key: string };
  /** The client(s) waiting for this result: it goes to each one's outbox when the task ends. */
  awaitedBy?: string | string[];
  readonly callback?: { address: string; data?: unknown };
  readonly traceparent?: string;
  readonly idempotencyKey?: string;
  /** The handler's last this.progress() value. */
  progress?: TaskProgress;
  /** The handler's this.log() lines, the last MAX_LOG_LINES. */
  logs?: TaskLogLine[];
  /** The ready queue's mark while queued (queue/ready-queue.ts), undefined otherwise. */
  readyTicket?: number | undefined;
}

let admitted = 0;

/**
 * A plain task's entry has twelve properties, which JSC stores inline in a 112-byte cell; its next
 * size class is 160 bytes (measured, Bun 1.4), so a thirteenth set here costs 48 bytes per task
 * and one added while queued moves out of line (about 40). Optional fields are therefore left
 * off rather than set to undefined, and those a task gets later (startedAt, workerId, result...)
 * are added when they happen (bun bench/burst.ts queued, issue 16). The conditional spreads stay
 * although each costs a call: JSC gives this literal a 112-byte cell, while the same twelve
 * properties as a plain literal followed by assignments get a 160-byte one (measured, Bun 1.4.5).
 */
export function createEntry(spec: TaskSpec, definition: TaskDefinition, now: number): TaskEntry {
  const options = definition.options;
  const dueAt = spec.etaMs ?? (spec.countdownMs !== undefined ? now + spec.countdownMs : undefined);
  return {
    id: spec.id,
    name: spec.name,
    args: spec.args,
    ...(spec.kwargs && Object.keys(spec.kwargs).length > 0 ? { kwargs: spec.kwargs } : {}),
    priority: spec.priority ?? options.priority,
    state: "pending",
    readyTicket: undefined, // declared up front: every entry keeps one shape however it moves through the queue
    history: startHistory("pending", now),
    attempts: 0,
    maxRetries: spec.retries ?? options.retries,
    ...((spec.timeoutMs ?? options.timeoutMs) !== undefined ? { timeoutMs: spec.timeoutMs ?? options.timeoutMs } : {}),
    backoff: options.backoff,
    submittedAt: now,
    seq: admitted++,
    ...(dueAt !== undefined && dueAt > now ? { dueAt } : {}),
    ...(spec.callback ? { callback: spec.callback } : {}),
    ...(spec.traceparent ? { traceparent: spec.traceparent } : {}),
    ...(spec.idempotencyKey ? { idempotencyKey: spec.idempotencyKey } : {}),
  };
}

/** A TaskEntry while it is being built: its read-only fields may still be set. */
type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A finished task as the result cache keeps it, from its record (a result the journal kept across
 * a restart). The cache holds entries, not records: toRecord(entryOfRecord(r)) equals r. Retries
 * and backoff do not apply to a finished task (a manual retry makes a new entry from its definition).
 */
export function entryOfRecord(record: TaskRecord): TaskEntry {
  const timings = record.timings;
  const entry: Writable<TaskEntry> = {
    id: record.taskId, name: record.name, args: record.args ?? [], priority: record.priority, state: record.status,
    readyTicket: undefined, history: packHistory(record.history), attempts: record.attempts, maxRetries: 0,
    backoff: DEFAULT_BACKOFF, submittedAt: timings.submittedAt, seq: admitted++,
  };
  if (record.kwargs) entry.kwargs = record.kwargs;
  if (record.status === "success") entry.result = record.result ?? null;
  if (record.error) entry.error = record.error;
  if (record.workerId) entry.workerId = record.workerId;
  if (timings.dueAt !== undefined) entry.dueAt = timings.dueAt;
  if (timings.startedAt !== undefined) entry.startedAt = timings.startedAt;
  if (timings.finishedAt !== undefined) entry.finishedAt = timings.finishedAt;
  if (record.progress !== undefined) entry.progress = record.progress;
  if (record.logs !== undefined) entry.logs = [...record.logs];
  return entry;
}

/** Arguments as the handler receives them: keyword arguments, when given, arrive as one last object. */
export function handlerArgs(entry: TaskEntry): unknown[] {
  return entry.kwargs ? [...entry.args, entry.kwargs] : entry.args;
}

export function toRecord(entry: TaskEntry): TaskRecord {
  // Built field by field, not with conditional spreads: this runs for every result delivered and
  // every record asked for. The keys go in in the order docs/protocol.md shows; the cast covers
  // attempts, timings and history, which are set below before the record leaves.
  const record: TaskRecord = { taskId: entry.id, name: entry.name, status: entry.state, priority: entry.priority, args: entry.args } as TaskRecord;
  if (entry.kwargs) record.kwargs = entry.kwargs;
  if (entry.state === "success") record.result = entry.result ?? null;
  if (entry.error) record.error = entry.error;
  record.attempts = entry.attempts;
  if (entry.workerId) record.workerId = entry.workerId;
  const timings: TaskRecord["timings"] = { submittedAt: entry.submittedAt };
  if (entry.dueAt !== undefined) timings.dueAt = entry.dueAt;
  if (entry.startedAt !== undefined) timings.startedAt = entry.startedAt;
  if (entry.finishedAt !== undefined) timings.finishedAt = entry.finishedAt;
  record.timings = timings;
  record.history = historyEntries(entry.history);
  if (entry.progress !== undefined) record.progress = entry.progress;
  if (entry.logs !== undefined) record.logs = [...entry.logs];
  return record;
}

/** Adds a client whose outbox gets this task's result; most tasks have none or one, so no array until a second. */
export function addAwaiter(entry: TaskEntry, clientId: string): void {
  const current = entry.awaitedBy;
  if (current === undefined || current === clientId) entry.awaitedBy = clientId;
  else if (typeof current === "string") entry.awaitedBy = [current, clientId];
  else if (!current.includes(clientId)) current.push(clientId);
}

import type { WireError } from "../errors.ts";
import type { Outcome, TaskRecord } from "../protocol/index.ts";
import { computeBackoffMs, DelayedQueue, IdMap, ReadyQueue, type NameFilter, type Priority } from "../queue/index.ts";
import type { TerminalState } from "../model/task-state.ts";
import { isTerminal, transition, type TaskState } from "../queue/state.ts";
import { ResultCache } from "../store/result-cache.ts";
import { ListenerSet, type ListenerError } from "../model/listeners.ts";
import { toRecord, type TaskEntry } from "./task-entry.ts";

/** Without a logger to report to, a listener's error is thrown on its own turn: loud, and never mid-transition. */
function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

export interface TaskTableOptions {
  resultCacheSize: number;
  resultCacheTtlMs: number;
  now?: () => number;
  /** A listener threw (it was skipped; the table and the other listeners went on). Default: rethrown after the others ran. */
  onListenerError?: ListenerError;
}

/** Who observes the table: the journal, waiters and outboxes, events, telemetry, the dashboard index. */
export interface TaskTableListeners {
  /** Every non-terminal state change (admission reports `from` "pending"). */
  readonly state: ListenerSet<[entry: TaskEntry, from: TaskState]>;
  /** A task ended: succeeded, failed or cancelled. */
  readonly terminal: ListenerSet<[entry: TaskEntry, record: TaskRecord]>;
  /** A finished task left the result cache. */
  readonly forget: ListenerSet<[id: string, entry: TaskEntry]>;
}

/**
 * Owns every task's state: live entries, the ready queue (by priority), the delayed heap
 * (ETA, countdown, retry backoff) and the result cache for finished tasks. Every state change
 * goes through `move`, so transitions are guarded in one place and observers see them all.
 */
export class TaskTable {
  /** Every task from acceptance until it is terminal, by id (an IdMap: a third of the memory of a Map at 20 000 queued). */
  readonly live = new IdMap<TaskEntry>();
  readonly ready = new ReadyQueue<TaskEntry>();
  readonly delayed = new DelayedQueue();
  /**
   * Finished tasks while their result is kept: the entries themselves (toRecord builds a record
   * when one is read). With a prebuilt record beside each entry a cached result cost 770 bytes of
   * heap, 1 239 with the dashboard's task index (which keeps the entry anyway); now 625 and 837
   * (`bun bench/burst.ts cached`, issue 16).
   */
  readonly results: ResultCache<TaskEntry>;
  private readonly byIdempotencyKey: ResultCache<string>;
  private readonly now: () => number;
  readonly listeners: TaskTableListeners;

  constructor(options: TaskTableOptions) {
    this.now = options.now ?? Date.now;
    const onError = options.onListenerError ?? rethrowLater;
    this.listeners = { state: new ListenerSet(onError), terminal: new ListenerSet(onError), forget: new ListenerSet(onError) };
    this.results = new ResultCache<TaskEntry>({
      maxSize: options.resultCacheSize, ttlMs: options.resultCacheTtlMs, now: this.now, onEvict: (id, entry) => this.listeners.forget.call(id, entry),
    });
    this.byIdempotencyKey = new ResultCache<string>({ maxSize: options.resultCacheSize * 2, ttlMs: options.resultCacheTtlMs, now: this.now });
  }

  /** The id already holding this id or idempotency key, if the submission repeats one. */
  existing(id: string, idempotencyKey?: string): string | undefined {
    if (this.live.has(id) || this.results.has(id)) return id;
    return idempotencyKey === undefined ? undefined : this.byIdempotencyKey.get(idempotencyKey);
  }

  /** Admits a new task: queued now, or scheduled for its due time. */
  admit(entry: TaskEntry): void {
    this.live.set(entry.id, entry);
    if (entry.idempotencyKey) this.byIdempotencyKey.set(entry.idempotencyKey, entry.id);
    this.listeners.state.call(entry, "pending");
    if (entry.dueAt !== undefined) this.schedule(entry, entry.dueAt);
    else this.enqueue(entry);
  }

  get(id: string): TaskRecord | undefined {
    const entry = this.live.get(id) ?? this.results.get(id);
    return entry ? toRecord(entry) : undefined;
  }

  sweep(): void {
    this.results.sweep();
  }

  /** Up to `max` queued tasks a source may run, highest priority first, none below `lowest`. */
  take(canRun: NameFilter, max: number, lowest: Priority = "low"): TaskEntry[] {
    return max > 0 && this.ready.size > 0 ? this.ready.take(canRun, max, lowest) : [];
  }

  start(entry: TaskEntry, workerId: string): void {
    entry.attempts++;
    entry.workerId = workerId;
    entry.startedAt = this.now();
    this.move(entry, "running");
  }

  /** Applies an attempt's outcome; stale outcomes (task no longer running that attempt) are ignored. */
  complete(id: string, outcome: Outcome): boolean {
    const entry = this.live.get(id);
    if (!entry || entry.state !== "running" || outcome.attempt !== entry.attempts) return false;
    if (outcome.ok) {
      entry.result = outcome.result;
      entry.error = undefined;
      this.finish(entry, "success");
      return true;
    }
    entry.error = outcome.error;
    if (outcome.error.code === "E_TASK_CANCELLED") return this.finish(entry, "cancelled"), true;
    const retriesLeft = entry.attempts <= entry.maxRetries;
    if (outcome.retry === "never" || !retriesLeft) return this.finish(entry, "failure"), true;
    const delayMs = outcome.retry === "policy" ? computeBackoffMs(entry.attempts, entry.backoff) : outcome.retry.delayMs;
    this.move(entry, "retrying");
    this.schedule(entry, this.now() + delayMs);
    return true;
  }

  /** A running task whose worker vanished goes back to the front of its queue, not counted as an attempt. */
  requeueLost(entry: TaskEntry): void {
    if (entry.state !== "running") return;
    entry.attempts--;
    entry.leaseExpiresAt = undefined;
    this.move(entry, "queued");
    this.ready.pushFront(entry);
  }

  /** Cancels a queued, scheduled or running task; returns its state before, or why it could not. */
  cancel(id: string): { cancelled: boolean; previous?: TaskState; error?: WireError } {
    const entry = this.live.get(id);
    if (!entry) {
      const finished = this.results.get(id);
      if (finished) return { cancelled: false, previous: finished.state };
      return { cancelled: false, error: { code: "E_TASK_NOT_FOUND", message: `task ${id} is not known (or its result expired)` } };
    }
    const previous = entry.state;
    if (previous === "queued") this.ready.remove(entry);
    if (previous === "scheduled" || previous === "retrying") this.delayed.remove(id);
    entry.error = { code: "E_TASK_CANCELLED", message: `task ${id} was cancelled while ${previous}` };
    this.finish(entry, "cancelled");
    return { cancelled: true, previous };
  }

  /** Moves every due scheduled/retrying task to the ready queue; returns how many. */
  promoteDue(): number {
    const ids = this.delayed.popDue(this.now());
    for (const id of ids) {
      const entry = this.live.get(id);
      if (entry && (entry.state === "scheduled" || entry.state === "retrying")) this.enqueue(entry);
    }
    return ids.length;
  }

  nextDueAt(): number | undefined {
    return this.delayed.nextDueAt();
  }

  /** A manual retry: a failed or cancelled task becomes live again under the same id. */
  revive(entry: TaskEntry): void {
    const from = entry.state;
    this.results.delete(entry.id);
    this.live.set(entry.id, entry);
    transition(entry, "queued", this.now(), { manual: true });
    this.listeners.state.call(entry, from);
    this.ready.push(entry);
  }

  private enqueue(entry: TaskEntry): void {
    // Only a task that was scheduled has a due time to clear: writing it on every entry would add
    // a 13th property, which moves out of line (about 40 bytes per queued task, issue 16).
    if (entry.dueAt !== undefined) entry.dueAt = undefined;
    this.move(entry, "queued");
    this.ready.push(entry);
  }

  private schedule(entry: TaskEntry, dueAt: number): void {
    entry.dueAt = dueAt;
    if (entry.state !== "retrying") this.move(entry, "scheduled");
    this.delayed.push(entry.id, dueAt);
  }

  private finish(entry: TaskEntry, state: TerminalState): void {
    entry.finishedAt = this.now();
    entry.leaseExpiresAt = undefined;
    this.move(entry, state);
    this.live.delete(entry.id);
    this.results.set(entry.id, entry);
    this.listeners.terminal.call(entry, toRecord(entry));
  }

  private move(entry: TaskEntry, to: TaskState): void {
    const from = entry.state;
    transition(entry, to, this.now());
    if (!isTerminal(to)) this.listeners.state.call(entry, from);
  }
}

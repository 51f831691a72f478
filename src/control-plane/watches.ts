/**
 * Remote subscriptions to task events (the `watch` long-poll): a client names the tasks it
 * cares about and gets what happened to them since its previous request, without polling
 * results. Each watch is a long-poll mailbox (queue/long-poll.ts) with a small bounded queue (a
 * watcher that stops asking loses the oldest events, and is told how many), and a watch nobody
 * asks for expires.
 */
import type { TaskRecord, WatchEvent } from "../protocol/index.ts";
import { DEFAULT_MAX_WAIT_MS } from "../model/defaults.ts";
import { LongPoll } from "../queue/index.ts";
import type { ControlPlaneEvents, EventBus } from "./events.ts";

const TASK_EVENTS = [
  "task.queued", "task.scheduled", "task.started", "task.retrying",
  "task.succeeded", "task.failed", "task.cancelled", "task.timed_out",
] as const;
type TaskEventName = (typeof TASK_EVENTS)[number];
/** After these a task has nothing more to say: it leaves the watch. (task.timed_out is followed by task.failed.) */
const FINAL: ReadonlySet<string> = new Set<TaskEventName>(["task.succeeded", "task.failed", "task.cancelled"]);

export interface WatchesOptions {
  /** Events held per watch between two requests. Default 1000. */
  maxQueue?: number;
  /** A watch not asked for this long (and not waiting) is dropped. Default 60 s. */
  idleTtlMs?: number;
  /** The longest a watch request is held (the router clamps first, to --max-wait-ms). */
  maxWaitMs?: number;
}

export interface WatchBatch {
  events: WatchEvent[];
  missed: number;
  unknown?: string[];
}

function taskIdOf(payload: ControlPlaneEvents[TaskEventName]): string {
  return "record" in payload ? payload.record.taskId : payload.taskId;
}

/** The event that would have announced a task that had already ended when it was watched. */
function finalEvent(record: TaskRecord): WatchEvent | undefined {
  const name = record.status === "success" ? "task.succeeded" : record.status === "failure" ? "task.failed" : record.status === "cancelled" ? "task.cancelled" : undefined;
  return name === undefined ? undefined : { name, taskId: record.taskId, at: record.timings.finishedAt ?? Date.now(), payload: { record } };
}

export class Watches {
  /** Watch id → the tasks it still follows; its events wait in the watch's long-poll mailbox. */
  private readonly watches = new Map<string, Set<string>>();
  private readonly byTask = new Map<string, Set<string>>();
  private readonly mailboxes: LongPoll<WatchEvent>;
  private unsubscribe: Array<() => void> = [];
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private readonly idleTtlMs: number;

  constructor(private readonly bus: EventBus, private readonly lookup: (id: string) => TaskRecord | undefined, options: WatchesOptions = {}) {
    this.idleTtlMs = options.idleTtlMs ?? 60_000;
    this.mailboxes = new LongPoll<WatchEvent>({ maxItems: options.maxQueue ?? 1000, maxWaitMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS, idleTtlMs: this.idleTtlMs });
  }

  get size(): number {
    return this.watches.size;
  }

  /** Adds `ids` to the watch, then answers with its queued events, waiting up to `waitMs` for one (less if `signal` aborts). */
  async watch(watchId: string, ids: readonly string[], waitMs: number, signal?: AbortSignal): Promise<WatchBatch> {
    const tasks = this.open(watchId);
    const unknown: string[] = [];
    for (const id of ids) {
      if (tasks.has(id)) continue;
      const record = this.lookup(id);
      // Unknown ids are watched all the same (and reported), so a client can watch before it
      // submits and miss nothing; they leave with the watch when it expires.
      if (record === undefined) unknown.push(id);
      const ended = record === undefined ? undefined : finalEvent(record);
      if (ended !== undefined) {
        this.mailboxes.push(watchId, ended);
        continue;
      }
      tasks.add(id);
      let watching = this.byTask.get(id);
      if (watching === undefined) this.byTask.set(id, (watching = new Set()));
      watching.add(watchId);
    }
    const { items, missed } = await this.mailboxes.poll(watchId, { waitMs, ...(signal ? { signal } : {}) });
    const batch: WatchBatch = { events: items, missed };
    if (unknown.length > 0) batch.unknown = unknown;
    return batch;
  }

  /** Events a reply had no room for (protocol/events-frame.ts) go back to the front of the watch, for its next request. */
  putBack(watchId: string, events: readonly WatchEvent[]): void {
    if (this.watches.has(watchId)) this.mailboxes.putBack(watchId, events);
  }

  /** Answers every held watch request now and stops listening (shutdown). */
  close(): void {
    this.mailboxes.releaseAll();
    for (const watchId of this.watches.keys()) this.mailboxes.delete(watchId);
    this.watches.clear();
    this.byTask.clear();
    this.stopListening();
  }

  /** Drops watches idle for longer than the TTL. */
  sweep(now = Date.now()): void {
    for (const watchId of this.mailboxes.sweep(now)) {
      const tasks = this.watches.get(watchId);
      this.watches.delete(watchId);
      for (const taskId of tasks ?? []) this.forget(watchId, taskId);
    }
    if (this.watches.size === 0) this.stopListening();
  }

  private open(watchId: string): Set<string> {
    let tasks = this.watches.get(watchId);
    if (tasks === undefined) {
      this.watches.set(watchId, (tasks = new Set()));
      this.startListening();
    }
    return tasks;
  }

  /** Listens to the bus only while some watch exists, so an idle bus skips building events. */
  private startListening(): void {
    if (this.unsubscribe.length > 0) return;
    for (const name of TASK_EVENTS) {
      this.unsubscribe.push(this.bus.on(name, (payload) => this.route(name, payload)));
    }
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(1000, this.idleTtlMs / 2));
    this.sweepTimer.unref();
  }

  private stopListening(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  private route(name: TaskEventName, payload: ControlPlaneEvents[TaskEventName]): void {
    const taskId = taskIdOf(payload);
    const watching = this.byTask.get(taskId);
    if (watching === undefined) return;
    const event: WatchEvent = { name, taskId, at: "at" in payload ? payload.at : Date.now(), payload };
    for (const watchId of watching) {
      this.mailboxes.push(watchId, event);
      if (FINAL.has(name)) this.forget(watchId, taskId);
    }
  }

  private forget(watchId: string, taskId: string): void {
    this.watches.get(watchId)?.delete(taskId);
    const watching = this.byTask.get(taskId);
    watching?.delete(watchId);
    if (watching?.size === 0) this.byTask.delete(taskId);
  }
}

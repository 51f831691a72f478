/**
 * Remote subscriptions to task events (the `watch` long-poll): a client names the tasks it
 * cares about and gets what happened to them since its previous request, without polling
 * results. Each watch keeps a small bounded queue (a watcher that stops asking loses the
 * oldest events, and is told how many), and a watch nobody asks for expires.
 */
import type { TaskRecord, WatchEvent } from "../protocol/index.ts";
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
}

export interface WatchBatch {
  events: WatchEvent[];
  missed: number;
  unknown?: string[];
}

interface Watch {
  readonly tasks: Set<string>;
  queue: WatchEvent[];
  missed: number;
  touchedAt: number;
  wake: (() => void) | undefined;
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
  private readonly watches = new Map<string, Watch>();
  private readonly byTask = new Map<string, Set<Watch>>();
  private readonly maxQueue: number;
  private readonly idleTtlMs: number;
  private unsubscribe: Array<() => void> = [];
  private sweepTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly bus: EventBus, private readonly lookup: (id: string) => TaskRecord | undefined, options: WatchesOptions = {}) {
    this.maxQueue = options.maxQueue ?? 1000;
    this.idleTtlMs = options.idleTtlMs ?? 60_000;
  }

  get size(): number {
    return this.watches.size;
  }

  /** Adds `ids` to the watch, then answers with its queued events, waiting up to `waitMs` for one (less if `signal` aborts). */
  async watch(watchId: string, ids: readonly string[], waitMs: number, signal?: AbortSignal): Promise<WatchBatch> {
    const watch = this.open(watchId);
    const unknown: string[] = [];
    for (const id of ids) {
      if (watch.tasks.has(id)) continue;
      const record = this.lookup(id);
      // Unknown ids are watched all the same (and reported), so a client can watch before it
      // submits and miss nothing; they leave with the watch when it expires.
      if (record === undefined) unknown.push(id);
      const ended = record === undefined ? undefined : finalEvent(record);
      if (ended !== undefined) {
        this.push(watch, ended);
        continue;
      }
      watch.tasks.add(id);
      let set = this.byTask.get(id);
      if (set === undefined) this.byTask.set(id, (set = new Set()));
      set.add(watch);
    }
    await this.wait(watch, waitMs, signal);
    watch.touchedAt = Date.now();
    const batch: WatchBatch = { events: watch.queue, missed: watch.missed };
    watch.queue = [];
    watch.missed = 0;
    if (unknown.length > 0) batch.unknown = unknown;
    return batch;
  }

  /** Events a reply had no room for (protocol/events-frame.ts) go back to the front of the watch, for its next request. */
  putBack(watchId: string, events: readonly WatchEvent[]): void {
    const watch = this.watches.get(watchId);
    if (watch === undefined || events.length === 0) return;
    watch.queue = [...events, ...watch.queue];
    const over = watch.queue.length - this.maxQueue;
    if (over > 0) (watch.queue.splice(0, over), (watch.missed += over));
  }

  /** Answers every held watch request now and stops listening (shutdown). */
  close(): void {
    for (const watch of this.watches.values()) watch.wake?.();
    this.watches.clear();
    this.byTask.clear();
    this.stopListening();
  }

  /** Drops watches idle for longer than the TTL. */
  sweep(now = Date.now()): void {
    for (const [id, watch] of this.watches) {
      if (watch.wake !== undefined || now - watch.touchedAt < this.idleTtlMs) continue;
      this.watches.delete(id);
      for (const taskId of watch.tasks) this.forget(watch, taskId);
    }
    if (this.watches.size === 0) this.stopListening();
  }

  private open(watchId: string): Watch {
    let watch = this.watches.get(watchId);
    if (watch === undefined) {
      this.watches.set(watchId, (watch = { tasks: new Set(), queue: [], missed: 0, touchedAt: Date.now(), wake: undefined }));
      this.startListening();
    }
    return watch;
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
    const set = this.byTask.get(taskId);
    if (set === undefined) return;
    const event: WatchEvent = { name, taskId, at: "at" in payload ? payload.at : Date.now(), payload };
    for (const watch of set) {
      this.push(watch, event);
      if (FINAL.has(name)) this.forget(watch, taskId);
    }
  }

  private push(watch: Watch, event: WatchEvent): void {
    if (watch.queue.length >= this.maxQueue) {
      watch.queue.shift();
      watch.missed++;
    }
    watch.queue.push(event);
    const wake = watch.wake;
    watch.wake = undefined;
    wake?.();
  }

  private forget(watch: Watch, taskId: string): void {
    watch.tasks.delete(taskId);
    const set = this.byTask.get(taskId);
    set?.delete(watch);
    if (set?.size === 0) this.byTask.delete(taskId);
  }

  /** Resolves once the watch has an event (plus one macrotask, to batch a burst), after waitMs, or when `signal` aborts. */
  private wait(watch: Watch, waitMs: number, signal?: AbortSignal): Promise<void> {
    if (watch.queue.length > 0 || waitMs <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (watch.wake === wake) watch.wake = undefined;
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      signal?.addEventListener("abort", done, { once: true });
      const wake = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        setImmediate(resolve);
      };
      // One request per watch at a time: an older one still held is answered now (empty) and replaced.
      watch.wake?.();
      watch.wake = wake;
    });
  }
}

import type { TaskRecord, WorkerInfo } from "../protocol/index.ts";
import type { Logger } from "../log.ts";
import type { ScheduleFired, ScheduleSkipped } from "../scheduler/types.ts";
import { Emitter } from "../model/listeners.ts";
import { EventStream, type EventStreamOptions } from "./event-stream.ts";

/** Typed in-process events of the control plane; the dashboard stream and metrics build on these. */
export interface ControlPlaneEvents {
  "task.queued": { taskId: string; name: string; priority: string; at: number };
  "task.scheduled": { taskId: string; name: string; dueAt: number; at: number };
  "task.started": { taskId: string; name: string; workerId: string; attempt: number; at: number };
  "task.succeeded": { record: TaskRecord };
  "task.failed": { record: TaskRecord };
  "task.retrying": { taskId: string; name: string; attempt: number; dueAt: number; error?: string; at: number };
  "task.cancelled": { record: TaskRecord };
  "task.timed_out": { record: TaskRecord };
  /** A running handler called this.progress() (coalesced: at most ~10 a second per task). */
  "task.progress": { id: string; name: string; progress: number | Record<string, unknown> };
  /** A running handler called this.log(). */
  "task.log": { id: string; name: string; at: number; message: string };
  "worker.joined": { worker: WorkerInfo };
  "worker.left": { workerId: string; reason: string };
  "worker.inactive": { workerId: string };
  /** A periodic task's run was submitted (task id `${name}@${dueAt}`). */
  "schedule.fired": ScheduleFired;
  /** A periodic task's due time produced no run: overlap, missed (catch-up policy), duplicate or refused. */
  "schedule.skipped": ScheduleSkipped;
}

export type EventName = keyof ControlPlaneEvents;

// A Record over EventName, so adding an event fails to compile until it is listed here.
const EVENT_NAME_SET: Readonly<Record<EventName, true>> = {
  "task.queued": true, "task.scheduled": true, "task.started": true, "task.succeeded": true, "task.failed": true,
  "task.retrying": true, "task.cancelled": true, "task.timed_out": true, "task.progress": true, "task.log": true,
  "worker.joined": true, "worker.left": true, "worker.inactive": true,
  "schedule.fired": true, "schedule.skipped": true,
};

/** Every event name, e.g. for streams that want them all. */
export const EVENT_NAMES: readonly EventName[] = Object.freeze(Object.keys(EVENT_NAME_SET) as EventName[]);
/**
 * Synchronous fan-out with isolation (model/listeners.ts): a throwing subscriber is logged and
 * never breaks the dispatcher. Subscribers that do slow work must queue it themselves (the SSE
 * stream does, with a bounded buffer per browser).
 */
export class EventBus extends Emitter<ControlPlaneEvents> {
  constructor(log: Logger) {
    super((name, error) => log("error", `a subscriber of ${name} threw; it was skipped`, { error: String(error) }));
  }

  /**
   * The events named (default: all) as an async iterable of `{ name, payload, at, missed }`, with
   * a bounded buffer: `for await (const e of cp.events.stream(["task.failed"])) ...`. Breaking
   * out of the loop (or aborting `signal`) unsubscribes.
   */
  stream<K extends EventName = EventName>(names?: readonly K[], options: EventStreamOptions = {}): EventStream<K> {
    // Without names the stream takes every event, so K is EventName (its default) there.
    const chosen = names ?? (EVENT_NAMES as readonly K[]);
    return new EventStream<K>((name, listener) => this.on(name, listener), chosen, options);
  }
}

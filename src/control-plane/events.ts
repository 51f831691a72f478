import type { TaskRecord, WorkerInfo } from "../protocol/index.ts";
import type { Logger } from "../log.ts";

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
  "worker.joined": { worker: WorkerInfo };
  "worker.left": { workerId: string; reason: string };
  "worker.inactive": { workerId: string };
}

export type EventName = keyof ControlPlaneEvents;
type Listener<K extends EventName> = (payload: ControlPlaneEvents[K]) => void;

/**
 * Synchronous fan-out with isolation: a throwing subscriber is logged and never breaks the
 * dispatcher. Subscribers that do slow work must queue it themselves (the SSE stream does,
 * with a bounded buffer per browser).
 */
export class EventBus {
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();
  private count = 0;

  constructor(private readonly log: Logger) {}

  /** True when nobody listens, so emitters can skip building payloads. */
  get idle(): boolean {
    return this.count === 0;
  }

  on<K extends EventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as Listener<EventName>);
    this.count++;
    return () => {
      if (set.delete(listener as Listener<EventName>)) this.count--;
    };
  }

  emit<K extends EventName>(name: K, payload: ControlPlaneEvents[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        listener(payload);
      } catch (error) {
        this.log("error", `a subscriber of ${name} threw; it was skipped`, { error: String(error) });
      }
    }
  }
}

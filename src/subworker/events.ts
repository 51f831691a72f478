import type { Logger } from "../log.ts";

/** What a subworker tells its embedder (the CLI, tests) as it runs. */
export interface SubworkerEvents {
  /** Welcomed by a control plane: the first time, and again after every reconnect. */
  registered: { cpId: string; address: string; heartbeatMs: number; registrations: number };
  /** The registration ended (control plane gone or restarted); held work was dropped. */
  disconnected: { reason: "reregister" | "transport"; error?: string; droppedRunning: number; droppedOutcomes: number };
  /** The subworker gave up for good (E_REFUSED and the like); it is stopped. */
  fatal: { error: Error };
  stopped: Record<string, never>;
}

export type SubworkerEventName = keyof SubworkerEvents;
type Listener<K extends SubworkerEventName> = (payload: SubworkerEvents[K]) => void;

/** Synchronous fan-out; a throwing listener is logged and skipped, never breaks the subworker. */
export class SubworkerEventBus {
  private readonly listeners = new Map<SubworkerEventName, Set<Listener<SubworkerEventName>>>();

  constructor(private readonly log: Logger) {}

  on<K extends SubworkerEventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as Listener<SubworkerEventName>);
    return () => set.delete(listener as Listener<SubworkerEventName>);
  }

  emit<K extends SubworkerEventName>(name: K, payload: SubworkerEvents[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        this.log("error", `a listener of ${name} threw; it was skipped`, { error: String(error) });
      }
    }
  }
}

import type { Logger } from "../log.ts";
import { Emitter } from "../model/listeners.ts";

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

/** Synchronous fan-out (model/listeners.ts); a throwing listener is logged and skipped, never breaks the subworker. */
export class SubworkerEventBus extends Emitter<SubworkerEvents> {
  constructor(log: Logger) {
    super((name, error) => log("error", `a listener of ${name} threw; it was skipped`, { error: String(error) }));
  }
}

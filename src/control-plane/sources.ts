import type { Outcome, Priority, WorkerInfo } from "../protocol/index.ts";
import type { NameFilter } from "../queue/index.ts";
import type { TaskEntry } from "./task-entry.ts";

/**
 * Something that runs tasks: the control plane's own Bun Worker pool, or a subworker. The
 * dispatcher hands a source only tasks whose names it registered, and never more than its
 * free slots, so load follows free capacity.
 */
export interface CapacitySource {
  readonly id: string;
  readonly kind: "local" | "subworker";
  readonly canRun: NameFilter;
  /** Tasks it takes now: idle Workers plus prefetch room behind running work. */
  freeSlots(): number;
  /** Of those, Workers with nothing to do: a task given to one starts at once. */
  idleSlots(): number;
  /**
   * With no free slot: the least urgent priority it still takes one task of now, because that
   * outranks work waiting there and not started (prefetched); undefined when there is none.
   */
  overtakeLimit(): Priority | undefined;
  /** Starts the given tasks (already marked running); outcomes come back through the sink. */
  assign(entries: TaskEntry[]): void;
  /** Stops a running task (cancel). */
  cancel(id: string): void;
  info(): WorkerInfo;
}

export type OutcomeSink = (outcome: Outcome) => void;

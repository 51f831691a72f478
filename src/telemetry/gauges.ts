import type { Priority } from "../model/priority.ts";
import type { GaugeSource } from "./control-plane-host.ts";

/** Point-in-time figures read from the control plane when metrics are scraped or collected. */
export interface LiveGauges {
  queueDepth: Record<Priority, number>;
  /** Tasks waiting for a due time: eta, countdown, or a retry's backoff. */
  scheduled: number;
  /** Capacity sources taking work: the control plane's own pool counts as one, each subworker as one. */
  workersActive: number;
  /** Task slots of those sources. */
  workersCapacity: number;
  resultCacheSize: number;
}

export function readGauges(cp: GaugeSource): LiveGauges {
  let workersActive = 0;
  let workersCapacity = 0;
  for (const worker of cp.workers()) {
    if (worker.state !== "active") continue;
    workersActive++;
    workersCapacity += worker.capacity;
  }
  return {
    queueDepth: cp.table.ready.sizeByPriority(),
    scheduled: cp.table.delayed.size,
    workersActive,
    workersCapacity,
    resultCacheSize: cp.table.results.size,
  };
}

import { liveCounts } from "../model/live-counts.ts";
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

/** The metrics' view of the one live count (model/live-counts.ts) the status replies use too. */
export function readGauges(cp: GaugeSource): LiveGauges {
  const counts = liveCounts(cp.table, cp.workers());
  return {
    queueDepth: counts.queued,
    scheduled: counts.scheduled,
    workersActive: counts.workers.active,
    workersCapacity: counts.workers.capacity,
    resultCacheSize: counts.cached,
  };
}

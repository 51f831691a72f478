/**
 * The one set of live figures every status is formatted from: the NNG `status` reply, REST
 * /api/status and the dashboard, and the metrics gauges (Prometheus and OpenTelemetry). Read in
 * O(priorities + capacity sources), never O(tasks), so a per-second poll or scrape costs nothing
 * however many tasks are held. Structural inputs: the control plane's task table and its
 * WorkerInfo list satisfy them as they are, and layers below the control plane can call it.
 */
import { PRIORITIES, type Priority } from "./priority.ts";

export interface CountedTable {
  readonly ready: { sizeByPriority(): Record<Priority, number> };
  readonly delayed: { readonly size: number };
  readonly results: { readonly size: number };
  readonly live: { readonly size: number };
}

export interface CountedWorker {
  readonly kind: string;
  readonly state: string;
  readonly capacity: number;
  readonly running: number;
}

export interface LiveCounts {
  /** Ready to run, by priority. */
  queued: Record<Priority, number>;
  queuedTotal: number;
  /** Waiting for a due time: eta, countdown, or a retry's backoff. */
  scheduled: number;
  /** Running now, as the capacity sources report it. */
  running: number;
  /** Finished results held in the result cache. */
  cached: number;
  /** Unfinished tasks. */
  live: number;
  /** Every capacity source (the local pool counts as one); capacity counts active sources only. */
  workers: { total: number; active: number; capacity: number };
  subworkers: { total: number; active: number; inactive: number };
}

export function liveCounts(table: CountedTable, workers: Iterable<CountedWorker>): LiveCounts {
  const queued = table.ready.sizeByPriority();
  const all = { total: 0, active: 0, capacity: 0 };
  const subworkers = { total: 0, active: 0, inactive: 0 };
  let running = 0;
  for (const worker of workers) {
    const active = worker.state === "active";
    all.total++;
    running += worker.running;
    if (active) (all.active++, (all.capacity += worker.capacity));
    if (worker.kind !== "subworker") continue;
    subworkers.total++;
    if (active) subworkers.active++;
    else subworkers.inactive++;
  }
  return {
    queued: { ...queued }, queuedTotal: PRIORITIES.reduce((sum, p) => sum + queued[p], 0),
    scheduled: table.delayed.size, running, cached: table.results.size, live: table.live.size,
    workers: all, subworkers,
  };
}

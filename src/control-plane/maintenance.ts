import type { TaskStore } from "../store/index.ts";
import type { Outboxes } from "./outboxes.ts";
import type { TaskTable } from "./task-table.ts";

export interface MaintenanceDeps {
  table: TaskTable;
  outboxes: Outboxes;
  store: TaskStore;
  intervalMs: number;
}

/**
 * The control plane's periodic housekeeping, every --result-cache-cleanup-interval: expired
 * results leave the cache, outboxes nobody collects expire, and the journal drops rows of
 * results past their TTL. Unref'd: housekeeping never keeps a process alive.
 */
export function startMaintenance({ table, outboxes, store, intervalMs }: MaintenanceDeps): { stop(): void } {
  const timer = setInterval(() => {
    table.sweep();
    outboxes.sweep();
    void store.compact(Date.now() - table.results.ttlMs); // reports and retries its own failures
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** Start-up: what the store kept comes back — results within their TTL, then live tasks in submission order. */
import type { Logger } from "../log.ts";
import type { TaskStore } from "../store/index.ts";
import type { TaskCatalog } from "../tasks/index.ts";
import { createEntry, entryOfRecord } from "./task-entry.ts";
import type { TaskTable } from "./task-table.ts";

export async function recoverFromStore(store: TaskStore, table: TaskTable, catalog: TaskCatalog, log: Logger): Promise<void> {
  const { live, finished } = await store.recover(table.results.ttlMs);
  for (const record of finished) table.results.set(record.taskId, entryOfRecord(record));
  let requeued = 0;
  for (const stored of live) {
    const definition = catalog.get(stored.spec.name);
    if (!definition) {
      log("error", "a recovered task names a task that is no longer registered; it is failed", { id: stored.spec.id, name: stored.spec.name });
      continue;
    }
    const entry = createEntry(stored.spec, definition, stored.submittedAt);
    // A task that was running is re-run: that attempt did not end, so it does not count.
    entry.attempts = stored.state === "running" ? Math.max(0, stored.attempts - 1) : stored.attempts;
    if (stored.dueAt !== undefined && (stored.state === "scheduled" || stored.state === "retrying")) entry.dueAt = stored.dueAt;
    else delete entry.dueAt;
    table.admit(entry);
    requeued++;
  }
  if (live.length + finished.length > 0) log("info", "recovered from the journal", { tasks: requeued, results: finished.length });
}

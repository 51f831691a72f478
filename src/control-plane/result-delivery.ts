/**
 * Where a task's states and its end go besides the table: the store (journal), the waiters and
 * outboxes of clients waiting for it, and its completion callback.
 */
import type { TaskRecord } from "../protocol/index.ts";
import type { TaskStore } from "../store/index.ts";
import type { CallbackSender } from "./callbacks.ts";
import type { Outboxes } from "./outboxes.ts";
import type { TaskEntry } from "./task-entry.ts";
import type { TaskTable } from "./task-table.ts";
import type { ResultWaiters } from "./waiters.ts";

export interface ResultDeliveryDeps {
  table: TaskTable;
  store: TaskStore;
  waiters: ResultWaiters;
  outboxes: Outboxes;
  callbacks: CallbackSender;
}

/** Listens to the table's state changes and ends. */
export function deliverResults({ table, store, waiters, outboxes, callbacks }: ResultDeliveryDeps): void {
  table.listeners.state.add((entry, from) => {
    // Acceptance already recorded the first state. "running" is not journaled: recovery re-queues
    // running tasks anyway, and skipping it saves a third of the journal's writes per task.
    if (from !== "pending" && entry.state !== "running") store.update(entry.id, { state: entry.state, attempts: entry.attempts, ...(entry.dueAt !== undefined ? { dueAt: entry.dueAt } : {}) });
  });
  table.listeners.terminal.add(finished);

  function finished(entry: TaskEntry, record: TaskRecord): void {
    waiters.notify(entry.id);
    const awaitedBy = entry.awaitedBy;
    if (typeof awaitedBy === "string") outboxes.push(awaitedBy, record);
    else if (awaitedBy !== undefined) for (const clientId of awaitedBy) outboxes.push(clientId, record);
    store.finish(entry.id, record);
    if (entry.callback) callbacks.send(entry.callback.address, record, entry.callback.data);
  }
}

/**
 * How tasks get in: submit (dedupe by id and idempotency key, known task, allowed callback,
 * --max-queued, then the store's write before the submitter hears "accepted") and the
 * dashboard's retry of a failed or cancelled task under the same id.
 */
import { TaskError, toWireError, type WireError } from "../errors.ts";
import type { CallbackPolicy } from "../auth/callback-allow.ts";
import type { TaskRecord, TaskSpec } from "../protocol/index.ts";
import type { Refusals, TaskStore } from "../store/index.ts";
import type { TaskCatalog } from "../tasks/index.ts";
import type { AdmissionLimits } from "./admission-limits.ts";
import type { ClientInFlight } from "./client-in-flight.ts";
import type { Dispatcher } from "./dispatcher.ts";
import { createEntry, type TaskEntry } from "./task-entry.ts";
import type { TaskTable } from "./task-table.ts";

export type SubmitReply = { id: string; status?: TaskRecord["status"]; error?: WireError };

export interface TaskAdmissionDeps {
  table: TaskTable;
  catalog: TaskCatalog;
  callbackPolicy: CallbackPolicy;
  limits: AdmissionLimits;
  /** --max-in-flight-per-client: each remote submitter's unfinished tasks. */
  inFlight: ClientInFlight;
  store: TaskStore;
  /** False before start and from stop on: every submit is then refused E_SHUTTING_DOWN. */
  accepting: () => boolean;
  /** After tasks were admitted: dispatch, and re-arm the due timer. */
  afterChange: () => void;
  /** Epoch ms (the control plane's clock). */
  now: () => number;
}

export class TaskAdmission {
  constructor(private readonly deps: TaskAdmissionDeps) {}

  /** Results of `awaitedBy` tasks go to that client's outbox; `client` (a remote submitter) is held to its in-flight cap. */
  async submit(specs: readonly TaskSpec[], awaitedBy?: string, client?: string): Promise<SubmitReply[]> {
    const { table, catalog, callbackPolicy, limits, inFlight, store } = this.deps;
    if (!this.deps.accepting()) {
      return specs.map((s) => ({ id: s.id, error: { code: "E_SHUTTING_DOWN", message: "the control plane is not accepting tasks" } }));
    }
    const now = this.deps.now();
    const replies: SubmitReply[] = [];
    const accepted: Array<{ entry: TaskEntry; spec: TaskSpec }> = [];
    for (const spec of specs) {
      const existing = table.existing(spec.id, spec.idempotencyKey);
      if (existing !== undefined) {
        replies.push({ id: existing, status: table.get(existing)?.status ?? "pending" });
        continue;
      }
      const definition = catalog.get(spec.name);
      if (!definition) {
        replies.push({ id: spec.id, error: { code: "E_UNKNOWN_TASK", message: `no task named "${spec.name}" is registered (known: ${catalog.names().join(", ")})` } });
        continue;
      }
      if (spec.callback && !callbackPolicy.allows(spec.callback.address)) {
        replies.push({ id: spec.id, error: { code: "E_CALLBACK_NOT_ALLOWED", message: `callbacks may not dial ${spec.callback.address}: the control plane allows loopback and its --callback-allow list only` } });
        continue;
      }
      const full = limits.refuse(accepted.length) ?? inFlight.refuse(client, accepted.length);
      if (full) {
        replies.push({ id: spec.id, error: full });
        continue;
      }
      const entry = createEntry(spec, definition, now);
      if (awaitedBy !== undefined) entry.awaitedBy = awaitedBy;
      accepted.push({ entry, spec });
      replies.push({ id: entry.id });
    }
    if (accepted.length === 0) return replies;
    // The store hears of every task before the submitter is told it was accepted.
    let refusals: Refusals | void;
    try {
      refusals = await limits.reserving(accepted.length, () => store.accept(accepted.map(({ entry, spec }) => ({
        spec, priority: entry.priority, state: entry.dueAt !== undefined ? "scheduled" : "queued", attempts: 0,
        submittedAt: entry.submittedAt, ...(entry.dueAt !== undefined ? { dueAt: entry.dueAt } : {}),
      }))));
    } catch (error) {
      // Code and message only: a journal error must not carry the server's stack or paths to clients.
      const { code, message } = toWireError(error, "E_JOURNAL");
      return replies.map((r) => (r.error || r.status ? r : { id: r.id, error: { code, message } }));
    }
    for (const { entry } of accepted) {
      const refused = refusals?.get(entry.id);
      if (refused === undefined) (table.admit(entry), inFlight.track(entry, client));
      else replies[replies.findIndex((r) => r.id === entry.id && !r.error && !r.status)] = { id: entry.id, error: { code: refused.code, message: refused.message } };
    }
    for (const reply of replies) if (!reply.error && !reply.status) reply.status = table.live.get(reply.id)?.state;
    this.deps.afterChange();
    return replies;
  }

  /** Runs a failed or cancelled task again under the same id (the dashboard's retry button). */
  retry(id: string): TaskRecord {
    const { table, catalog } = this.deps;
    if (table.live.has(id)) throw new TaskError("E_NOT_RETRYABLE", `task ${id} is still ${table.live.get(id)!.state}`, { taskId: id });
    const finished = table.results.peek(id);
    if (!finished) throw new TaskError("E_TASK_NOT_FOUND", `task ${id} is not known (or its result expired)`, { taskId: id });
    if (finished.state !== "failure" && finished.state !== "cancelled") {
      throw new TaskError("E_NOT_RETRYABLE", `task ${id} ended with ${finished.state}; only failed or cancelled tasks can be retried`, { taskId: id });
    }
    const definition = catalog.get(finished.name);
    if (!definition) throw new TaskError("E_UNKNOWN_TASK", `task ${finished.name} is no longer registered`, { taskId: id });
    const entry = createEntry({ id, name: finished.name, args: finished.args, priority: finished.priority, ...(finished.kwargs ? { kwargs: finished.kwargs } : {}) }, definition, this.deps.now());
    entry.state = finished.state;
    entry.history = [...finished.history]; // the old history continues; the finished entry keeps its own
    table.revive(entry);
    this.deps.afterChange();
    return table.get(id)!;
  }

  /** Cancels a queued, scheduled or retrying task, or asks the source running it to abort it. */
  cancel(id: string, sources: Pick<Dispatcher, "get">): { cancelled: boolean; status?: TaskRecord["status"]; error?: WireError } {
    const { table } = this.deps;
    const entry = table.live.get(id);
    if (entry?.state === "running" && entry.workerId) sources.get(entry.workerId)?.cancel(id);
    const result = table.cancel(id);
    this.deps.afterChange();
    return result.error
      ? { cancelled: false, error: result.error }
      : { cancelled: result.cancelled, status: table.get(id)?.status ?? result.previous };
  }
}

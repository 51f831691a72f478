/**
 * The control plane's task-state components, built and wired to each other through listener
 * sets (model/listeners.ts): the task table, the dispatcher, events, admission, result delivery
 * to waiters, outboxes and callbacks, watches and the due timer. What they call back into the
 * control plane is named in `ComponentHooks`, not the control plane itself.
 */
import type { Logger } from "../log.ts";
import { systemClock, type Clock } from "../model/clock.ts";
import { CallbackPolicy } from "../auth/callback-allow.ts";
import type { Outcome } from "../protocol/index.ts";
import type { TaskStore } from "../store/index.ts";
import type { TaskCatalog } from "../tasks/index.ts";
import { AdmissionLimits } from "./admission-limits.ts";
import { CallbackSender } from "./callbacks.ts";
import { ClientInFlight } from "./client-in-flight.ts";
import { Dispatcher } from "./dispatcher.ts";
import { DueTimer } from "./due-timer.ts";
import { EventBus } from "./events.ts";
import type { ControlPlaneOptions, ResolvedOptions } from "./options.ts";
import { createOutboxes, type Outboxes } from "./outboxes.ts";
import { deliverResults } from "./result-delivery.ts";
import { fitOutcome } from "./result-size.ts";
import { TaskActivity } from "./task-activity.ts";
import { TaskAdmission } from "./task-admission.ts";
import { TaskTable } from "./task-table.ts";
import { ResultWaiters } from "./waiters.ts";
import { Watches } from "./watches.ts";
import { wireEvents } from "./wire-events.ts";

export interface ComponentHooks {
  /** Whether submissions are accepted now (the control plane is running). */
  accepting(): boolean;
  /** After any change that can free capacity, add work, or move the next due time. */
  afterChange(): void;
}

export interface Components {
  /** options.clock, else real time: what every component here reads and waits on. */
  readonly clock: Clock;
  readonly table: TaskTable;
  readonly dispatcher: Dispatcher;
  readonly events: EventBus;
  readonly activity: TaskActivity;
  readonly waiters: ResultWaiters;
  readonly outboxes: Outboxes;
  readonly watches: Watches;
  readonly admission: TaskAdmission;
  readonly dueTimer: DueTimer;
  readonly callbacks: CallbackSender;
  /** Applies one attempt's outcome from the local pool or a subworker (a result too large for any reply fails its task, typed). */
  outcome(outcome: Outcome): void;
}

export function buildComponents(
  catalog: TaskCatalog, options: ControlPlaneOptions, resolved: ResolvedOptions, store: TaskStore, log: Logger, hooks: ComponentHooks,
): Components {
  const events = new EventBus(log);
  const clock = options.clock ?? systemClock;
  const table = new TaskTable({
    resultCacheSize: resolved.resultCacheSize, resultCacheTtlMs: resolved.resultCacheTtlMs, now: () => clock.now(),
    onListenerError: (error) => log("error", "a task table listener threw; it was skipped", { error: String(error) }),
  });
  const { maxWaitMs } = resolved.waitLimits;
  // Live entries are exactly the unfinished tasks: no need to build a record to know.
  const waiters = new ResultWaiters((id) => !table.live.has(id));
  // A client that collects never holds more than it may have unfinished; past that (or the results the cache keeps) it is not collecting.
  const outboxItems = Math.max(resolved.maxInFlightPerClient, resolved.resultCacheSize);
  const outboxes = createOutboxes({ resultTtlMs: resolved.resultCacheTtlMs, maxItems: outboxItems, maxWaitMs });
  wireEvents(table, events);
  const admission = new TaskAdmission({
    table, catalog, callbackPolicy: new CallbackPolicy(options.callbackAllow ?? []), store,
    limits: new AdmissionLimits(table, resolved.maxQueued), inFlight: new ClientInFlight(table, resolved.maxInFlightPerClient),
    accepting: () => hooks.accepting(), afterChange: () => hooks.afterChange(), now: () => clock.now(),
  });
  const callbacks = new CallbackSender(log);
  deliverResults({ table, store, waiters, outboxes, callbacks });
  return {
    clock, table, dispatcher: new Dispatcher(table), events, activity: new TaskActivity(table, events), waiters, outboxes,
    watches: new Watches(events, (id) => table.get(id), { maxWaitMs }), admission,
    dueTimer: new DueTimer(table, () => hooks.afterChange(), clock), callbacks,
    outcome: (outcome) => {
      if (table.complete(outcome.id, fitOutcome(outcome, table.live.get(outcome.id), resolved.maxFrameBytes))) hooks.afterChange();
    },
  };
}

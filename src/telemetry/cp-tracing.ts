/**
 * Which traceparent each attempt hands its worker. The control plane's spans (cp-spans.ts,
 * driven by the task table's state hooks) form this tree:
 *
 *   submit (client, PRODUCER)
 *     └─ enqueue <task> (CONSUMER: accepted, journaled, queued)
 *          └─ dispatch <task> (PRODUCER, one per attempt: from hand-over to the outcome)
 *               └─ execute <task> (CONSUMER, in the Bun Worker that runs it, on any host)
 *
 * The dispatch span's traceparent replaces the client's in the pool job or leased task, so the
 * execute span hangs under the attempt that ran it. Without an SDK none of this exists, and
 * attemptTraceparent() hands the client's traceparent through unchanged.
 */
import type { ObservedTask } from "./control-plane-host.ts";

// This file is what the task path imports (local-source.ts, subworker-source.ts); the spans
// themselves, which need @opentelemetry/api, are in cp-spans.ts, loaded only when an SDK listens.

/** The traceparent of each running attempt's dispatch span, for whichever source runs it. */
const attemptContexts = new WeakMap<ObservedTask, string>();
/** Control planes in this process tracing now: 0 keeps attemptTraceparent() to one comparison. */
let tracingControlPlanes = 0;

/** What the worker of this attempt receives as `traceparent` (LeasedTask, pool job). */
export function attemptTraceparent(entry: ObservedTask): string | undefined {
  if (tracingControlPlanes === 0) return entry.traceparent;
  return attemptContexts.get(entry) ?? entry.traceparent;
}

const NO_TRACEPARENT: { traceparent?: string } = Object.freeze({});

/** `{ traceparent }` for this attempt, to spread into a pool job or a leased task. */
export function traceparentOf(entry: ObservedTask): { traceparent?: string } {
  const traceparent = attemptTraceparent(entry);
  return traceparent ? { traceparent } : NO_TRACEPARENT;
}

/** A control plane starts tracing: attemptTraceparent() now looks its attempts up. */
export function tracingStarted(): void {
  tracingControlPlanes++;
}

export function tracingStopped(): void {
  tracingControlPlanes--;
}

/** The traceparent of the dispatch span of `entry`'s running attempt. */
export function setAttemptTraceparent(entry: ObservedTask, traceparent: string): void {
  attemptContexts.set(entry, traceparent);
}

export function clearAttemptTraceparent(entry: ObservedTask): void {
  attemptContexts.delete(entry);
}

/**
 * The control plane's spans (enqueue, then one dispatch span per attempt; see cp-tracing.ts for
 * the tree), driven by the task table's state hooks. Loaded by telemetry/control-plane.ts only
 * when an SDK registered a tracer provider: it is the control plane's only use of
 * @opentelemetry/api.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from "@opentelemetry/api";
import type { ObservedTask } from "./control-plane-host.ts";
import { isTerminal, type TaskState } from "../model/task-state.ts";
import { clearAttemptTraceparent, setAttemptTraceparent, tracingStarted, tracingStopped } from "./cp-tracing.ts";
import { ATTR, contextFrom, formatTraceparent, messagingAttributes, recordFailure } from "./tracing.ts";

interface TaskSpans {
  /** The enqueue span's context: parent of every attempt's dispatch span. */
  readonly parent: Context;
  attempt: Span | undefined;
}

export class ControlPlaneTracing {
  private readonly spans = new WeakMap<ObservedTask, TaskSpans>();
  private closed = false;

  constructor(private readonly tracer: Tracer) {
    tracingStarted();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    tracingStopped();
  }

  onState(entry: ObservedTask, from: TaskState): void {
    const state = entry.state;
    if (state === "pending" || isTerminal(from)) this.enqueued(entry);
    else if (state === "running") this.dispatched(entry);
    else if (from === "running") this.attemptEnded(entry, state);
  }

  onTerminal(entry: ObservedTask): void {
    const spans = this.spans.get(entry);
    this.spans.delete(entry);
    clearAttemptTraceparent(entry);
    const span = spans?.attempt;
    if (span === undefined) return;
    if (entry.state === "failure" && entry.error) recordFailure(span, entry.error);
    else if (entry.state === "cancelled") span.setAttribute("fastworker.task.cancelled", true);
    span.end();
  }

  /** Accepted (or revived by a manual retry): a short span from submission to admission. */
  private enqueued(entry: ObservedTask): void {
    const span = this.tracer.startSpan(`enqueue ${entry.name}`, {
      kind: SpanKind.CONSUMER,
      startTime: entry.submittedAt,
      attributes: {
        ...messagingAttributes("enqueue", "receive", entry.name, entry.id),
        [ATTR.priority]: entry.priority,
        ...(entry.dueAt !== undefined ? { "fastworker.task.due_at": entry.dueAt } : {}),
      },
    }, contextFrom(entry.traceparent));
    span.end();
    this.spans.set(entry, { parent: trace.setSpanContext(ROOT_CONTEXT, span.spanContext()), attempt: undefined });
  }

  /** Handed to a worker: the attempt's span stays open until its outcome (or loss) arrives. */
  private dispatched(entry: ObservedTask): void {
    let spans = this.spans.get(entry);
    if (spans === undefined) this.spans.set(entry, (spans = { parent: contextFrom(entry.traceparent), attempt: undefined }));
    spans.attempt?.end(); // never expected: an attempt starts only after the previous one ended
    const span = this.tracer.startSpan(`dispatch ${entry.name}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        ...messagingAttributes("dispatch", "send", entry.name, entry.id),
        [ATTR.priority]: entry.priority,
        [ATTR.attempt]: entry.attempts,
        ...(entry.workerId !== undefined ? { [ATTR.workerId]: entry.workerId } : {}),
      },
    }, spans.parent);
    spans.attempt = span;
    setAttemptTraceparent(entry, formatTraceparent(span.spanContext()));
  }

  private attemptEnded(entry: ObservedTask, state: TaskState): void {
    const spans = this.spans.get(entry);
    const span = spans?.attempt;
    if (spans === undefined || span === undefined) return;
    spans.attempt = undefined;
    clearAttemptTraceparent(entry);
    if (state === "retrying" && entry.error) {
      recordFailure(span, entry.error);
      span.setAttribute("fastworker.task.retrying", true);
    } else if (state === "queued") {
      // running → queued: the worker vanished (timeout, disconnect) and the task went back to the queue.
      span.setAttribute(ATTR.errorType, "E_WORKER_LOST");
      span.setStatus({ code: SpanStatusCode.ERROR, message: "the worker was lost; the task was re-queued" });
    }
    span.end();
  }
}

/**
 * The execute span, inside the Bun Worker that runs the handler, on the control plane's pool or
 * a subworker's. A Worker has its own OpenTelemetry globals: it traces only when an SDK was
 * registered in it, by FASTWORKER_OTEL_SETUP (imported before the task modules) or by a task
 * module itself. The handler runs with the span active, so spans it starts become children.
 */
import { threadId } from "node:worker_threads";
import { SpanKind, context, trace, type Tracer } from "@opentelemetry/api";
import { PRIORITIES } from "../model/priority.ts";
import { ATTR, contextFrom, describeError, messagingAttributes, recordFailure, registeredTracer } from "./tracing.ts";

// The fields of the pool's WireJob and ResultMessage (pool/messages.ts) this span reads, named
// here because telemetry sits below pool/ in the layer order and must not import it.
/** A job as the pool hands it to a Worker. */
export interface TracedJob {
  readonly name: string;
  /** priorityRank() of the job's priority. */
  readonly rank: number;
  readonly traceparent?: string;
  readonly id?: string;
  readonly attempt?: number;
}

/** A job's result: a failure carries the error the span records. */
export type TracedResult = { readonly t: "ok" | "okj" } | { readonly t: "err"; readonly code: string; readonly message: string; readonly stack?: string };

export class ExecuteTracing {
  private constructor(private readonly tracer: Tracer) {}

  /** Undefined when no SDK is registered in this thread: the Worker then runs jobs untouched. */
  static create(): ExecuteTracing | undefined {
    const tracer = registeredTracer();
    return tracer ? new ExecuteTracing(tracer) : undefined;
  }

  /** Runs `execute` under a CONSUMER span whose parent is the job's traceparent (the dispatch span). */
  run<R extends TracedResult>(job: TracedJob, execute: () => R | Promise<R>): R | Promise<R> {
    const priority = PRIORITIES[job.rank];
    const span = this.tracer.startSpan(`execute ${job.name}`, {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...messagingAttributes("execute", "process", job.name, job.id),
        ...(job.attempt !== undefined ? { [ATTR.attempt]: job.attempt } : {}),
        ...(priority !== undefined ? { [ATTR.priority]: priority } : {}),
        "thread.id": threadId,
      },
    }, contextFrom(job.traceparent));
    const finish = (result: R): R => {
      if (result.t === "err") recordFailure(span, result);
      span.end();
      return result;
    };
    let outcome: R | Promise<R>;
    try {
      outcome = context.with(trace.setSpan(context.active(), span), execute);
    } catch (error) {
      // executeJob reports handler errors as results; a throw here is FastWorker's own bug.
      recordFailure(span, describeError(error));
      span.end();
      throw error;
    }
    return outcome instanceof Promise ? outcome.then(finish) : finish(outcome);
  }
}

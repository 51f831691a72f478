/**
 * The execute span, inside the Bun Worker that runs the handler, on the control plane's pool or
 * a subworker's. A Worker has its own OpenTelemetry globals: it traces only when an SDK was
 * registered in it, by FASTWORKER_OTEL_SETUP (imported before the task modules) or by a task
 * module itself. The handler runs with the span active, so spans it starts become children.
 */
import { threadId } from "node:worker_threads";
import { SpanKind, context, trace, type Tracer } from "@opentelemetry/api";
import type { ResultMessage, WireJob } from "../pool/messages.ts";
import { PRIORITIES } from "../model/priority.ts";
import { ATTR, MESSAGING_SYSTEM, contextFrom, describeError, recordFailure, registeredTracer } from "./tracing.ts";

type Outcome = ResultMessage | Promise<ResultMessage>;

export class ExecuteTracing {
  private constructor(private readonly tracer: Tracer) {}

  /** Undefined when no SDK is registered in this thread: the Worker then runs jobs untouched. */
  static create(): ExecuteTracing | undefined {
    const tracer = registeredTracer();
    return tracer ? new ExecuteTracing(tracer) : undefined;
  }

  /** Runs `execute` under a CONSUMER span whose parent is the job's traceparent (the dispatch span). */
  run(job: WireJob, execute: () => Outcome): Outcome {
    const priority = PRIORITIES[job.rank];
    const span = this.tracer.startSpan(`execute ${job.name}`, {
      kind: SpanKind.CONSUMER,
      attributes: {
        [ATTR.system]: MESSAGING_SYSTEM,
        [ATTR.operationName]: "execute",
        [ATTR.operationType]: "process",
        [ATTR.destination]: job.name,
        ...(job.id !== undefined ? { [ATTR.messageId]: job.id } : {}),
        ...(job.attempt !== undefined ? { [ATTR.attempt]: job.attempt } : {}),
        ...(priority !== undefined ? { [ATTR.priority]: priority } : {}),
        "thread.id": threadId,
      },
    }, contextFrom(job.traceparent));
    const finish = (result: ResultMessage): ResultMessage => {
      if (result.t === "err") recordFailure(span, result);
      span.end();
      return result;
    };
    let outcome: Outcome;
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

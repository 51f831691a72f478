/**
 * The client's side of a trace: one PRODUCER span per submitted task, whose context travels to
 * the control plane in TaskSpec.traceparent. Loaded by client-tracing.ts only when an SDK
 * registered a tracer provider, so a client without one never loads @opentelemetry/api and pays
 * a single `undefined` check per submission.
 */
import { SpanKind, context, isSpanContextValid, type Tracer } from "@opentelemetry/api";
import type { TaskSpec } from "../protocol/index.ts";
import { ATTR, describeError, formatTraceparent, messagingAttributes, recordFailure, registeredTracer } from "./tracing.ts";

export class SubmitSpans {
  private constructor(private readonly tracer: Tracer) {}

  /** Undefined when nothing would record the spans: the client then skips tracing entirely. */
  static create(): SubmitSpans | undefined {
    const tracer = registeredTracer();
    return tracer ? new SubmitSpans(tracer) : undefined;
  }

  /**
   * Runs `send` under a `submit <task>` span, child of the caller's active span. The span ends
   * when `send` settles: acceptance for delay/enqueue, the result for submit (whose failure,
   * task errors included, is recorded on it). Writes the span's traceparent into `spec`.
   */
  submit<T>(spec: TaskSpec, send: () => Promise<T>): Promise<T> {
    const span = this.tracer.startSpan(`submit ${spec.name}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        ...messagingAttributes("submit", "send", spec.name, spec.id),
        ...(spec.priority !== undefined ? { [ATTR.priority]: spec.priority } : {}),
      },
    }, context.active());
    const spanContext = span.spanContext();
    if (isSpanContextValid(spanContext)) spec.traceparent = formatTraceparent(spanContext);
    let pending: Promise<T>;
    try {
      pending = send();
    } catch (error) {
      recordFailure(span, describeError(error));
      span.end();
      throw error;
    }
    return pending.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        recordFailure(span, describeError(error));
        span.end();
        throw error;
      },
    );
  }
}

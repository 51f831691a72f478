/**
 * What every span of FastWorker shares: finding out (once) whether an SDK listens, W3C
 * traceparent text in and out of the frames, attribute names, and error recording. The only
 * package FastWorker uses is @opentelemetry/api; the user brings the SDK and the exporter.
 */
import {
  ROOT_CONTEXT, SpanStatusCode, TraceFlags, isSpanContextValid, trace,
  type Context, type Span, type SpanContext, type Tracer, type TracerProvider,
} from "@opentelemetry/api";
import { FASTWORKER_VERSION } from "../protocol/version.ts";
import { ATTR, TRACER_NAME } from "./attributes.ts";
import { telemetryEnabled } from "./config.ts";

export { ATTR, MESSAGING_SYSTEM, messagingAttributes, TRACER_NAME } from "./attributes.ts";

interface DelegatingProvider {
  getDelegateTracer(name: string, version?: string): Tracer | undefined;
}

// The API hands out a proxy provider whose delegate is set when an SDK registers. Duck-typed,
// not instanceof: the SDK may have registered through another copy of @opentelemetry/api.
function isDelegating(provider: TracerProvider): provider is TracerProvider & DelegatingProvider {
  return typeof (provider as Partial<DelegatingProvider>).getDelegateTracer === "function";
}

/**
 * The tracer to use, or undefined when no SDK is registered (or FASTWORKER_TELEMETRY=off).
 * Callers ask once (at start) and keep the answer, so the no-SDK path costs one branch per task.
 * An SDK must therefore be registered before the client, control plane or Worker starts.
 */
export function registeredTracer(): Tracer | undefined {
  if (!telemetryEnabled()) return undefined;
  const provider = trace.getTracerProvider();
  if (isDelegating(provider) && provider.getDelegateTracer(TRACER_NAME, FASTWORKER_VERSION) === undefined) return undefined;
  return trace.getTracer(TRACER_NAME, FASTWORKER_VERSION);
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** W3C trace-context `traceparent` text of a span context (version 00). */
export function formatTraceparent(ctx: SpanContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${(ctx.traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}

/**
 * The remote span context in a `traceparent`, or undefined for text that is not a valid one
 * (frames come from any client: a malformed value must not break the task, only its trace).
 */
export function parseTraceparent(text: string | undefined): SpanContext | undefined {
  if (text === undefined) return undefined;
  const match = TRACEPARENT.exec(text.trim().toLowerCase());
  if (!match || match[1] === "ff" || (match[1] === "00" && match[5] !== undefined)) return undefined;
  const ctx: SpanContext = { traceId: match[2]!, spanId: match[3]!, traceFlags: Number.parseInt(match[4]!, 16) & TraceFlags.SAMPLED, isRemote: true };
  return isSpanContextValid(ctx) ? ctx : undefined;
}

/** A context whose parent is the span in `traceparent` (the root context when there is none). */
export function contextFrom(traceparent: string | undefined): Context {
  const parent = parseTraceparent(traceparent);
  return parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
}

/** A failure as the span shows it: an exception event, `error.type`, and status ERROR. */
export function recordFailure(span: Span, error: { code: string; message: string; stack?: string }): void {
  span.recordException(error.stack === undefined ? { name: error.code, message: error.message } : { name: error.code, message: error.message, stack: error.stack });
  span.setAttribute(ATTR.errorType, error.code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/** Any thrown value as recordFailure's input. */
export function describeError(error: unknown): { code: string; message: string; stack?: string } {
  if (error instanceof Error) {
    const code = "code" in error && typeof error.code === "string" ? error.code : error.name;
    return error.stack === undefined ? { code, message: error.message } : { code, message: error.message, stack: error.stack };
  }
  return { code: "E_UNKNOWN", message: String(error) };
}

/**
 * What a client asks for its submit spans: SubmitTracing.create() answers undefined without an
 * SDK, and only with one loads the spans' code (client-spans.ts, which imports
 * @opentelemetry/api). The client's constructor asks synchronously, hence require(), not import():
 * once a tracer provider is registered the API is in memory already, so the require only links it.
 */
import { telemetryEnabled } from "./config.ts";
import { tracerProviderRegistered } from "./otel-globals.ts";
import type { SubmitSpans } from "./client-spans.ts";

export type SubmitTracing = SubmitSpans;

export const SubmitTracing = {
  /** Undefined when nothing would record the spans: the client then skips tracing entirely. */
  create(): SubmitTracing | undefined {
    if (!telemetryEnabled() || !tracerProviderRegistered()) return undefined;
    const spans = require("./client-spans.ts") as typeof import("./client-spans.ts");
    return spans.SubmitSpans.create();
  },
};

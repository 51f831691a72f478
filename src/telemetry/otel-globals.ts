/**
 * Whether an OpenTelemetry SDK registered a tracer or meter provider in this thread, asked
 * without importing @opentelemetry/api. Without an SDK (the common case) nothing here needs the
 * API, and loading it costs a thread about 2 MB of RSS (measured on the control plane's main
 * thread and in each pool Worker): so the spans' and instruments' code, which does import it,
 * is loaded only once one of these says yes.
 */

/**
 * Where @opentelemetry/api 1.x keeps what was registered (its internal/global-utils): a provider
 * sits there under `trace` / `metrics` once an SDK registered one. Without it the API hands out
 * a delegating proxy with nothing behind it (registeredTracer() answers undefined) or the no-op
 * meter (registerOtelMetrics() registers nothing), so skipping the API changes no answer. An SDK
 * registering through another copy of the 1.x API writes to this same global.
 */
const OTEL_API_GLOBAL = Symbol.for("opentelemetry.js.api.1");

function registered(kind: "trace" | "metrics"): boolean {
  const api = (globalThis as Record<symbol, unknown>)[OTEL_API_GLOBAL];
  return typeof api === "object" && api !== null && kind in api && (api as Record<string, unknown>)[kind] !== undefined;
}

export function tracerProviderRegistered(): boolean {
  return registered("trace");
}

export function meterProviderRegistered(): boolean {
  return registered("metrics");
}

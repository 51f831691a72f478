/**
 * The execute span's code for a Bun Worker, loaded only when that Worker will trace. Most Workers
 * never do (no SDK registered in them), and @opentelemetry/api costs each one about 2 MB of its
 * ~8 MB: so the Worker asks the API's own global registry first, without importing the API.
 */
import { telemetryEnabled } from "./config.ts";
import type { ExecuteTracing } from "./worker-tracing.ts";

/**
 * Where @opentelemetry/api 1.x keeps what was registered (its internal/global-utils): a tracer
 * provider sits there as `trace` once an SDK registered one. Without it the API's tracer provider is
 * a delegating proxy with nothing behind it, which registeredTracer() answers with undefined too.
 */
const OTEL_API_GLOBAL = Symbol.for("opentelemetry.js.api.1");

function tracerProviderRegistered(): boolean {
  const api = (globalThis as Record<symbol, unknown>)[OTEL_API_GLOBAL];
  return typeof api === "object" && api !== null && "trace" in api && api.trace !== undefined;
}

/** The execute spans of this Worker, or undefined (and the API never loaded) when no SDK is registered in it. */
export async function loadExecuteTracing(): Promise<ExecuteTracing | undefined> {
  if (!telemetryEnabled() || !tracerProviderRegistered()) return undefined;
  const { ExecuteTracing } = await import("./worker-tracing.ts");
  return ExecuteTracing.create();
}

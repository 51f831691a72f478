/**
 * The execute span's code for a Bun Worker, loaded only when that Worker will trace. Most Workers
 * never do (no SDK registered in them), and @opentelemetry/api costs each one about 2 MB of its
 * ~8 MB: so the Worker asks the API's own global registry first, without importing the API.
 */
import { telemetryEnabled } from "./config.ts";
import { tracerProviderRegistered } from "./otel-globals.ts";
import type { ExecuteTracing } from "./worker-tracing.ts";

/** The execute spans of this Worker, or undefined (and the API never loaded) when no SDK is registered in it. */
export async function loadExecuteTracing(): Promise<ExecuteTracing | undefined> {
  if (!telemetryEnabled() || !tracerProviderRegistered()) return undefined;
  const { ExecuteTracing } = await import("./worker-tracing.ts");
  return ExecuteTracing.create();
}

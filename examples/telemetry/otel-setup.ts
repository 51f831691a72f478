/**
 * An OpenTelemetry SDK for FastWorker's processes, loaded through FASTWORKER_OTEL_SETUP:
 *
 *   FASTWORKER_OTEL_SETUP=examples/telemetry/otel-setup.ts \
 *     fastworker control-plane --task-modules examples/tasks.ts
 *
 * The control plane imports it on its main thread (enqueue and dispatch spans) and every Bun
 * Worker of its pool imports it again (execute spans): each Worker has its own OpenTelemetry
 * globals. Subworkers' Workers do the same when the variable is set for them.
 *
 * This one prints spans on stderr; docs/telemetry.md shows the OTLP exporter instead.
 */
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BatchSpanProcessor, ConsoleSpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";

const provider = new TracerProvider({
  spanProcessors: [
    // A short delay: a Worker terminated after a timeout or a cancel loses what is still buffered.
    new BatchSpanProcessor({ exporter: new ConsoleSpanExporter(), scheduledDelayMillis: 500 }),
  ],
});
// Lets spans a task handler starts hang under its execute span.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(provider);

// The main thread can flush on the way out; a Worker is terminated without warning.
process.on("beforeExit", () => void provider.shutdown());

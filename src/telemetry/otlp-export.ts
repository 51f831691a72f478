/**
 * Built-in OpenTelemetry export for FASTWORKER_TELEMETRY_ENABLED=true (the Python original's
 * switch), so no setup file is needed: traces and metrics go over OTLP (http/protobuf, the
 * OpenTelemetry default) to OTEL_EXPORTER_OTLP_ENDPOINT, named OTEL_SERVICE_NAME. The SDK and
 * exporter packages are optional: they are imported on demand, and when any is missing the
 * error names exactly what to add.
 */
import { context, metrics, trace } from "@opentelemetry/api";
import { ConfigError } from "../errors.ts";

type Env = Record<string, string | undefined>;

const DEFAULT_SERVICE_NAME = "fastworker";
/** Spans wait at most this long in the batch before they are sent (OTEL_BSP_SCHEDULE_DELAY). */
const DEFAULT_SPAN_DELAY_MS = 5_000;
/** Metrics are pushed this often (OTEL_METRIC_EXPORT_INTERVAL); the original pushed every 60 s. */
const DEFAULT_METRIC_INTERVAL_MS = 60_000;

/** What `bun add` needs for the built-in export, in import order. */
export const OTLP_PACKAGES = [
  "@opentelemetry/sdk-trace",
  "@opentelemetry/sdk-metrics",
  "@opentelemetry/resources",
  "@opentelemetry/exporter-trace-otlp-proto",
  "@opentelemetry/exporter-metrics-otlp-proto",
  "@opentelemetry/context-async-hooks",
] as const;

export interface OtlpExport {
  /** Sends what is buffered and stops the exporters (the CLI calls it after the control plane stopped). */
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider and a meter provider exporting over OTLP in this thread.
 * @throws ConfigError (E_CONFIG) naming the packages to add, or an unsupported protocol.
 */
export async function startOtlpExport(env: Env = process.env): Promise<OtlpExport> {
  const protocol = (env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf").trim();
  if (protocol !== "http/protobuf") {
    throw new ConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol}: the built-in export speaks http/protobuf (collectors listen for it on port 4318); for another protocol register your own SDK with FASTWORKER_OTEL_SETUP`);
  }
  const [traceSdk, metricSdk, resources, traceExporter, metricExporter, contextManager] = await importAll();
  const resource = resources.resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE_NAME });
  const tracerProvider = new traceSdk.TracerProvider({
    resource,
    spanProcessors: [new traceSdk.BatchSpanProcessor({ exporter: new traceExporter.OTLPTraceExporter(), scheduledDelayMillis: millis(env, "OTEL_BSP_SCHEDULE_DELAY", DEFAULT_SPAN_DELAY_MS) })],
  });
  const meterProvider = new metricSdk.MeterProvider({
    resource,
    readers: [new metricSdk.PeriodicExportingMetricReader({ exporter: new metricExporter.OTLPMetricExporter(), exportIntervalMillis: millis(env, "OTEL_METRIC_EXPORT_INTERVAL", DEFAULT_METRIC_INTERVAL_MS) })],
  });
  // Spans a handler starts find the execute span as their parent through async context.
  context.setGlobalContextManager(new contextManager.AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}

/**
 * Imports a package through a specifier the bundler cannot follow: these packages are optional,
 * so an app's `bun build` (or the package build) must neither require nor inline them. The
 * type is the package's own, from `typeof import(...)`, which is erased at build time.
 */
function importOptional<T>(name: string): Promise<T> {
  return import(name) as Promise<T>;
}

/** Imports every package, so one error can name all that are missing rather than the first. */
async function importAll() {
  const [sdkTrace, sdkMetrics, resources, traceExporter, metricExporter, contextHooks] = OTLP_PACKAGES;
  const results = await Promise.allSettled([
    importOptional<typeof import("@opentelemetry/sdk-trace")>(sdkTrace),
    importOptional<typeof import("@opentelemetry/sdk-metrics")>(sdkMetrics),
    importOptional<typeof import("@opentelemetry/resources")>(resources),
    importOptional<typeof import("@opentelemetry/exporter-trace-otlp-proto")>(traceExporter),
    importOptional<typeof import("@opentelemetry/exporter-metrics-otlp-proto")>(metricExporter),
    importOptional<typeof import("@opentelemetry/context-async-hooks")>(contextHooks),
  ] as const);
  const failed = results.flatMap((r, i) => (r.status === "rejected" ? [{ name: OTLP_PACKAGES[i]!, reason: r.reason as unknown }] : []));
  if (failed.length > 0) throw missing(failed.map((f) => f.name), failed[0]!.reason);
  const [a, b, c, d, e, f] = results;
  // Always true after the check above; spelled out so the types narrow without a cast.
  if (a.status !== "fulfilled" || b.status !== "fulfilled" || c.status !== "fulfilled" || d.status !== "fulfilled" || e.status !== "fulfilled" || f.status !== "fulfilled") {
    throw new ConfigError("FASTWORKER_TELEMETRY_ENABLED: the OpenTelemetry packages could not be imported");
  }
  return [a.value, b.value, c.value, d.value, e.value, f.value] as const;
}

function missing(names: readonly string[], cause: unknown): ConfigError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ConfigError(`FASTWORKER_TELEMETRY_ENABLED=true needs the OpenTelemetry SDK and OTLP exporter: bun add ${names.join(" ")} (${detail})`);
}

function millis(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${name} must be a whole number of milliseconds >= 1, got "${raw}"`);
  return n;
}

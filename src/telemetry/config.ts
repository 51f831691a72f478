/**
 * Switches read from the environment, once per thread: they must reach Bun Workers and
 * subworker processes without new flags (Workers share the process environment).
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../errors.ts";
// otlp-export.ts (with @opentelemetry/api and the SDKs) is imported only when the export is asked for.
import type { OtlpExport } from "./otlp-export.ts";

const OFF = /^(0|false|no|off)$/i;
const ON = /^(1|true|yes|on)$/i;

/**
 * FASTWORKER_TELEMETRY=off removes every telemetry hook: no counters, no spans, no lifecycle
 * logs, no /metrics figures beyond the live gauges. The benchmark compares against it.
 */
export function telemetryEnabled(env: Record<string, string | undefined> = process.env): boolean {
  const raw = env.FASTWORKER_TELEMETRY;
  return raw === undefined || !OFF.test(raw.trim());
}

/** FASTWORKER_TELEMETRY_ENABLED=true (1, yes, on) asks for the built-in export. */
export function otlpExportRequested(env: Record<string, string | undefined> = process.env): boolean {
  const raw = env.FASTWORKER_TELEMETRY_ENABLED;
  return raw !== undefined && ON.test(raw.trim());
}

/** FASTWORKER_LOG_TASK_ARGS=true: lifecycle logs include arguments (off by default: they may hold secrets). */
export function logTaskArgs(env: Record<string, string | undefined> = process.env): boolean {
  const raw = env.FASTWORKER_LOG_TASK_ARGS;
  return raw !== undefined && ON.test(raw.trim());
}

let setup: { spec: string; loaded: Promise<void> } | undefined;
let builtIn: Promise<OtlpExport> | undefined;

/**
 * Imports the module named by FASTWORKER_OTEL_SETUP (a path, relative to the working
 * directory, or a file: URL) once in this thread. It is where users register their OpenTelemetry
 * SDK: the control plane's main thread and every pool Worker (on the control plane and on
 * subworkers) import it before they look for a tracer, since each Worker has its own globals.
 *
 * @throws ConfigError (E_CONFIG) when the module cannot be imported: silently running without
 * the tracing the operator asked for would hide the mistake.
 */
export function loadOtelSetup(env: Record<string, string | undefined> = process.env): Promise<void> {
  const spec = telemetryEnabled(env) ? (env.FASTWORKER_OTEL_SETUP?.trim() ?? "") : "";
  // Without a setup file, FASTWORKER_TELEMETRY_ENABLED=true selects the built-in OTLP export (otlp-export.ts).
  if (spec === "" && telemetryEnabled(env) && otlpExportRequested(env)) {
    builtIn ??= import("./otlp-export.ts").then(({ startOtlpExport }) => startOtlpExport(env));
    return builtIn.then(() => undefined);
  }
  if (spec === "") return Promise.resolve();
  if (setup?.spec === spec) return setup.loaded;
  const url = spec.startsWith("file:") ? spec : pathToFileURL(isAbsolute(spec) ? spec : resolve(process.cwd(), spec)).href;
  const loaded = import(url).then(
    () => undefined,
    (error: unknown) => {
      throw new ConfigError(`FASTWORKER_OTEL_SETUP: cannot import ${spec}: ${error instanceof Error ? error.message : String(error)}`);
    },
  );
  setup = { spec, loaded };
  return loaded;
}

/** Flushes and stops the built-in OTLP export of this thread, if it was started (a no-op otherwise). */
export async function shutdownOtelExport(): Promise<void> {
  const started = builtIn;
  builtIn = undefined;
  if (started) await (await started).shutdown();
}

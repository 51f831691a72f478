/**
 * Telemetry of one control plane: counters (always, as plain numbers), spans and OpenTelemetry
 * instruments (when an SDK is registered), lifecycle logs (at debug level). All of it hangs on
 * the task table's listener sets for state changes and ends, which see every change, so
 * nothing is added to the dispatcher, the pool or the NNG handlers.
 */
import { logEnabled } from "../log.ts";
import type { TaskState } from "../model/task-state.ts";
import type { ObservedTask, TelemetryHost } from "./control-plane-host.ts";
import { loadOtelSetup, logTaskArgs, telemetryEnabled } from "./config.ts";
import type { ControlPlaneTracing } from "./cp-spans.ts";
import { readGauges } from "./gauges.ts";
import { LifecycleLog } from "./lifecycle-log.ts";
import { meterProviderRegistered, tracerProviderRegistered } from "./otel-globals.ts";
import { TaskMetrics } from "./task-metrics.ts";

/** Errors of a broken exporter or logger are reported on the 1st, 1000th, 2000th, ... occurrence. */
const REPORT_EVERY = 1000;

export class ControlPlaneTelemetry<E extends ObservedTask = ObservedTask> {
  readonly metrics = new TaskMetrics();
  private tracing: ControlPlaneTracing | undefined;
  private removeInstruments: (() => void) | undefined;
  private readonly lifecycle: LifecycleLog | undefined;
  private errors = 0;

  constructor(private readonly cp: TelemetryHost<E>) {
    this.lifecycle = logEnabled(cp.log, "debug") ? new LifecycleLog(cp.log, logTaskArgs()) : undefined;
    const table = cp.table;
    table.listeners.state.add((entry, from) => this.onState(entry, from));
    table.listeners.terminal.add((entry) => this.onTerminal(entry));
  }

  /** True while spans are created (an SDK was registered when the control plane started). */
  get tracingEnabled(): boolean {
    return this.tracing !== undefined;
  }

  /**
   * Imports FASTWORKER_OTEL_SETUP (if set), then looks once for a tracer and a meter provider.
   * Called at the top of ControlPlane.start(), before recovery admits journaled tasks.
   * The spans' and instruments' code (and with it @opentelemetry/api) is imported only for a
   * provider an SDK registered: without one the control plane never loads the API.
   */
  async start(): Promise<void> {
    await loadOtelSetup();
    if (tracerProviderRegistered()) {
      const { registeredTracer } = await import("./tracing.ts");
      const tracer = registeredTracer();
      if (tracer) {
        const { ControlPlaneTracing } = await import("./cp-spans.ts");
        this.tracing = new ControlPlaneTracing(tracer);
      }
    }
    if (meterProviderRegistered()) {
      const { registerOtelMetrics } = await import("./otel-metrics.ts");
      this.removeInstruments = registerOtelMetrics(this.metrics, () => readGauges(this.cp));
    }
    if (this.tracing || this.removeInstruments) {
      this.cp.log("info", "OpenTelemetry SDK found", { tracing: this.tracing !== undefined, metrics: this.removeInstruments !== undefined });
    }
  }

  stop(): void {
    this.tracing?.close();
    this.tracing = undefined;
    this.removeInstruments?.();
    this.removeInstruments = undefined;
  }

  private onState(entry: E, from: TaskState): void {
    try {
      this.metrics.onState(entry, from);
      this.tracing?.onState(entry, from);
      this.lifecycle?.onState(entry, from);
    } catch (error) {
      this.failed(error);
    }
  }

  private onTerminal(entry: E): void {
    try {
      this.metrics.onTerminal(entry);
      this.tracing?.onTerminal(entry);
      this.lifecycle?.onTerminal(entry);
    } catch (error) {
      this.failed(error);
    }
  }

  // Telemetry must never stop a task from moving on: a throwing SDK or logger is reported, not propagated.
  private failed(error: unknown): void {
    if (this.errors++ % REPORT_EVERY !== 0) return;
    this.cp.log("error", "telemetry failed while recording a task event; the task itself is unaffected", {
      error: error instanceof Error ? (error.stack ?? error.message) : String(error), occurrences: this.errors,
    });
  }
}

/** The control plane's telemetry, or undefined with FASTWORKER_TELEMETRY=off (then no hook at all). */
export function attachTelemetry<E extends ObservedTask>(cp: TelemetryHost<E>): ControlPlaneTelemetry<E> | undefined {
  return telemetryEnabled() ? new ControlPlaneTelemetry(cp) : undefined;
}

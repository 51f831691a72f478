/**
 * What telemetry reads from a control plane, as narrow structural types (the way
 * scheduler/control-plane-host.ts does it for the scheduler): telemetry sits below
 * control-plane/ in the layer order (docs/architecture.md), so it names the fields it uses
 * instead of importing ControlPlane or TaskEntry. Both satisfy these types as they are.
 */
import type { WireError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { CountedTable, CountedWorker } from "../model/live-counts.ts";
import type { Priority } from "../model/priority.ts";
import type { StateHistoryEntry, TaskState } from "../model/task-state.ts";
import type { TaskRecord } from "../protocol/index.ts";
import type { HistogramData, TaskMetrics } from "./task-metrics.ts";

/** The fields of one task (the control plane's TaskEntry) that metrics, spans and lifecycle logs read. */
export interface ObservedTask {
  readonly id: string;
  readonly name: string;
  readonly args: unknown[];
  readonly kwargs?: Record<string, unknown>;
  readonly priority: Priority;
  readonly state: TaskState;
  /** Packed: read with model/state-history.ts. */
  readonly history: readonly number[];
  readonly attempts: number;
  readonly submittedAt: number;
  readonly dueAt?: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly error?: WireError;
  readonly workerId?: string;
  readonly traceparent?: string;
}

/** A control plane as its live gauges (queue depth, workers, cache size) are read from it. */
export interface GaugeSource {
  readonly table: CountedTable;
  workers(): Iterable<CountedWorker>;
}

/** A control plane as telemetry attaches to it: the task table's listener sets for state changes and ends. */
export interface TelemetryHost<E extends ObservedTask> extends GaugeSource {
  readonly log: Logger;
  readonly table: GaugeSource["table"] & {
    readonly listeners: {
      readonly state: { add(listener: (entry: E, from: TaskState) => void): () => void };
      readonly terminal: { add(listener: (entry: E, record: TaskRecord) => void): () => void };
    };
  };
}

/** A control plane as its Prometheus exposition reads it. */
export interface MetricsHost extends GaugeSource {
  readonly telemetry: { readonly metrics: TaskMetrics } | undefined;
  /** Why journal writes fail, while they do. */
  readonly storeDegraded: string | undefined;
  /** Epoch ms. */
  readonly startedAt: number;
  /** Role, lease epoch and journal backend (the control plane's `cluster`). */
  readonly cluster: { readonly role: string; readonly epoch?: number; readonly journal: string };
  /** A durable store's counters (store/journal-health.ts), undefined in memory-only mode. */
  readonly journalStats: { readonly commitSeconds: HistogramData; readonly errors: Readonly<Record<string, number>> } | undefined;
  /** A durable store's health, undefined in memory-only mode. */
  readonly journal: { readonly pendingWrites: number; readonly commitInFlightMs: number | null; readonly quarantined: number } | undefined;
}

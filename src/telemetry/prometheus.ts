/**
 * `GET /metrics`: the control plane's figures in the Prometheus text exposition format (0.0.4),
 * rendered by a small writer of our own, so scraping needs no OpenTelemetry SDK. The figures are
 * the ones the OpenTelemetry instruments report (otel-metrics.ts), under Prometheus names.
 */
import { PRIORITIES } from "../model/priority.ts";
import type { MetricsHost } from "./control-plane-host.ts";
import { readGauges } from "./gauges.ts";
import { COUNTER_HELP, COUNTERS, DURATION_BUCKETS, QUEUE_WAIT_BUCKETS, type HistogramData, type TaskSeries } from "./task-metrics.ts";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type Labels = Readonly<Record<string, string>>;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function formatLabels(labels: Labels | undefined): string {
  if (labels === undefined) return "";
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/** Builds one exposition: each family is its HELP and TYPE lines followed by its samples. */
export class PrometheusText {
  private readonly lines: string[] = [];

  family(name: string, type: "counter" | "gauge" | "histogram", help: string): this {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, value: number, labels?: Labels): this {
    this.lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
    return this;
  }

  /** Cumulative `_bucket` samples (ending with le="+Inf"), then `_sum` and `_count`. */
  histogram(name: string, data: HistogramData, labels: Labels): this {
    let cumulative = 0;
    data.bounds.forEach((bound, i) => {
      cumulative += data.counts[i]!;
      this.sample(`${name}_bucket`, cumulative, { ...labels, le: String(bound) });
    });
    this.sample(`${name}_bucket`, data.count, { ...labels, le: "+Inf" });
    this.sample(`${name}_sum`, data.sum, labels);
    return this.sample(`${name}_count`, data.count, labels);
  }

  toString(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

export interface ControlPlaneMetrics {
  readonly contentType: string;
  /** The exposition as of now; cost grows with task names × priorities, never with tasks run. */
  render(): string;
}

/**
 * The Prometheus view of a control plane. Counters and histograms come from its telemetry
 * (absent with FASTWORKER_TELEMETRY=off: then only the live gauges are shown).
 */
export function createMetrics(cp: MetricsHost): ControlPlaneMetrics {
  return {
    contentType: PROMETHEUS_CONTENT_TYPE,
    render: () => renderMetrics(cp),
  };
}

export function renderMetrics(cp: MetricsHost): string {
  const out = new PrometheusText();
  const series = [...(cp.telemetry?.metrics.series.values() ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const slots = used(series);

  COUNTERS.forEach((counter, c) => {
    const name = `fastworker_tasks_${counter}_total`;
    out.family(name, "counter", COUNTER_HELP[counter]);
    for (const { s, rank, labels } of slots) out.sample(name, s.counters[c * PRIORITIES.length + rank]!, labels);
  });
  out.family("fastworker_tasks_running", "gauge", "Attempts running now, by task and priority.");
  for (const { s, rank, labels } of slots) out.sample("fastworker_tasks_running", s.running[rank]!, labels);

  const live = readGauges(cp);
  out.family("fastworker_queue_depth", "gauge", "Tasks ready to run and waiting for a worker, by priority.");
  for (const priority of PRIORITIES) out.sample("fastworker_queue_depth", live.queueDepth[priority], { priority });
  out.family("fastworker_tasks_scheduled", "gauge", "Tasks waiting for a due time (eta, countdown, retry backoff).").sample("fastworker_tasks_scheduled", live.scheduled);
  out.family("fastworker_workers_active", "gauge", "Capacity sources taking work (the control plane's pool and each subworker).").sample("fastworker_workers_active", live.workersActive);
  out.family("fastworker_workers_capacity", "gauge", "Task slots of the active capacity sources.").sample("fastworker_workers_capacity", live.workersCapacity);
  out.family("fastworker_result_cache_size", "gauge", "Finished tasks whose results are kept.").sample("fastworker_result_cache_size", live.resultCacheSize);
  renderJournal(out, cp);
  renderCluster(out, cp.cluster);
  out.family("fastworker_start_time_seconds", "gauge", "When this control plane started, in seconds since the epoch.").sample("fastworker_start_time_seconds", cp.startedAt / 1000);

  out.family("fastworker_task_duration_seconds", "histogram", `Run time of each attempt, from dispatch to its outcome reaching the control plane (buckets up to ${DURATION_BUCKETS.at(-1)} s).`);
  for (const { s, rank, labels } of slots) out.histogram("fastworker_task_duration_seconds", s.duration[rank]!, labels);
  out.family("fastworker_task_queue_wait_seconds", "histogram", `Time a task spent ready in the queue before dispatch (buckets up to ${QUEUE_WAIT_BUCKETS.at(-1)} s).`);
  for (const { s, rank, labels } of slots) out.histogram("fastworker_task_queue_wait_seconds", s.queueWait[rank]!, labels);
  return out.toString();
}

/** The journal's figures; only the degraded gauge (0) without a journal, so dashboards need no special case. */
function renderJournal(out: PrometheusText, cp: MetricsHost): void {
  out.family("fastworker_journal_degraded", "gauge", "1 while journal writes fail: new submissions are refused with E_JOURNAL and the writer retries with backoff.").sample("fastworker_journal_degraded", cp.storeDegraded ? 1 : 0);
  const stats = cp.journalStats;
  const health = cp.journal;
  if (stats === undefined || health === undefined) return;
  out.family("fastworker_journal_commit_seconds", "histogram", "Time of each group commit on the journal's writer thread (fsync included with --journal-sync full).");
  out.histogram("fastworker_journal_commit_seconds", stats.commitSeconds, {});
  out.family("fastworker_journal_errors_total", "counter", "Journal writes that failed, by operation (commit, compact, close); each is retried with backoff.");
  for (const [operation, count] of Object.entries(stats.errors)) out.sample("fastworker_journal_errors_total", count, { operation });
  out.family("fastworker_journal_pending_writes", "gauge", "Journal writes waiting for the next commit.").sample("fastworker_journal_pending_writes", health.pendingWrites);
  out.family("fastworker_journal_commit_in_flight_seconds", "gauge", "How long the commit under way has been running (0 when none): a stalled disk shows here.").sample("fastworker_journal_commit_in_flight_seconds", (health.commitInFlightMs ?? 0) / 1000);
  out.family("fastworker_journal_quarantined_rows", "gauge", "Journal rows recovery could not decode and moved to the quarantine table.").sample("fastworker_journal_quarantined_rows", health.quarantined);
}

/** Role and lease epoch (active/standby on PostgreSQL), and the journal backend, as info-style gauges. */
function renderCluster(out: PrometheusText, cluster: MetricsHost["cluster"]): void {
  out.family("fastworker_ha_role", "gauge", "1 for this control plane's role: single (no standby shares its journal) or leader (active, with standbys on the same PostgreSQL journal).");
  out.sample("fastworker_ha_role", 1, { role: cluster.role });
  out.family("fastworker_ha_epoch", "gauge", "The leader lease's epoch this control plane holds (0 when not active/standby); it grows by one at each takeover.");
  out.sample("fastworker_ha_epoch", cluster.epoch ?? 0);
  out.family("fastworker_journal_info", "gauge", "1, labelled with where the journal lives: memory (none), sqlite or postgres.");
  out.sample("fastworker_journal_info", 1, { backend: cluster.journal });
}

/** The (task, priority) pairs that saw any task: untouched pairs are left out rather than shown as zeros. */
function used(series: readonly TaskSeries[]): Array<{ s: TaskSeries; rank: number; labels: Labels }> {
  const slots: Array<{ s: TaskSeries; rank: number; labels: Labels }> = [];
  for (const s of series) {
    PRIORITIES.forEach((priority, rank) => {
      if (s.used(rank)) slots.push({ s, rank, labels: { task: s.name, priority } });
    });
  }
  return slots;
}

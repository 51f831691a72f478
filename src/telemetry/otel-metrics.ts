/**
 * The control plane's figures as OpenTelemetry instruments, for users whose SDK exports metrics
 * (OTLP, Prometheus exporter, ...). Counters and gauges are observable: the SDK reads the plain
 * numbers of TaskMetrics when it collects, so the task path never calls into the SDK for them.
 * Histograms have no observable form in the API; they are recorded per attempt, and only while
 * a real MeterProvider is registered.
 */
import { createNoopMeter, metrics, type Attributes, type BatchObservableCallback, type Histogram, type Observable } from "@opentelemetry/api";
import { FASTWORKER_VERSION } from "../protocol/version.ts";
import { PRIORITIES } from "../model/priority.ts";
import type { LiveGauges } from "./gauges.ts";
import { COUNTER_HELP, COUNTERS, DURATION_BUCKETS, QUEUE_WAIT_BUCKETS, type TaskMetrics, type TaskSeries } from "./task-metrics.ts";
import { ATTR, MESSAGING_SYSTEM, TRACER_NAME } from "./attributes.ts";

/**
 * Registers the instruments on the global MeterProvider; returns how to remove them, or
 * undefined when no provider is registered (then nothing at all is done per task).
 */
export function registerOtelMetrics(store: TaskMetrics, gauges: () => LiveGauges): (() => void) | undefined {
  const meter = metrics.getMeter(TRACER_NAME, FASTWORKER_VERSION);
  if (meter === createNoopMeter()) return undefined;

  const counters = COUNTERS.map((name) => meter.createObservableCounter(`fastworker.tasks.${name}`, { description: COUNTER_HELP[name], unit: "{task}" }));
  const running = meter.createObservableGauge("fastworker.tasks.running", { description: "Attempts running now, by task and priority.", unit: "{task}" });
  const queueDepth = meter.createObservableGauge("fastworker.queue.depth", { description: "Tasks ready to run and waiting for a worker, by priority.", unit: "{task}" });
  const scheduled = meter.createObservableGauge("fastworker.tasks.scheduled", { description: "Tasks waiting for a due time (eta, countdown, retry backoff).", unit: "{task}" });
  const workersActive = meter.createObservableGauge("fastworker.workers.active", { description: "Capacity sources taking work (the local pool and each subworker).", unit: "{worker}" });
  const observables: Observable[] = [...counters, running, queueDepth, scheduled, workersActive];

  // Attribute objects are built once per (task, priority), not per collection or per task.
  const attributes = new WeakMap<TaskSeries, Attributes[]>();
  const attributesOf = (series: TaskSeries): Attributes[] => {
    let list = attributes.get(series);
    if (list === undefined) {
      list = PRIORITIES.map((priority) => ({ [ATTR.system]: MESSAGING_SYSTEM, [ATTR.destination]: series.name, [ATTR.priority]: priority }));
      attributes.set(series, list);
    }
    return list;
  };
  const priorityAttributes = PRIORITIES.map((priority) => ({ [ATTR.system]: MESSAGING_SYSTEM, [ATTR.priority]: priority }));
  const systemAttributes = { [ATTR.system]: MESSAGING_SYSTEM };

  const collect: BatchObservableCallback = (result) => {
    for (const series of store.series.values()) {
      const list = attributesOf(series);
      for (let rank = 0; rank < PRIORITIES.length; rank++) {
        if (!series.used(rank)) continue;
        for (let c = 0; c < counters.length; c++) result.observe(counters[c]!, series.counters[c * PRIORITIES.length + rank]!, list[rank]);
        result.observe(running, series.running[rank]!, list[rank]);
      }
    }
    const live = gauges();
    PRIORITIES.forEach((priority, rank) => result.observe(queueDepth, live.queueDepth[priority], priorityAttributes[rank]));
    result.observe(scheduled, live.scheduled, systemAttributes);
    result.observe(workersActive, live.workersActive, systemAttributes);
  };
  meter.addBatchObservableCallback(collect, observables);

  const histograms: Record<"duration" | "queueWait", Histogram> = {
    duration: meter.createHistogram("fastworker.task.duration", {
      description: "Run time of each attempt, from dispatch to its outcome reaching the control plane.",
      unit: "s", advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    }),
    queueWait: meter.createHistogram("fastworker.task.queue_wait", {
      description: "Time a task spent ready in the queue before it was dispatched.",
      unit: "s", advice: { explicitBucketBoundaries: [...QUEUE_WAIT_BUCKETS] },
    }),
  };
  store.onObserve = (kind, series, rank, seconds) => histograms[kind].record(seconds, attributesOf(series)[rank]);

  return () => {
    meter.removeBatchObservableCallback(collect, observables);
    store.onObserve = undefined;
  };
}

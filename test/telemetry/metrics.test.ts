/**
 * The control plane's figures: Prometheus text served by GET /metrics (parsed strictly, counters
 * checked against the tasks run) and the same figures through OpenTelemetry instruments.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { metrics } from "@opentelemetry/api";
import { MeterProvider, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { Elysia } from "elysia";
import { createControlPlane, type ControlPlane } from "../../src/control-plane/index.ts";
import { silentLogger } from "../../src/log.ts";
import { metricsRoute } from "../../src/server/metrics-route.ts";
import { createMetrics, PROMETHEUS_CONTENT_TYPE, PrometheusText } from "../../src/telemetry/index.ts";
import { HistogramData } from "../../src/telemetry/task-metrics.ts";
import { freeAddress } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { TASKS } from "./helpers.ts";
import { parsePrometheus, sampleValue } from "./prom-parse.ts";

/** Collects on demand: the test reads what an exporter would receive. */
class TestReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

const reader = new TestReader();
const meterProvider = new MeterProvider({ readers: [reader] });
let cp: ControlPlane;

beforeAll(async () => {
  // Registered before the control plane starts: it looks for a meter provider once, at start.
  metrics.setGlobalMeterProvider(meterProvider);
  cp = await createControlPlane({ taskModules: [TASKS], address: await freeAddress(), discoveryAddress: null, concurrency: 2, log: silentLogger });
  const client = cp.client();
  const settle = (p: Promise<unknown>) => p.then(() => "ok", () => "failed");
  const outcomes = await Promise.all([
    ...Array.from({ length: 50 }, (_, i) => settle(client.submit("ok", [i]))),
    ...Array.from({ length: 4 }, () => settle(client.submit("fails"))),
    settle(client.submit("slow", [2_000])),
  ]);
  expect(outcomes.filter((o) => o === "ok")).toHaveLength(50);
  expect(outcomes.filter((o) => o === "failed")).toHaveLength(5);
  const later = await client.enqueue("ok", [0], { priority: "low", countdownMs: 60_000 });
  expect(await client.cancel(later)).toBe(true);
});

afterAll(async () => {
  await cp.stop();
  metrics.disable();
  await meterProvider.shutdown();
});

describe("GET /metrics", () => {
  test("serves Prometheus text whose counters match the tasks run: 50 successes, 5 failures (1 timeout), 4 retries, 1 cancel", async () => {
    const app = new Elysia().use(metricsRoute(createMetrics(cp)));
    const response = await app.handle(new Request("http://127.0.0.1/metrics"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(PROMETHEUS_CONTENT_TYPE);
    const families = parsePrometheus(await response.text());

    expect(families.get("fastworker_tasks_submitted_total")?.type).toBe("counter");
    expect(families.get("fastworker_queue_depth")?.type).toBe("gauge");
    expect(families.get("fastworker_task_duration_seconds")?.type).toBe("histogram");
    const v = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, labels);
    const okNormal = { task: "ok", priority: "normal" };
    const failsNormal = { task: "fails", priority: "normal" };
    const slowNormal = { task: "slow", priority: "normal" };
    expect(v("fastworker_tasks_submitted_total", okNormal)).toBe(50);
    expect(v("fastworker_tasks_succeeded_total", okNormal)).toBe(50);
    expect(v("fastworker_tasks_failed_total", okNormal)).toBe(0);
    expect(v("fastworker_tasks_submitted_total", failsNormal)).toBe(4);
    expect(v("fastworker_tasks_retried_total", failsNormal)).toBe(4);
    expect(v("fastworker_tasks_failed_total", failsNormal)).toBe(4);
    expect(v("fastworker_tasks_failed_total", slowNormal)).toBe(1);
    expect(v("fastworker_tasks_timed_out_total", slowNormal)).toBe(1);
    expect(v("fastworker_tasks_cancelled_total", { task: "ok", priority: "low" })).toBe(1);
    // Priorities nothing ran at are left out, not shown as zeros.
    expect(v("fastworker_tasks_submitted_total", { task: "ok", priority: "critical" })).toBeUndefined();

    // One duration and one queue wait per attempt: 50 ok, 4 × 2 fails, 1 slow.
    expect(v("fastworker_task_duration_seconds_count", okNormal)).toBe(50);
    expect(v("fastworker_task_duration_seconds_count", failsNormal)).toBe(8);
    expect(v("fastworker_task_queue_wait_seconds_count", failsNormal)).toBe(8);
    expect(v("fastworker_task_duration_seconds_bucket", { ...slowNormal, le: "0.05" })).toBe(0);
    expect(v("fastworker_task_duration_seconds_bucket", { ...slowNormal, le: "0.5" })).toBe(1);
    expect(v("fastworker_task_duration_seconds_sum", slowNormal)).toBeGreaterThanOrEqual(0.1);

    expect(v("fastworker_tasks_running", okNormal)).toBe(0);
    for (const priority of ["critical", "high", "normal", "low"]) expect(v("fastworker_queue_depth", { priority })).toBe(0);
    expect(v("fastworker_tasks_scheduled")).toBe(0);
    expect(v("fastworker_workers_active")).toBe(1);
    expect(v("fastworker_workers_capacity")).toBe(2);
    expect(v("fastworker_start_time_seconds")).toBe(cp.startedAt / 1000);
  });

  test("queue depth and running tasks are live", async () => {
    // The Worker replaced after the timeout above may still be starting: wait for both slots.
    const local = cp.dispatcher.all()[0]!;
    await waitFor(() => local.idleSlots() === 2, { timeoutMs: 2_000, intervalMs: 10, message: "both local slots to be idle" });
    const client = cp.client();
    const render = () => parsePrometheus(createMetrics(cp).render());
    const tasks = [client.submit("slow", [90]), client.submit("slow", [90])];
    try {
      // The 90 ms tasks are short: poll tightly so the critical one queues while they still run.
      await waitFor(() => sampleValue(render(), "fastworker_tasks_running", { task: "slow", priority: "normal" }) === 2, { timeoutMs: 2_000, intervalMs: 1, message: "both slow tasks to run" });
      // Workers prefetch up to 32 short tasks each (adaptive prefetch, after the "ok" runs above):
      // submit more critical ones than both can hold, so some must wait in the control plane's queue.
      const critical = 100;
      for (let i = 0; i < critical; i++) tasks.push(client.submit("ok", [i], { priority: "critical" }));
      const families = await waitFor(() => {
        const now = render();
        return (sampleValue(now, "fastworker_queue_depth", { priority: "critical" }) ?? 0) > 0 && now;
      }, { timeoutMs: 2_000, intervalMs: 1, message: "critical tasks to queue behind them" });
      expect(sampleValue(families, "fastworker_tasks_running", { task: "slow", priority: "normal" })).toBe(2);
      const queued = sampleValue(families, "fastworker_queue_depth", { priority: "critical" })!;
      expect(queued).toBeGreaterThan(0);
      expect(queued).toBeLessThanOrEqual(critical);
      for (const priority of ["high", "normal", "low"]) expect(sampleValue(families, "fastworker_queue_depth", { priority })).toBe(0);
    } finally {
      await Promise.allSettled(tasks);
    }
  });
});

describe("the Prometheus writer", () => {
  test("escapes label values and help text, and writes cumulative buckets ending in +Inf", () => {
    const data = new HistogramData([0.1, 1]);
    for (const x of [0.05, 0.1, 0.5, 3]) data.observe(x);
    const text = new PrometheusText()
      .family("t_total", "counter", "a \\ help\nline").sample("t_total", 1, { task: 'we"ird\\name\n' })
      .family("h", "histogram", "h").histogram("h", data, { task: "x" })
      .toString();
    expect(text).toContain("# HELP t_total a \\\\ help\\nline");
    const families = parsePrometheus(text);
    expect(families.get("t_total")!.samples[0]!.labels.task).toBe('we"ird\\name\n');
    expect(sampleValue(families, "h_bucket", { task: "x", le: "0.1" })).toBe(2);
    expect(sampleValue(families, "h_bucket", { task: "x", le: "1" })).toBe(3);
    expect(sampleValue(families, "h_bucket", { task: "x", le: "+Inf" })).toBe(4);
    expect(sampleValue(families, "h_sum", { task: "x" })).toBeCloseTo(3.65);
  });
});

describe("OpenTelemetry instruments", () => {
  test("report the same counters, gauges and histograms to a registered MeterProvider", async () => {
    const { resourceMetrics, errors } = await reader.collect();
    expect(errors).toEqual([]);
    const point = (name: string, attributes: Record<string, string>) => findPoint(resourceMetrics, name, attributes);
    const ok = { "messaging.system": "fastworker", "messaging.destination.name": "ok", "fastworker.task.priority": "normal" };
    const fails = { ...ok, "messaging.destination.name": "fails" };
    expect(point("fastworker.tasks.submitted", ok)).toBeGreaterThanOrEqual(50);
    expect(point("fastworker.tasks.succeeded", ok)).toBeGreaterThanOrEqual(50);
    expect(point("fastworker.tasks.retried", fails)).toBe(4);
    expect(point("fastworker.tasks.failed", fails)).toBe(4);
    expect(point("fastworker.workers.active", { "messaging.system": "fastworker" })).toBe(1);
    expect(point("fastworker.queue.depth", { "messaging.system": "fastworker", "fastworker.task.priority": "high" })).toBe(0);
    expect(point("fastworker.task.duration", fails)).toBe(8);
  });
});

/** A sum or gauge point's value, or a histogram point's count. */
function findPoint(resourceMetrics: ResourceMetrics, name: string, attributes: Record<string, string>): number | undefined {
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const p of metric.dataPoints) {
        if (JSON.stringify(Object.entries(p.attributes).sort()) !== JSON.stringify(Object.entries(attributes).sort())) continue;
        const value: unknown = p.value;
        if (typeof value === "number") return value;
        if (typeof value === "object" && value !== null && "count" in value && typeof value.count === "number") return value.count;
      }
    }
  }
  return undefined;
}

export { createMetrics, renderMetrics, PrometheusText, PROMETHEUS_CONTENT_TYPE, type ControlPlaneMetrics, type Labels } from "./prometheus.ts";
export { ControlPlaneTelemetry, attachTelemetry } from "./control-plane.ts";
export { TaskMetrics, TaskSeries, HistogramData, COUNTERS, DURATION_BUCKETS, QUEUE_WAIT_BUCKETS, type CounterName } from "./task-metrics.ts";
export { telemetryEnabled, logTaskArgs, loadOtelSetup, shutdownOtelExport } from "./config.ts";
export { formatTraceparent, parseTraceparent, registeredTracer, ATTR, MESSAGING_SYSTEM, TRACER_NAME } from "./tracing.ts";
export { readGauges, type LiveGauges } from "./gauges.ts";

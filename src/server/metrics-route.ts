/**
 * `GET /metrics` for Prometheus, mounted on the dashboard's server. The text comes from
 * src/telemetry/prometheus.ts (createMetrics(cp)); this file only serves it. It sits behind the
 * dashboard's access control like every other route: on loopback without a token it is open,
 * beyond loopback a scraper sends `Authorization: Bearer <FASTWORKER_GUI_TOKEN>`.
 */
import { Elysia } from "elysia";

/** What createMetrics(cp) returns; kept structural so the server does not depend on telemetry. */
export interface MetricsText {
  readonly contentType: string;
  render(): string;
}

export function metricsRoute(metrics: MetricsText) {
  return new Elysia({ name: "fastworker-metrics" }).get("/metrics", () =>
    new Response(metrics.render(), { headers: { "content-type": metrics.contentType, "cache-control": "no-store" } }),
  );
}

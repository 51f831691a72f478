// `bun bench/dashboard.ts`: dashboard API latency while the control plane is saturated with trivial
// tasks, with a browser-like event stream open. The control plane and the load each run in their
// own process (started here); this process only times HTTP requests, one at a time.
// Prints one JSON line per scenario: {scenario, p50_ms, p99_ms, max_ms, requests, ...}.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../src/client/index.ts";
import type { MetricsJson } from "../src/server/api-types.ts";
import { freePort, percentile as quantile, spawnControlPlane } from "./lib.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
/** Load levels to measure: tasks kept in flight by the load process (both saturate the control plane; more in flight means bigger batches per turn of its loop). */
const IN_FLIGHT = (process.env.BENCH_IN_FLIGHT ?? "256,2048").split(",").map(Number);
/** BENCH_SSE=0 measures without an open event stream. */
const WITH_STREAM = process.env.BENCH_SSE !== "0";
/** BENCH_JOURNAL=0 runs the control plane in memory only (--no-journal). */
const WITH_JOURNAL = process.env.BENCH_JOURNAL !== "0";
const ENDPOINTS = ["/api/status", "/api/workers", "/api/queues", "/api/metrics", "/api/tasks?limit=25", "/api/tasks?limit=25&status=success", "/api/registered-tasks", "/api/cache"];

/** The load: keeps IN_FLIGHT trivial tasks submitted-and-awaited at all times, until killed. */
async function flood(address: string, inFlight: number): Promise<void> {
  const client = await new Client({ address }).start();
  const lane = async () => {
    for (let i = 0; ; i++) await client.submit("noop", [i]);
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
}

/** Milliseconds with two decimals. */
const percentile = (sorted: number[], q: number) => quantile(sorted, q, 2);

async function startControlPlane(): Promise<{ base: string; address: string; proc: Bun.Subprocess; dataDir: string }> {
  const [bus, http] = [await freePort(), await freePort()];
  const address = `tcp://127.0.0.1:${bus}`;
  // The journal stays on (the default), in a scratch folder rather than ./.fastworker.
  const dataDir = mkdtempSync(join(tmpdir(), "fw-bench-dashboard-"));
  const proc = await spawnControlPlane(["--task-modules", "bench/fixtures/tasks.ts", "--base-address", address, "--no-discovery",
    ...(WITH_JOURNAL ? ["--data-dir", dataDir] : ["--no-journal"]), "--concurrency", "2", "--gui-port", String(http), "--log-level", "warn"],
    { ready: /dashboard: +http/ });
  return { base: `http://127.0.0.1:${http}`, address, proc, dataDir };
}

/** An open /api/events stream read as fast as it comes, like a browser tab; counts events. */
function openStream(base: string): { events: () => number; close: () => void } {
  const abort = new AbortController();
  let events = 0;
  void (async () => {
    const response = await fetch(`${base}/api/events`, { signal: abort.signal });
    const decoder = new TextDecoder();
    for await (const chunk of response.body!) events += (decoder.decode(chunk, { stream: true }).match(/^event: /gm) ?? []).length;
  })().catch((error: unknown) => {
    if (!abort.signal.aborted) console.error("event stream failed:", error);
  });
  return { events: () => events, close: () => abort.abort() };
}

interface Measured {
  all: number[];
  /** The dashboard's own time per request (its Server-Timing header), without waiting for the loop. */
  handler: number[];
  byEndpoint: Record<string, number[]>;
  handlerByEndpoint: Record<string, number[]>;
}

async function measure(base: string, seconds: number): Promise<Measured> {
  const all: number[] = [];
  const handler: number[] = [];
  const byEndpoint: Record<string, number[]> = Object.fromEntries(ENDPOINTS.map((e) => [e, []]));
  const handlerByEndpoint: Record<string, number[]> = Object.fromEntries(ENDPOINTS.map((e) => [e, []]));
  const end = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < end; i++) {
    const path = ENDPOINTS[i % ENDPOINTS.length]!;
    const started = performance.now();
    const response = await fetch(`${base}${path}`);
    await response.arrayBuffer();
    const ms = performance.now() - started;
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    all.push(ms);
    byEndpoint[path]!.push(ms);
    const own = Number(/app;dur=([\d.]+)/.exec(response.headers.get("server-timing") ?? "")?.[1] ?? Number.NaN);
    handler.push(own);
    handlerByEndpoint[path]!.push(own);
    await Bun.sleep(10);
  }
  return { all: all.sort((a, b) => a - b), handler: handler.sort((a, b) => a - b), byEndpoint, handlerByEndpoint };
}

function row(scenario: string, result: Measured, extra: Record<string, unknown> = {}): void {
  const p99 = (series: Record<string, number[]>) => Object.fromEntries(Object.entries(series).map(([path, ms]) => [path, percentile(ms.sort((a, b) => a - b), 0.99)]));
  console.log(JSON.stringify({
    scenario, p50_ms: percentile(result.all, 0.5), p99_ms: percentile(result.all, 0.99), max_ms: percentile(result.all, 1),
    handler_p99_ms: percentile(result.handler, 0.99), requests: result.all.length, ...extra, p99_ms_by_endpoint: p99(result.byEndpoint), handler_p99_ms_by_endpoint: p99(result.handlerByEndpoint),
  }));
}

async function main(): Promise<void> {
  const { base, address, proc, dataDir } = await startControlPlane();
  const stream = WITH_STREAM ? openStream(base) : { events: () => 0, close: () => {} };
  try {
    await measure(base, 1); // warm-up
    row("dashboard api, control plane idle", await measure(base, Math.min(5, SECONDS)));
    for (const inFlight of IN_FLIGHT) await saturated(base, address, stream, inFlight);
  } finally {
    stream.close();
    proc.kill("SIGTERM");
    await proc.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function saturated(base: string, address: string, stream: { events: () => number }, inFlight: number): Promise<void> {
  const load = Bun.spawn(["bun", import.meta.path, "--flood", address, String(inFlight)], { stdout: "inherit", stderr: "inherit" });
  try {
    await Bun.sleep(3000); // let the queue and the result cache fill
    const eventsBefore = stream.events();
    const startedAt = performance.now();
    const result = await measure(base, SECONDS);
    const elapsed = (performance.now() - startedAt) / 1000;
    const metrics = (await (await fetch(`${base}/api/metrics`)).json()) as MetricsJson;
    const status = (await (await fetch(`${base}/api/status`)).json()) as { tasks: { live: number; cached_results: number } };
    row(`dashboard api, control plane saturated with trivial tasks (${inFlight} in flight)`, result, {
      journal: WITH_JOURNAL,
      tasks_per_s: metrics.totals.throughput_per_second,
      sse_events_per_s: Math.round((stream.events() - eventsBefore) / elapsed),
      live_tasks: status.tasks.live,
      cached_results: status.tasks.cached_results,
    });
  } finally {
    load.kill("SIGKILL");
    await load.exited;
    await Bun.sleep(1000); // the last tasks drain before the next level
  }
}

// Last, once every const above is initialised (a top-level await earlier ran main() before them).
if (process.argv[2] === "--flood") await flood(process.argv[3]!, Number(process.argv[4]));
else await main();

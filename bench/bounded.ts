// `bun bench/bounded.ts` (also part of `bun run bench`): issue 14's "Measure". A real control plane
// (--concurrency 1, dashboard on, in memory) whose only Worker runs one long task, so everything
// submitted after it stays queued; BENCH_QUEUED tasks (default 1 000 000) are queued through a
// Client. Prints one JSON line per figure:
// - memory: RSS before and after queueing, bytes per queued task beyond the baseline (target ≤ 300);
// - /api/tasks?limit=50 p99 over BENCH_REQUESTS requests with the queue full (target ≤ 50 ms);
// - the NNG submit round trip p99 idle, then while a dashboard poller and an event stream run
//   (target ≤ 5 ms and ≤ 2× idle);
// - RSS after the queue drained (the long task is cancelled; the queued ones are trivial).
// BENCH_JOURNAL=1 keeps the journal on (in a scratch folder).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../src/client/index.ts";
import { freePort, percentile, print, spawnControlPlane } from "./lib.ts";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const ROUND_TRIPS = 1000;
const IN_FLIGHT = 2048;

function rssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
}
const mb = (bytes: number) => Math.round(bytes / 104_857.6) / 10;
const sorted = (values: number[]) => values.sort((a, b) => a - b);

/** Sequential accepted-submit round trips (the Client's delay(): one NNG request, no result wait), in ms. */
async function roundTrips(client: Client, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await client.delay("noop", i);
    out.push(performance.now() - started);
  }
  return sorted(out);
}

async function get(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return performance.now() - started;
}

/** One request after the other, like a dashboard page refreshing its task table as fast as it can. */
function poller(url: string): { stop: () => Promise<number[]> } {
  const times: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) times.push(await get(url));
  })();
  return { stop: async () => ((running = false), await loop, sorted(times)) };
}

/** An open /api/events stream read as it comes, as a browser tab does. */
function eventStream(base: string): () => void {
  const abort = new AbortController();
  void (async () => {
    const response = await fetch(`${base}/api/events`, { signal: abort.signal });
    for await (const _chunk of response.body!) { /* read and dropped: only the server's cost matters */ }
  })().catch((error: unknown) => {
    if (!abort.signal.aborted) console.error("event stream failed:", error);
  });
  return () => abort.abort();
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(250);
  }
}

export async function runBounded(queued = Number(process.env.BENCH_QUEUED ?? 1_000_000)): Promise<void> {
  const [bus, http] = [await freePort(), await freePort()];
  const address = `tcp://127.0.0.1:${bus}`;
  const base = `http://127.0.0.1:${http}`;
  const dataDir = mkdtempSync(join(tmpdir(), "fw-bench-bounded-"));
  const journal = process.env.BENCH_JOURNAL === "1";
  const proc = await spawnControlPlane(["--task-modules", "bench/fixtures/tasks.ts", "--base-address", address, "--no-discovery",
    // One client queues them all: its in-flight cap (default 100 000) must let it, as --max-queued must.
    ...(journal ? ["--data-dir", dataDir] : ["--no-journal"]), "--concurrency", "1", "--max-queued", String(queued + 10 * ROUND_TRIPS),
    "--max-in-flight-per-client", String(queued + 10 * ROUND_TRIPS),
    "--gui-port", String(http), "--log-level", "warn"], { ready: /dashboard: +http/ });
  const client = await new Client({ address }).start();
  const label = `${queued} queued behind a busy Worker${journal ? ", journal on" : ""}`;
  try {
    const blocker = await client.enqueue("hold", [3_600_000]);
    await waitUntil(async () => (await client.status()).running >= 1, 10_000, "the long task to start");
    await roundTrips(client, 200); // warm-up (these stay queued too)
    await Bun.sleep(1000);
    const idle = await roundTrips(client, ROUND_TRIPS);
    const rssBefore = rssBytes(proc.pid);

    const started = performance.now();
    let next = 0;
    const lane = async () => {
      while (next < queued) await client.delay("noop", next++);
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    const queueSeconds = (performance.now() - started) / 1000;
    await Bun.sleep(2000); // let the last batch settle and a collection run
    const rssQueued = rssBytes(proc.pid);
    print({
      scenario: `bounded: memory, ${label}`, queued, submits_per_s: Math.round(queued / queueSeconds),
      rss_before_mb: mb(rssBefore), rss_queued_mb: mb(rssQueued), bytes_per_queued_task: Math.round((rssQueued - rssBefore) / queued),
    });

    const tasksUrl = `${base}/api/tasks?limit=50`;
    for (let i = 0; i < 10; i++) await get(tasksUrl); // warm-up
    const api: Record<string, number[]> = { "limit=50": [], "status=queued&offset=500000": [], "q=abc": [] };
    for (let i = 0; i < REQUESTS; i++) {
      api["limit=50"]!.push(await get(tasksUrl));
      if (i % 4 === 0) api["status=queued&offset=500000"]!.push(await get(`${tasksUrl}&status=queued&offset=500000`));
      if (i % 4 === 2) api["q=abc"]!.push(await get(`${tasksUrl}&q=abc`));
    }
    const main = sorted(api["limit=50"]!);
    print({
      scenario: `bounded: GET /api/tasks?limit=50, ${label}`, requests: main.length, p50_ms: percentile(main, 0.5, 2), p99_ms: percentile(main, 0.99, 2),
      max_ms: percentile(main, 1, 2),
      p99_ms_other: Object.fromEntries(Object.entries(api).slice(1).map(([k, v]) => [k, percentile(sorted(v), 0.99, 2)])),
    });

    const full = await roundTrips(client, ROUND_TRIPS);
    const closeStream = eventStream(base);
    const polling = poller(tasksUrl);
    await Bun.sleep(500);
    const loaded = await roundTrips(client, ROUND_TRIPS);
    const polled = await polling.stop();
    // The same with the poller searching (q examines the newest 10 000 tasks per request).
    const searching = poller(`${tasksUrl}&q=abc`);
    await Bun.sleep(500);
    const searched = await roundTrips(client, ROUND_TRIPS);
    const searchPolled = await searching.stop();
    closeStream();
    print({
      scenario: `bounded: NNG submit round trip, ${label}, dashboard poller + event stream`, requests: loaded.length,
      p50_ms: percentile(loaded, 0.5), p99_ms: percentile(loaded, 0.99),
      idle_p50_ms: percentile(idle, 0.5), idle_p99_ms: percentile(idle, 0.99), queue_full_no_poller_p99_ms: percentile(full, 0.99),
      p99_vs_idle: Number((percentile(loaded, 0.99) / percentile(idle, 0.99)).toFixed(2)),
      poller_requests: polled.length, poller_p99_ms: percentile(polled, 0.99, 2),
      with_search_poller_p99_ms: percentile(searched, 0.99), search_poller_p99_ms: percentile(searchPolled, 0.99, 2),
    });

    await client.cancel(blocker);
    const drainStarted = performance.now();
    await waitUntil(async () => {
      const status = await client.status();
      return status.running === 0 && Object.values(status.queues).every((n) => n === 0);
    }, 30 * 60_000, "the queue to drain");
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    await Bun.sleep(3000); // the collector returns what it can
    const rssDrained = rssBytes(proc.pid);
    await Bun.sleep(7000); // and the allocator gives pages back to the system over seconds
    const rssLater = rssBytes(proc.pid);
    print({
      scenario: `bounded: after the drain, ${label}`, drain_s: Number(drainSeconds.toFixed(1)), tasks_per_s: Math.round(queued / drainSeconds),
      rss_before_mb: mb(rssBefore), rss_queued_mb: mb(rssQueued), rss_drained_mb: mb(rssDrained), rss_10s_later_mb: mb(rssLater),
    });
  } finally {
    await client.stop();
    proc.kill("SIGTERM");
    await proc.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) await runBounded();

/**
 * The workload users compare queues with (issue 16), in three setups:
 *   - `burst_cp`: a control plane started as the README starts it (default pool and prefetch, in
 *     memory, no dashboard) and this process as a separate client (the public `Client`, default options);
 *   - `burst_subworkers_only`: the same with `--concurrency 0` and 2 subworker processes (default options);
 *   - `burst_embedded`: `createControlPlane` + `cp.client()` in this process.
 * Each: warm-up 200 × submit("add", [i, 1]); burst = Promise.all of 20 000 delay("add", i, i), then
 * Promise.all of result(id, { wait: true }) for every id, every result checked; tasks/s = 20 000 /
 * (first delay → last result); latency = 1 000 sequential submit("add", [i, 1]): p50, p99, max;
 * then the burst again (`tasks_per_s_again`: the steady state, once both processes' JIT has warmed up).
 * `cp_cpu_us_per_task(_again)`: the control-plane process's CPU time (all its threads) per task
 * during each burst, from /proc/<pid>/stat: the figure to compare on a busy machine;
 * `client_cpu_us_per_task`: this (client) process's CPU time per task during the first burst;
 * `subworkers_cpu_us_per_task`: the same summed over the subworker processes.
 * RSS of the control-plane process from /proc/<pid>/status (its Bun Workers are threads of it):
 * idle (after start-up), the most sampled during the burst, VmHWM after it. `queued_task_bytes`:
 * heap per queued task beyond the spec's own JSON (a pool-less embedded control plane holding 20 000);
 * `cached_result_bytes(_with_dashboard)`: heap per finished task while the result cache keeps it.
 *
 *   bun bench/burst.ts [cp|subworkers|embedded|queued|cached ...]     (default: all; BENCH_BURST=20000, BENCH_SEQUENTIAL=1000)
 * Prints one JSON object per scenario.
 */
import { readFileSync } from "node:fs";
import { heapStats } from "bun:jsc";
import { Client } from "../src/client/index.ts";
import { createControlPlane, type ControlPlane, type ControlPlaneOptions } from "../src/control-plane/index.ts";
import { createView } from "../src/control-plane/view.ts";
import { silentLogger } from "../src/log.ts";
import { freePort, percentile, print, spawnControlPlane } from "./lib.ts";

const BURST = Number(process.env.BENCH_BURST ?? 20_000);
const WARM_UP = 200;
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 1_000);
const TASKS = "bench/fixtures/subworker-tasks.ts";
const ROOT = `${import.meta.dir}/..`;

/** What both clients (remote and embedded) offer the workload. */
interface Driver {
  submit(task: string, args: unknown[]): Promise<unknown>;
  delay(task: string, ...args: unknown[]): Promise<string>;
  result(id: string, options: { wait: boolean }): Promise<{ status: string; result?: unknown }>;
}

function procStatusMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 102.4) / 10;
}

/** CPU time (user + system, every thread) these processes have used so far, in µs: less noisy than wall time on a shared machine. */
function cpuUs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
  }
  return (ticks * 1_000_000) / 100; // USER_HZ is 100 on Linux
}

/** Samples VmRSS every 20 ms while `work` runs; resolves to work's value and the most seen. */
async function sampled<T>(pid: number | undefined, work: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peakMb = 0;
  const sample = () => { if (pid !== undefined) peakMb = Math.max(peakMb, procStatusMb(pid, "VmRSS")); };
  const timer = setInterval(sample, 20);
  try {
    const value = await work();
    sample();
    return { value, peakMb };
  } finally {
    clearInterval(timer);
  }
}

/** One burst, every result checked: its duration in ms. */
async function burst(scenario: string, driver: Driver): Promise<number> {
  const started = performance.now();
  const ids = await Promise.all(Array.from({ length: BURST }, (_, i) => driver.delay("add", i, i)));
  const records = await Promise.all(ids.map((id) => driver.result(id, { wait: true })));
  const elapsed = performance.now() - started;
  records.forEach((r, i) => {
    if (r.status !== "success" || r.result !== 2 * i) throw new Error(`${scenario}: task ${i} ended ${r.status} with ${JSON.stringify(r.result)}`);
  });
  return elapsed;
}

async function workload(scenario: string, driver: Driver, pid: number | undefined, extra: Record<string, unknown>, subworkerPids: readonly number[] = []): Promise<void> {
  // The control plane's own CPU is read only when it is another process (in this one it is the client's too).
  const cpPids = pid === undefined ? [] : [pid];
  const perTask = (cpuNow: number, cpuBefore: number) => Math.round((cpuNow - cpuBefore) / BURST);
  for (let i = 0; i < WARM_UP; i++) await driver.submit("add", [i, 1]);
  const idleMb = pid === undefined ? undefined : procStatusMb(pid, "VmRSS");
  const cpuBefore = cpuUs(cpPids);
  const subworkersBefore = cpuUs(subworkerPids);
  const clientBefore = process.cpuUsage();
  const { value: burstMs, peakMb } = await sampled(pid, () => burst(scenario, driver));
  const cpuPerTask = perTask(cpuUs(cpPids), cpuBefore);
  const subworkersPerTask = perTask(cpuUs(subworkerPids), subworkersBefore);
  const clientCpu = process.cpuUsage(clientBefore);
  const clientPerTask = Math.round((clientCpu.user + clientCpu.system) / BURST);
  const times: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const started = performance.now();
    const value = await driver.submit("add", [i, 1]);
    times.push(performance.now() - started);
    if (value !== i + 1) throw new Error(`${scenario}: submit ${i} returned ${JSON.stringify(value)}`);
  }
  times.sort((a, b) => a - b);
  // The same burst once more: the first one also pays for JIT-compiling the hot paths of both
  // processes (measured: ~0.4 s of JIT threads' CPU on the control plane alone); this one shows the steady state.
  const hwmMb = pid === undefined ? undefined : procStatusMb(pid, "VmHWM");
  const cpuAgainBefore = cpuUs(cpPids);
  const againMs = await burst(scenario, driver);
  const cpuPerTaskAgain = perTask(cpuUs(cpPids), cpuAgainBefore);
  print({
    scenario, tasks: BURST, tasks_per_s: Math.round(BURST / (burstMs / 1000)), tasks_per_s_again: Math.round(BURST / (againMs / 1000)),
    p50_ms: percentile(times, 0.5), p99_ms: percentile(times, 0.99), max_ms: percentile(times, 1),
    ...(pid === undefined ? {} : { client_cpu_us_per_task: clientPerTask, cp_cpu_us_per_task: cpuPerTask, cp_cpu_us_per_task_again: cpuPerTaskAgain, rss_idle_mb: idleMb, rss_burst_peak_mb: peakMb, vm_hwm_mb: hwmMb }),
    ...(subworkerPids.length > 0 ? { subworkers_cpu_us_per_task: subworkersPerTask } : {}),
    ...extra,
  });
}

function spawnSubworker(address: string, id: string): Promise<Bun.Subprocess<"ignore", "pipe", "inherit">> {
  return spawnControlPlane([], { ready: new RegExp(`subworker ${id} ready`), argv: ["subworker", "--task-modules", TASKS, "--control-plane-address", address, "--worker-id", id, "--log-level", "warn"] });
}

async function acrossProcesses(scenario: string, cpFlags: string[], subworkers: number): Promise<void> {
  const address = `tcp://127.0.0.1:${await freePort()}`;
  const cp = await spawnControlPlane(["--task-modules", TASKS, "--base-address", address, "--no-discovery", "--no-gui", "--no-journal", "--log-level", "warn", ...cpFlags]);
  const processes: Bun.Subprocess[] = [cp];
  try {
    for (let i = 0; i < subworkers; i++) processes.push(await spawnSubworker(address, `burst-sw-${i}`));
    await Bun.sleep(300); // let start-up garbage settle before the idle reading
    const client = await new Client({ address }).start();
    try {
      await workload(scenario, client, cp.pid, { subworkers }, processes.slice(1).map((p) => p.pid));
    } finally {
      await client.stop();
    }
  } finally {
    for (const p of processes.reverse()) {
      p.kill("SIGTERM");
      await p.exited;
    }
  }
}

/** A control plane in this process (the embedded scenario, the heap readings), on a free loopback port. */
async function inProcessControlPlane(options: Partial<ControlPlaneOptions> = {}): Promise<ControlPlane> {
  return createControlPlane({ taskModules: [TASKS], cwd: ROOT, discoveryAddress: null, address: `tcp://127.0.0.1:${await freePort()}`, log: silentLogger, ...options });
}

async function embedded(): Promise<void> {
  const cp = await inProcessControlPlane();
  try {
    await workload("burst_embedded", cp.client(), undefined, {});
  } finally {
    await cp.stop();
  }
}

/** Recurses `depth` frames deep: overwrites the dead part of the stack below the caller with values that point nowhere. */
function scrubStack(depth: number): number {
  return depth === 0 ? 0 : 1 + scrubStack(depth - 1);
}

/**
 * The heap's size once only what is still referenced is left. JSC scans the stack conservatively:
 * a stale slot still pointing at a dead batch array (the embedded client admits one tick's 20 000
 * submissions as one batch) kept every call's spec, promise and resolvers alive, 100-340 bytes per
 * task more from one run to the next on the same code. So the heap is read on later turns (the
 * frames of the burst's last microtasks gone) with the dead part of the stack overwritten, the
 * least of three readings (garbage only ever adds).
 */
async function settledHeap(): Promise<number> {
  const reading = () => new Promise<number>((resolve) => setTimeout(() => resolve((scrubStack(2_000), Bun.gc(true), heapStats().heapSize)), 0));
  return Math.min(await reading(), await reading(), await reading());
}

/** Heap per queued task: a control plane with no pool keeps every task queued. */
async function queuedTaskBytes(): Promise<void> {
  const cp = await inProcessControlPlane({ concurrency: 0 });
  try {
    const client = cp.client();
    const before = await settledHeap();
    const ids = await Promise.all(Array.from({ length: BURST }, (_, i) => client.delay("add", i, i)));
    const after = await settledHeap();
    // The spec's own JSON as the wire carries it: id, task, args, and the defaulted options.
    const specJson = JSON.stringify({ id: ids[0], task: "add", args: [BURST / 2, BURST / 2] }).length;
    const perTask = (after - before) / ids.length;
    print({ scenario: "queued_task_memory", tasks: ids.length, heap_bytes_per_task: Math.round(perTask), spec_json_bytes: specJson, queued_task_bytes: Math.round(perTask - specJson) });
  } finally {
    await cp.stop();
  }
}

/** Heap per finished task while its result is cached (the default cache keeps 100 000): one fresh control plane per reading. */
async function cachedResultBytes(withDashboard: boolean): Promise<number> {
  const cp = await inProcessControlPlane();
  try {
    if (withDashboard) createView(cp); // what the dashboard and REST API build: its task index lists cached results too
    const client = cp.client();
    for (let i = 0; i < WARM_UP; i++) await client.submit("add", [i, 1]);
    const before = await settledHeap();
    // In a function of its own: no slot of this frame keeps the burst's arrays alive (see settledHeap).
    await (async () => {
      const ids = await Promise.all(Array.from({ length: BURST }, (_, i) => client.delay("add", i, i)));
      await Promise.all(ids.map((id) => client.result(id, { wait: true })));
    })();
    return Math.round(((await settledHeap()) - before) / BURST);
  } finally {
    await cp.stop();
  }
}

export async function runBurst(which: readonly string[] = ["cp", "subworkers", "embedded", "queued", "cached"]): Promise<void> {
  if (which.includes("cp")) await acrossProcesses("burst_cp", [], 0);
  if (which.includes("subworkers")) await acrossProcesses("burst_subworkers_only", ["--concurrency", "0"], 2);
  if (which.includes("embedded")) await embedded();
  if (which.includes("queued")) await queuedTaskBytes();
  if (which.includes("cached")) {
    print({ scenario: "cached_result_memory", tasks: BURST, cached_result_bytes: await cachedResultBytes(false), cached_result_bytes_with_dashboard: await cachedResultBytes(true) });
  }
}

if (import.meta.main) await runBurst(process.argv.length > 2 ? process.argv.slice(2) : undefined);

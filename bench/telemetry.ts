// `bun bench/telemetry.ts`: what telemetry costs when no OpenTelemetry SDK is registered.
// Pipelined trivial tasks through a real control plane process, with its telemetry hooks on
// (the default: counters, histograms, the one-time SDK checks) and with FASTWORKER_TELEMETRY=off.
// Rounds alternate the two so drift (thermal, other load) hits both alike; medians are compared.
// Prints one JSON line per run, then a summary line with the ratio (on / off).
//
// End-to-end numbers on a shared machine swing by more than 5 % from run to run, so a first part
// measures the hooks in isolation: the control plane's own per-task bookkeeping (accept, start,
// complete, in-process, no network) with and without telemetry. Its difference, against the
// end-to-end time per task, bounds what telemetry can cost.
import { readFileSync } from "node:fs";
import { Client } from "../src/client/index.ts";
import { ControlPlane } from "../src/control-plane/index.ts";
import { createEntry } from "../src/control-plane/task-entry.ts";
import { silentLogger } from "../src/log.ts";
import { loadTaskModules } from "../src/tasks/index.ts";
import { freePort, spawnControlPlane } from "./lib.ts";

const TASKS = Number(process.env.BENCH_TASKS ?? 30_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 4096);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const CONCURRENCY = process.env.BENCH_CONCURRENCY ?? "2";

type Mode = "on" | "off";

async function startControlPlane(mode: Mode): Promise<{ address: string; proc: Bun.Subprocess }> {
  const address = `tcp://127.0.0.1:${await freePort()}`;
  const env: Record<string, string | undefined> = { ...process.env, FASTWORKER_TELEMETRY: mode };
  delete env.FASTWORKER_OTEL_SETUP; // the point is the cost without an SDK
  const proc = await spawnControlPlane(["--task-modules", "bench/fixtures/tasks.ts", "--base-address", address,
    "--no-discovery", "--no-gui", "--no-journal", "--log-level", "warn", "--concurrency", CONCURRENCY], { env });
  return { address, proc };
}

/** CPU time (user + system, all threads) the process has used, in ms: unlike wall time, barely moved by other load. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const CLK_TCK = 100; // Linux's USER_HZ
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

async function pipelined(client: Client, total: number, inFlight: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < total) await client.submit("noop", [next++]);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, lane));
  return Math.round(total / ((performance.now() - started) / 1000));
}

async function run(mode: Mode, round: number): Promise<{ tasksPerS: number; cpuUsPerTask: number }> {
  // The client reads the switch too (at start), so both ends are measured alike.
  process.env.FASTWORKER_TELEMETRY = mode;
  const { address, proc } = await startControlPlane(mode);
  try {
    const client = await new Client({ address }).start();
    await pipelined(client, Math.min(5_000, TASKS), IN_FLIGHT); // warm-up: JIT, Worker start
    const cpuBefore = cpuMs(proc.pid);
    const tasksPerS = await pipelined(client, TASKS, IN_FLIGHT);
    const cpuUsPerTask = Math.round(((cpuMs(proc.pid) - cpuBefore) * 1000 / TASKS) * 10) / 10;
    console.log(JSON.stringify({ scenario: `telemetry ${mode}`, round, tasks: TASKS, in_flight: IN_FLIGHT, tasks_per_s: tasksPerS, cp_cpu_us_per_task: cpuUsPerTask }));
    await client.stop();
    return { tasksPerS, cpuUsPerTask };
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

/** ns per task of the table's bookkeeping: admit, dispatch, successful outcome, result cached. */
async function bookkeepingNs(mode: Mode, tasks: number): Promise<number> {
  process.env.FASTWORKER_TELEMETRY = mode;
  const catalog = await loadTaskModules([`${import.meta.dir}/fixtures/tasks.ts`]);
  const cp = new ControlPlane(catalog, { taskModules: [], log: silentLogger, discoveryAddress: null, resultCacheSize: 10_000 });
  const definition = catalog.get("noop")!;
  const table = cp.table;
  const started = Bun.nanoseconds();
  for (let i = 0; i < tasks; i++) {
    const now = Date.now();
    const entry = createEntry({ id: `t${i}`, name: "noop", args: [i] }, definition, now);
    table.admit(entry);
    table.take(null, 1);
    table.start(entry, "local");
    table.complete(entry.id, { id: entry.id, attempt: 1, ok: true, result: i, startedAt: now, finishedAt: now });
  }
  return (Bun.nanoseconds() - started) / tasks;
}

// Other processes only ever add time, so the fastest of many short rounds is the truest figure.
const micro: Record<Mode, number[]> = { on: [], off: [] };
for (let round = 0; round < 21; round++) for (const mode of round % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const)) micro[mode].push(await bookkeepingNs(mode, 50_000));
const microOn = Math.min(...micro.on.slice(2)); // the first rounds warm the JIT
const microOff = Math.min(...micro.off.slice(2));
console.log(JSON.stringify({ scenario: "control-plane bookkeeping per task, in-process (fastest round, ns)", off_ns: Math.round(microOff), on_ns: Math.round(microOn), hooks_ns: Math.round(microOn - microOff), median_off_ns: Math.round(median(micro.off)), median_on_ns: Math.round(median(micro.on)) }));

const results: Record<Mode, number[]> = { on: [], off: [] };
const cpu: Record<Mode, number[]> = { on: [], off: [] };
/** on / off within each round: back-to-back runs share the machine's load of that moment. */
const pairRatios: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const order: Mode[] = round % 2 === 1 ? ["off", "on"] : ["on", "off"];
  for (const mode of order) {
    const { tasksPerS, cpuUsPerTask } = await run(mode, round);
    results[mode].push(tasksPerS);
    cpu[mode].push(cpuUsPerTask);
  }
  pairRatios.push(results.on.at(-1)! / results.off.at(-1)!);
}
if (ROUNDS < 1) process.exit(0);
const on = median(results.on);
const off = median(results.off);
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const ratio = round3(on / off);
const pairRatio = round3([...pairRatios].sort((a, b) => a - b)[Math.floor(pairRatios.length / 2)]!);
const best = Math.round((Math.max(...results.on) / Math.max(...results.off)) * 1000) / 1000;
// The hooks' share of each task's end-to-end cost (in the control plane, the busiest process).
const hookShare = Math.max(0, microOn - microOff) / (1e9 / off);
console.log(JSON.stringify({
  scenario: "telemetry overhead without an SDK", rounds: ROUNDS,
  off_tasks_per_s: off, on_tasks_per_s: on, ratio, median_round_ratio: pairRatio, ratio_of_best_runs: best,
  hooks_share_of_task_pct: Math.round(hookShare * 10_000) / 100,
  // The control plane's CPU per task is the steadiest figure on a loaded machine; its ratio bounds the throughput cost.
  cp_cpu_us_per_task_off: median(cpu.off), cp_cpu_us_per_task_on: median(cpu.on), cp_cpu_ratio: round3(median(cpu.on) / median(cpu.off)),
  within_5_pct: pairRatio >= 0.95,
}));

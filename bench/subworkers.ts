/**
 * Subworker benchmark: tasks/s through a control plane (concurrency 1) alone and with one and
 * two subworkers (concurrency 1 each), for trivial tasks and for CPU-bound 1 ms tasks; then
 * how long tasks held by a subworker take to finish elsewhere after it is killed with -9.
 * Every process is real, on tcp://127.0.0.1. Prints one JSON line per scenario on stdout:
 *   {"scenario","subworkers","cp_concurrency","tasks","tasks_per_s","sources_used"}
 *     (`..._1_subworkers_only`: the control plane runs nothing itself, every task goes through a subworker)
 *   {"scenario":"kill9_recovery","worker_timeout_ms","tasks","task_ms","kill9_recovery_ms"}
 *     (control plane with no local pool, two subworkers; recovery = detection + one run elsewhere)
 *
 *   bun bench/subworkers.ts
 *
 * On a 2-core machine the CPU-bound runs are bound by cores, not by the protocol: three
 * sources cannot do more than two cores' work. Numbers vary by about ±30 % between runs.
 */
import { Client } from "../src/client/index.ts";
import { freeAddress } from "../test/helpers/ports.ts";
import { killAll, startProcess, type Started } from "../test/helpers/processes.ts";

const TASKS = "bench/fixtures/subworker-tasks.ts";
const SCENARIOS = [
  { name: "trivial", task: "add", tasks: 20_000, args: (i: number) => [i, 1] },
  { name: "cpu_1ms", task: "spin", tasks: 2_000, args: () => [1] },
] as const;
const WORKER_TIMEOUT_MS = 2_000;
const KILL_SLEEP_MS = 200;
/** Past this, something is stuck: report and stop. */
const DEADLINE_MS = 170_000;

async function startCp(address: string, workerTimeoutMs?: number, concurrency = 1): Promise<Started> {
  const cp = startProcess([
    "test/fixtures/subworker/run-cp.ts", "--task-modules", TASKS, "--address", address, "--concurrency", String(concurrency), "--discovery-address", "none",
    ...(workerTimeoutMs ? ["--worker-timeout-ms", String(workerTimeoutMs)] : []),
  ]);
  await cp.waitFor(/control plane ready/);
  return cp;
}

async function startSubworker(address: string, workerId: string): Promise<Started> {
  const sw = startProcess(["test/fixtures/subworker/run-subworker.ts", "--task-modules", TASKS, "--address", address, "--worker-id", workerId, "--concurrency", "1"]);
  await sw.waitFor(new RegExp(`subworker ready ${workerId}`));
  return sw;
}

async function stopAll(processes: Started[]): Promise<void> {
  for (const p of processes.reverse()) await p.stop("SIGTERM");
}

/** `cpConcurrency` 0 measures the subworker path alone: every task goes through lease and report. */
async function throughput(scenario: (typeof SCENARIOS)[number], subworkers: number, cpConcurrency = 1): Promise<void> {
  const address = await freeAddress();
  const processes = [await startCp(address, undefined, cpConcurrency)];
  for (let i = 0; i < subworkers; i++) processes.push(await startSubworker(address, `bench-sw-${i}`));
  const client = await new Client({ address }).start();
  try {
    const run = (count: number) => Promise.all(Array.from({ length: count }, (_, i) => client.submit(scenario.task, [...scenario.args(i)])));
    await run(Math.min(500, scenario.tasks / 10)); // warm up Workers and connections
    const start = performance.now();
    await run(scenario.tasks);
    const elapsedMs = performance.now() - start;
    const status = await client.status();
    const used = status.workers.filter((w) => w.completed > 0).length;
    console.log(JSON.stringify({
      scenario: `${scenario.name}_${subworkers}_subworkers${cpConcurrency === 0 ? "_only" : ""}`, subworkers, cp_concurrency: cpConcurrency, tasks: scenario.tasks,
      tasks_per_s: Math.round((scenario.tasks * 1000) / elapsedMs), sources_used: used,
    }));
  } finally {
    await client.stop();
    await stopAll(processes);
  }
}

/** Kill -9 a subworker while it holds tasks; time until every one of them has finished elsewhere. */
async function kill9Recovery(): Promise<void> {
  const address = await freeAddress();
  // No local pool, so the number is detection plus one run, not time queued behind the control plane's own Worker.
  const processes = [await startCp(address, WORKER_TIMEOUT_MS, 0)];
  const victim = await startSubworker(address, "bench-victim");
  processes.push(await startSubworker(address, "bench-survivor"));
  const client = await new Client({ address }).start();
  try {
    const ids = await Promise.all(Array.from({ length: 4 }, () => client.enqueue("sleep", [KILL_SLEEP_MS])));
    let held: string[] = [];
    for (const deadline = Date.now() + 10_000; held.length === 0 && Date.now() < deadline; await Bun.sleep(20)) {
      const records = await Promise.all(ids.map((id) => client.result(id)));
      held = records.filter((r) => r.workerId === "bench-victim" && r.status === "running").map((r) => r.taskId);
    }
    if (held.length === 0) throw new Error("the victim never ran a task");
    const killedAt = Date.now();
    victim.proc.kill("SIGKILL");
    const records = await Promise.all(held.map((id) => client.result(id, { wait: true })));
    const lost = records.filter((r) => r.status !== "success" || r.workerId === "bench-victim");
    if (lost.length > 0) throw new Error(`tasks not recovered: ${JSON.stringify(lost.map((r) => [r.taskId, r.status, r.workerId]))}`);
    console.log(JSON.stringify({
      scenario: "kill9_recovery", worker_timeout_ms: WORKER_TIMEOUT_MS, tasks: held.length, task_ms: KILL_SLEEP_MS,
      kill9_recovery_ms: Math.max(...records.map((r) => r.timings.finishedAt!)) - killedAt,
    }));
    await Promise.all(ids.map((id) => client.result(id, { wait: true })));
  } finally {
    await client.stop();
    await stopAll(processes);
  }
}

const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${DEADLINE_MS} ms; stopping`);
  void killAll().finally(() => process.exit(1));
}, DEADLINE_MS);
watchdog.unref();

try {
  for (const scenario of SCENARIOS) {
    for (const subworkers of [0, 1, 2]) await throughput(scenario, subworkers);
    await throughput(scenario, 1, 0);
  }
  await kill9Recovery();
} finally {
  await killAll();
}

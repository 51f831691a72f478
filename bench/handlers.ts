/**
 * Concurrent async handlers: an embedded control plane (2 Bun Workers by default) runs N tasks
 * that each await a timer (an I/O-bound stand-in) at several --tasks-per-worker values, and
 * trivial tasks at tasksPerWorker 1 and 10 to show the default path costs nothing extra.
 * One JSON line per scenario: {"scenario","tasks_per_worker","n","wall_ms","tasks_per_s"}.
 *
 *   bun bench/handlers.ts
 *
 * BENCH_IO_TASKS (default 2 000), BENCH_IO_MS (each task's wait, default 50), BENCH_TRIVIAL
 * (default 50 000), BENCH_CONCURRENCY (Bun Workers, default 2). Numbers on a shared VM vary by ±30 %.
 */
import { createControlPlane } from "../src/control-plane/index.ts";
import { silentLogger } from "../src/log.ts";
import { freeAddress } from "../test/helpers/ports.ts";
import { io, noop } from "./fixtures/tasks.ts";

const IO_TASKS = Number(process.env.BENCH_IO_TASKS ?? 2_000);
const IO_MS = Number(process.env.BENCH_IO_MS ?? 50);
const TRIVIAL = Number(process.env.BENCH_TRIVIAL ?? 50_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);
const IN_FLIGHT = 1_024;

async function scenario(name: string, tasksPerWorker: number, n: number, submit: (client: ReturnType<Awaited<ReturnType<typeof createControlPlane>>["client"]>, i: number) => Promise<number>): Promise<void> {
  const cp = await createControlPlane({
    taskModules: [`${import.meta.dir}/fixtures/tasks.ts`], address: await freeAddress(), discoveryAddress: null,
    concurrency: CONCURRENCY, tasksPerWorker, log: silentLogger,
  });
  try {
    const client = cp.client();
    for (let i = 0; i < 100; i++) await submit(client, i); // warm-up: JIT and Worker start-up
    const started = performance.now();
    let next = 0;
    const lane = async () => {
      while (next < n) {
        const i = next++;
        const value = await submit(client, i);
        if (value !== i && value !== IO_MS) throw new Error(`${name}: task ${i} returned ${value}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, n) }, lane));
    const wallMs = performance.now() - started;
    console.log(JSON.stringify({ scenario: name, tasks_per_worker: tasksPerWorker, n, wall_ms: Math.round(wallMs), tasks_per_s: Math.round((n / wallMs) * 1000) }));
  } finally {
    await cp.stop();
  }
}

for (const tasksPerWorker of [1, 10, 50]) {
  // At 1 the 50 ms waits run two at a time: keep that run short.
  const n = tasksPerWorker === 1 ? Math.min(IO_TASKS, 200) : IO_TASKS;
  await scenario(`io-${IO_MS}ms`, tasksPerWorker, n, (client) => client.submit(io, [IO_MS]));
}
for (const tasksPerWorker of [1, 10]) {
  await scenario("trivial", tasksPerWorker, TRIVIAL, (client, i) => client.submit(noop, [i]));
}

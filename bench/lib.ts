// What the benchmarks share: free ports, percentiles, and a control plane started through the CLI.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import type { Client } from "../src/client/index.ts";

const ROOT = `${import.meta.dir}/..`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** The value at quantile `q` of an ascending array, rounded to `digits` decimals. */
export function percentile(sorted: ArrayLike<number>, q: number, digits = 3): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!.toFixed(digits));
}

/**
 * `bun bin/fastworker.ts control-plane <args>` in its own process, resolved once its output
 * matches `ready` (the start banner by default). stdout keeps being drained so it never blocks.
 * `argv` runs another command instead (e.g. a subworker: `["subworker", ...]`).
 * With BENCH_CPU_PROF=<dir> in the environment, every such process writes a `bun --cpu-prof` profile there.
 */
export async function spawnControlPlane(
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; ready?: RegExp; argv?: readonly string[] } = {},
): Promise<Bun.Subprocess<"ignore", "pipe", "inherit">> {
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF] : [];
  const proc = Bun.spawn(["bun", ...profile, "bin/fastworker.ts", ...(options.argv ?? ["control-plane", ...args])], {
    cwd: ROOT, stdin: "ignore", stdout: "pipe", stderr: "inherit", ...(options.env ? { env: options.env } : {}),
  });
  const ready = options.ready ?? /ready/;
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!ready.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`control plane exited before it was ready: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  void proc.stdout.pipeTo(new WritableStream());
  return proc;
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 102.4) / 10;
}

export function print(row: Record<string, unknown>): void {
  console.log(JSON.stringify(row));
}

export async function sequential(client: Client, n: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await client.submit("noop", [i]);
    latencies.push(performance.now() - started);
  }
  return latencies.sort((a, b) => a - b);
}

export async function pipelined(client: Client, task: string, args: (i: number) => unknown[], total: number, inFlight: number) {
  const latencies: number[] = new Array(total);
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < total) {
      const i = next++;
      const t = performance.now();
      await client.submit(task, args(i));
      latencies[i] = performance.now() - t;
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, lane));
  const seconds = (performance.now() - started) / 1000;
  return { tasksPerS: Math.round(total / seconds), latencies: latencies.sort((a, b) => a - b) };
}

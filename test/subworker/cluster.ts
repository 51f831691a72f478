import { freeAddress } from "../helpers/ports.ts";
import { startProcess, type Started } from "../helpers/processes.ts";

/** Helpers for the subworker integration tests: real control plane and subworker processes. */

export const EXAMPLE_TASKS = "examples/tasks.ts";
export const FIXTURES = "test/fixtures/subworker";

export interface CpOptions {
  address: string;
  concurrency: number;
  discoveryAddress?: string;
  workerTimeoutMs?: number;
  inactiveWorkerTtlMs?: number;
  taskModules?: string;
}

export async function startCp(options: CpOptions): Promise<Started> {
  const args = [
    `${FIXTURES}/run-cp.ts`, "--task-modules", options.taskModules ?? EXAMPLE_TASKS, "--address", options.address,
    "--concurrency", String(options.concurrency), "--discovery-address", options.discoveryAddress ?? "none",
    ...(options.workerTimeoutMs !== undefined ? ["--worker-timeout-ms", String(options.workerTimeoutMs)] : []),
    ...(options.inactiveWorkerTtlMs !== undefined ? ["--inactive-worker-ttl-ms", String(options.inactiveWorkerTtlMs)] : []),
  ];
  const cp = startProcess(args);
  await cp.waitFor(/control plane ready/);
  return cp;
}

export interface SubworkerProcessOptions {
  workerId: string;
  address?: string;
  discoveryAddress?: string;
  concurrency?: number;
  taskModules?: string;
  drainMs?: number;
  prefetch?: number;
}

/** Starts a subworker; wait for `subworker ready <id>` yourself (or use startSubworker). */
export function spawnSubworker(options: SubworkerProcessOptions): Started {
  return startProcess([
    `${FIXTURES}/run-subworker.ts`, "--task-modules", options.taskModules ?? EXAMPLE_TASKS, "--worker-id", options.workerId,
    "--concurrency", String(options.concurrency ?? 1),
    ...(options.address ? ["--address", options.address] : []),
    ...(options.discoveryAddress ? ["--discovery-address", options.discoveryAddress] : []),
    ...(options.drainMs !== undefined ? ["--drain-ms", String(options.drainMs)] : []),
    ...(options.prefetch !== undefined ? ["--prefetch", String(options.prefetch)] : []),
  ]);
}

export async function startSubworker(options: SubworkerProcessOptions): Promise<Started> {
  const sw = spawnSubworker(options);
  await sw.waitFor(new RegExp(`subworker ready ${options.workerId}`));
  return sw;
}

export { freeAddress };

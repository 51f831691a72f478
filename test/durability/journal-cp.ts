// A durable control plane started through the real CLI, with its dashboard on a free port, for journal tests.
import type { StatusJson } from "../../src/server/api-types.ts";
import { freeAddress, freePort } from "../helpers/ports.ts";
import { startProcess, type Started } from "../helpers/processes.ts";

export interface DurableCp {
  cp: Started;
  address: string;
  http: string;
  status: () => Promise<StatusJson>;
  metrics: () => Promise<string>;
}

export async function startDurable(dataDir: string, options: { extra?: string[]; env?: Record<string, string>; address?: string } = {}): Promise<DurableCp> {
  const address = options.address ?? (await freeAddress());
  const port = await freePort();
  const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", address,
    "--no-discovery", "--gui-port", String(port), "--concurrency", "2", "--data-dir", dataDir, ...(options.extra ?? [])], { env: options.env ?? {} });
  await cp.waitFor(/control plane .* ready/);
  const http = `http://127.0.0.1:${port}`;
  return {
    cp, address, http,
    status: async () => (await (await fetch(`${http}/api/status`, { signal: AbortSignal.timeout(5_000) })).json()) as StatusJson,
    metrics: async () => (await fetch(`${http}/metrics`, { signal: AbortSignal.timeout(5_000) })).text(),
  };
}

/** The value of one sample line of a Prometheus exposition (labels written exactly as rendered). */
export function sample(text: string, name: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** Milliseconds a call takes. */
export async function timed<T>(call: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await call();
  return { value, ms: performance.now() - started };
}

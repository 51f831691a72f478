import { Client } from "../../src/client/index.ts";
import { freeAddress } from "../helpers/ports.ts";
import { startProcess, type Started } from "../helpers/processes.ts";

/** A control plane started through the real CLI on a free port, with extra environment. */
export async function startCp(modules: string, extra: string[], env: Record<string, string> = {}): Promise<{ cp: Started; address: string; readyAt: number }> {
  const address = await freeAddress();
  const cp = startProcess(
    ["bin/fastworker.ts", "control-plane", "--task-modules", modules, "--base-address", address, "--no-discovery", "--no-gui", ...extra],
    // In memory only: nothing recovered from (or left in) a journal directory between runs.
    { env: { FASTWORKER_JOURNAL: "false", ...env } },
  );
  await cp.waitFor(/control plane .* ready/);
  return { cp, address, readyAt: Date.now() };
}

export function connect(address: string): Promise<Client> {
  return new Client({ address, connectTimeoutMs: 5000 }).start();
}

/** The control plane's JSON log lines (stderr is not a terminal, so it logs JSON). */
export function logLines(output: string): Array<Record<string, unknown>> {
  return output.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Task ids of periodic runs the control plane logged as submitted, for one schedule. */
export function firedIds(output: string, schedule: string): string[] {
  return logLines(output).filter((l) => l.msg === "periodic run submitted" && l.schedule === schedule).map((l) => String(l.taskId));
}

export async function sleepUntil(at: number): Promise<void> {
  const left = at - Date.now();
  if (left > 0) await Bun.sleep(left); // deliberate: periodic tests count what fired within a wall-clock window
}

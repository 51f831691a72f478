import { Client } from "../../src/client/index.ts";
import { freeAddress } from "./ports.ts";
import { startProcess, type Started } from "./processes.ts";

/** A control plane started through the real CLI, in its own process, on a free port. */
export async function startControlPlane(extra: string[] = [], modules = "test/fixtures/core-tasks.ts"): Promise<{ cp: Started; address: string }> {
  const address = await freeAddress();
  // In memory unless a test asks for a journal: test control planes must not share ./.fastworker.
  const journal = extra.includes("--data-dir") ? [] : ["--no-journal"];
  const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", modules, "--base-address", address, "--no-discovery", "--no-gui", ...journal, ...extra]);
  await cp.waitFor(/control plane .* ready/);
  return { cp, address };
}

export async function connect(address: string): Promise<Client> {
  return new Client({ address, connectTimeoutMs: 5000 }).start();
}

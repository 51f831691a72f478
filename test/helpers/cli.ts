import { join } from "node:path";

const root = join(import.meta.dir, "../..");

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** Runs the real CLI (bin/fastworker.ts) in its own process, stdout and stderr piped. */
export function cli(args: string[], env: Record<string, string | undefined> = {}): CliRun {
  const run = Bun.spawnSync(["bun", "bin/fastworker.ts", ...args], { cwd: root, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  return { code: run.exitCode, out: run.stdout.toString().trim(), err: run.stderr.toString().trim() };
}

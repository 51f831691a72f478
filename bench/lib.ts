// What the benchmarks share: free ports, percentiles, and a control plane started through the CLI.
import { createServer } from "node:net";

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
 */
export async function spawnControlPlane(
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; ready?: RegExp } = {},
): Promise<Bun.Subprocess<"ignore", "pipe", "inherit">> {
  const proc = Bun.spawn(["bun", "bin/fastworker.ts", "control-plane", ...args], {
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

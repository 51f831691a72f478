import type { Subprocess } from "bun";

/**
 * Real processes for integration tests: started with `bun`, waited on until they print a
 * ready line, and always killed by PID when the test file ends.
 */
export interface Started {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  pid: number;
  output: () => string;
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
  stop: (signal?: NodeJS.Signals | number) => Promise<number>;
}

const running = new Set<Subprocess>();

/** `prefix` runs bun through another command that execs it (e.g. `ip netns exec <ns>`), so the PID stays bun's. */
export function startProcess(args: string[], options: { env?: Record<string, string>; cwd?: string; prefix?: string[] } = {}): Started {
  const proc = Bun.spawn([...(options.prefix ?? []), "bun", ...args], {
    cwd: options.cwd ?? `${import.meta.dir}/../..`,
    env: { ...process.env, ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  running.add(proc);
  let text = "";
  const listeners = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      for (const l of listeners) l();
    }
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  const waitFor = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(text);
        if (match) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(match[0]);
        }
      };
      const timer = setTimeout(() => { // the bound of this wait (output is pushed to check, not polled)
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${pattern} from ${args.join(" ")}; output so far:\n${text}`));
      }, timeoutMs);
      listeners.add(check);
      check();
      void proc.exited.then(() => setTimeout(() => { // after an exit, a grace for the last output still in the pipes
        if (listeners.has(check)) {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`process exited (${proc.exitCode}) before printing ${pattern}; output:\n${text}`));
        }
      }, 50));
    });
  return {
    proc,
    pid: proc.pid,
    output: () => text,
    waitFor,
    stop: async (signal = "SIGTERM") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const code = await proc.exited;
      running.delete(proc);
      return code;
    },
  };
}

/** Kills everything this test file started; call from afterAll. */
export async function killAll(): Promise<void> {
  for (const proc of running) {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    await proc.exited;
  }
  running.clear();
}

/**
 * What the machine itself allows for one request/reply between two processes (issue 16's p50
 * target): bench/native/echo-floor.c, built with the system C compiler, echoes 120 bytes
 * 20 000 times over libnng REQ/REP (the same libnng1 the control plane uses, no Bun, no shim)
 * and over plain TCP. FastWorker's sequential submit-and-wait can be no faster than the NNG line.
 *
 *   bun bench/native-floor.ts      (needs gcc or cc; BENCH_ECHO=20000); also part of `bun run bench`
 * Prints one JSON object per transport (or one saying why it was skipped).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, print } from "./lib.ts";

const REQUESTS = Number(process.env.BENCH_ECHO ?? 20_000);
const LIBNNG = ["/usr/lib/x86_64-linux-gnu/libnng.so.1", "/usr/lib/aarch64-linux-gnu/libnng.so.1", "/usr/lib/libnng.so.1"];

/** Builds and runs the echo; prints one line per transport, or one saying why it was skipped (no compiler, no libnng). */
export async function runFloor(): Promise<void> {
  const libnng = LIBNNG.find((path) => Bun.file(path).size > 0);
  const compiler = Bun.which("gcc") ?? Bun.which("cc");
  if (!libnng || !compiler) {
    print({ scenario: "echo_floor", skipped: !libnng ? "libnng.so.1 not found (bin/setup installs it)" : "no C compiler (gcc or cc) to build bench/native/echo-floor.c" });
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "fastworker-echo-"));
  try {
    const binary = join(dir, "echo-floor");
    const build = Bun.spawnSync([compiler, "-O2", "-o", binary, `${import.meta.dir}/native/echo-floor.c`, libnng], { stderr: "inherit" });
    if (build.exitCode !== 0) throw new Error(`building echo-floor.c failed (exit ${build.exitCode})`);
    for (const [server, client, target] of [["nng-rep", "nng-req", "nng"], ["tcp-srv", "tcp-cli", "tcp"]] as const) {
      const port = await freePort();
      const address = target === "nng" ? `tcp://127.0.0.1:${port}` : String(port);
      const peer = Bun.spawn([binary, server, address], { stdout: "ignore", stderr: "inherit" });
      try {
        await Bun.sleep(200); // the listener binds in well under this; a client that connects first fails and says so
        const run = Bun.spawnSync([binary, client, address, String(REQUESTS)], { stderr: "inherit" });
        if (run.exitCode !== 0) throw new Error(`${client} failed (exit ${run.exitCode})`);
        process.stdout.write(run.stdout.toString());
      } finally {
        peer.kill();
        await peer.exited;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await runFloor();

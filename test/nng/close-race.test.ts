import { afterAll, expect, test } from "bun:test";
import type { EngineKind } from "../../src/nng/index.ts";
import { killAll, startProcess } from "../helpers/processes.ts";

afterAll(killAll);

// Before the shim's close gate, 7 of 8 runs of 200 rounds aborted with libnng's
// "pthread_mutex_lock: Invalid argument" panic; 3 600 rounds with the gate ran clean.
for (const engine of ["shim", "js"] as EngineKind[]) {
  test(`closing right after traffic never crashes libnng (${engine} I/O core, 300 rounds)`, async () => {
    const child = startProcess(["test/fixtures/close-race.ts", "300"], { env: { FASTWORKER_NNG_ENGINE: engine } });
    const exitCode = await child.proc.exited;
    expect({ exitCode, output: child.output().trim() }).toEqual({ exitCode: 0, output: "ok 300" });
  });
}

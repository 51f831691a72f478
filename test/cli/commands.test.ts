import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startControlPlane } from "../helpers/control-plane.ts";
import { freeAddress } from "../helpers/ports.ts";
import { killAll } from "../helpers/processes.ts";

const root = join(import.meta.dir, "../..");
let address: string;

beforeAll(async () => {
  ({ address } = await startControlPlane(["--concurrency", "1"]));
});
afterAll(killAll);

/** Runs the real CLI in its own process. */
function cli(args: string[], env: Record<string, string> = {}) {
  const run = Bun.spawnSync(["bun", "bin/fastworker.ts", ...args], { cwd: root, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  return { code: run.exitCode, out: run.stdout.toString().trim(), err: run.stderr.toString().trim() };
}

describe("fastworker CLI", () => {
  test("version and doctor", () => {
    expect(cli(["version"]).out).toMatch(/^fastworker \d+\.\d+\.\d+ \(protocol v1, bun /);
    const doctor = JSON.parse(cli(["doctor", "--json"], { FASTWORKER_GUI_PORT: "1" }).out);
    expect(doctor.checks.find((c: { check: string }) => c.check === "libnng").ok).toBe(true);
  });

  test("submit prints the result; arguments are JSON where they parse, strings otherwise", () => {
    expect(cli(["submit", "--task-name", "add", "--args", "5", "3", "--control-plane-address", address])).toMatchObject({ code: 0, out: "8" });
    expect(JSON.parse(cli(["submit", "--task-name", "typed", "--args", "6", "7", "--json", "--control-plane-address", address]).out)).toMatchObject({ status: "success", result: 42 });
    const strings = cli(["submit", "--task-name", "mark", "--args", "/dev/null", "hello", "--control-plane-address", address]);
    expect(strings).toMatchObject({ code: 0, out: "hello" });
  });

  test("--non-blocking prints the id; status and cancel read it back", () => {
    const id = cli(["submit", "--task-name", "add", "--args", "1", "2", "--countdown", "60", "--non-blocking", "--control-plane-address", address]).out;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(cli(["status", "--task-id", id, "--control-plane-address", address]).out).toContain("scheduled");
    expect(cli(["cancel", "--task-id", id, "--control-plane-address", address])).toMatchObject({ code: 0, out: `cancelled ${id}` });
    const status = cli(["status", "--task-id", id, "--json", "--control-plane-address", address]);
    expect(JSON.parse(status.out).status).toBe("cancelled");
    expect(status.code).toBe(1);
  });

  test("exit codes: 1 task failed, 2 usage error, 3 control plane unreachable; errors are one line", async () => {
    const failed = cli(["submit", "--task-name", "hard", "--control-plane-address", address]);
    expect(failed.code).toBe(1);
    expect(failed.err).toBe("fastworker: E_TASK_FAILED: NonRetryable: refused on purpose");
    const unknown = cli(["submit", "--task-name", "nope", "--control-plane-address", address]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toStartWith("fastworker: E_UNKNOWN_TASK:");
    const badFlag = cli(["submit", "--task-name", "add", "--priority", "urgent", "--control-plane-address", address]);
    expect(badFlag).toMatchObject({ code: 2, err: 'fastworker: E_CONFIG: --priority must be critical, high, normal or low, not "urgent"' });
    const unreachable = cli(["submit", "--task-name", "add", "--args", "1", "1", "--control-plane-address", await freeAddress(), "--connect-timeout", "1", "--json"]);
    expect(unreachable.code).toBe(3);
    expect(JSON.parse(unreachable.err).error.code).toBe("E_UNAVAILABLE");
    expect(cli(["no-such-command"]).code).toBe(2);
  });

  test("flags win over the environment, which wins over defaults", () => {
    const viaEnv = cli(["submit", "--task-name", "add", "--args", "2", "2"], { FASTWORKER_CONTROL_PLANE_ADDRESS: address });
    expect(viaEnv).toMatchObject({ code: 0, out: "4" });
    const flagWins = cli(["submit", "--task-name", "add", "--args", "2", "3", "--control-plane-address", address], { FASTWORKER_CONTROL_PLANE_ADDRESS: "tcp://127.0.0.1:1" });
    expect(flagWins).toMatchObject({ code: 0, out: "5" });
    const badEnv = cli(["control-plane", "--task-modules", "test/fixtures/core-tasks.ts"], { FASTWORKER_CONCURRENCY: "lots" });
    expect(badEnv.code).toBe(2);
    expect(badEnv.err).toContain("FASTWORKER_CONCURRENCY");
  });

  test("list shows the tasks of modules; a module that fails to import is named with its error", () => {
    const list = cli(["list", "--task-modules", "test/fixtures/core-tasks.ts"]);
    expect(list.code).toBe(0);
    expect(list.out).toContain("failTwice  (normal, retries 3)");
    expect(cli(["list", "--task-modules", "test/fixtures/core-tasks.ts", "--tree"]).out).toContain("└─ add (export add)");
    const broken = cli(["control-plane", "--task-modules", "test/fixtures/tasks/broken.ts", "--no-gui", "--no-journal", "--base-address", "tcp://127.0.0.1:1"]);
    expect(broken.code).toBe(2);
    expect(broken.err).toContain("E_TASK_MODULE_LOAD");
    expect(broken.err).toContain("broken.ts");
  });
});

import { afterAll, describe, expect, test } from "bun:test";
import { startControlPlane } from "../helpers/control-plane.ts";
import { cli } from "../helpers/cli.ts";
import { killAll } from "../helpers/processes.ts";

afterAll(killAll);

describe("fastworker submit --count under backpressure", () => {
  test("3 000 tasks against --max-queued 50 and --result-cache-size 1000: every one succeeds (no E_TASK_NOT_FOUND from an evicted result)", async () => {
    // Before: the CLI enqueued, then awaited each task after its acceptance; under the resubmit
    // storm more than 1 000 tasks finished in between and their results left the cache.
    const { address } = await startControlPlane(["--concurrency", "2", "--max-queued", "50", "--result-cache-size", "1000"]);
    const run = cli(["submit", "--task-name", "add", "--args", "1", "2", "--count", "3000", "--json", "--control-plane-address", address]);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.out) as { count: number; succeeded: number; failed: number; taskIds: string[] };
    expect(summary).toMatchObject({ count: 3000, succeeded: 3000, failed: 0 });
    expect(new Set(summary.taskIds).size).toBe(3000);
  });

  test("failed tasks are counted; a task name the control plane does not know ends the command with its error", async () => {
    const { address } = await startControlPlane(["--concurrency", "1"]);
    const failing = cli(["submit", "--task-name", "hard", "--count", "4", "--json", "--control-plane-address", address]);
    expect(failing.code).toBe(1);
    expect(JSON.parse(failing.out)).toMatchObject({ count: 4, succeeded: 0, failed: 4 });
    const unknown = cli(["submit", "--task-name", "nope", "--count", "3", "--json", "--control-plane-address", address]);
    expect(unknown.code).not.toBe(0);
    expect(JSON.parse(unknown.err).error).toMatchObject({ code: "E_UNKNOWN_TASK" });
  });
});

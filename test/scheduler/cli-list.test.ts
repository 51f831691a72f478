/** `fastworker list --list-periodic`: each periodic task with its next run times. */
import { expect, test } from "bun:test";

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(["bun", "bin/fastworker.ts", ...args], { cwd: `${import.meta.dir}/../..`, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

interface Listed {
  name: string;
  kind: string;
  expression?: string;
  intervalMs?: number;
  nextRuns: string[];
}

test("--json lists only periodic tasks, each with three ISO next run times", async () => {
  const { code, stdout, stderr } = await runCli(["list", "--task-modules", "test/fixtures/periodic-tasks.ts", "--list-periodic", "--json"]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const { periodic } = JSON.parse(stdout) as { periodic: Listed[] };
  expect(periodic.map((p) => p.name).sort()).toEqual(["cronTick", "everySecond", "greet", "slowTick", "twice"]);
  const greet = periodic.find((p) => p.name === "greet")!;
  expect(greet).toMatchObject({ kind: "cron", expression: "0 9 * * 1-5", timezone: "UTC", catchUp: "skip", overlap: false });
  expect(greet.nextRuns).toHaveLength(3);
  for (const at of greet.nextRuns) {
    expect(new Date(at).toISOString()).toBe(at);
    expect(at.endsWith("T09:00:00.000Z")).toBe(true);
    expect([0, 6]).not.toContain(new Date(at).getUTCDay());
  }
  const tick = periodic.find((p) => p.name === "cronTick")!;
  expect(Date.parse(tick.nextRuns[2]!) - Date.parse(tick.nextRuns[0]!)).toBe(2000);
  expect(periodic.find((p) => p.name === "twice")).toMatchObject({ intervalMs: 300, repeatCount: 2 });
});

test("the human listing names each schedule and its next runs", async () => {
  const { code, stdout } = await runCli(["list", "--task-modules", "test/fixtures/periodic-tasks.ts", "--list-periodic"]);
  expect(code).toBe(0);
  expect(stdout).toContain('greet  cron "0 9 * * 1-5" (UTC)');
  expect(stdout).toContain("everySecond  every 1000 ms (counted from control-plane start)");
  expect(stdout.match(/ {2}next: /g)).toHaveLength(5);
});

test("a module with no periodic task says so", async () => {
  const { code, stdout } = await runCli(["list", "--task-modules", "test/fixtures/core-tasks.ts", "--list-periodic"]);
  expect(code).toBe(0);
  expect(stdout.trim()).toBe("no periodic tasks (give a task repeatIntervalMs or cron)");
});

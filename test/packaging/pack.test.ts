import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeAddress } from "../helpers/ports.ts";

const root = join(import.meta.dir, "../..");
const scratch = mkdtempSync(join(tmpdir(), "fw-pack-"));
const started: Array<ReturnType<typeof Bun.spawn>> = [];
afterAll(async () => {
  for (const p of started) p.kill("SIGKILL");
  await Promise.all(started.map((p) => p.exited));
});

function run(cmd: string[], cwd: string) {
  const result = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed (${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout.toString();
}

test("the published package shape works: bun add <tarball>, import fastworker, bunx fastworker", async () => {
  run(["bun", "pm", "pack", "--destination", scratch, "--quiet"], root);
  const tarball = readdirSync(scratch).find((f) => f.endsWith(".tgz"));
  expect(tarball).toBeDefined();
  const app = join(scratch, "app");
  run(["mkdir", "-p", app], scratch);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "scratch-app", private: true, type: "module" }));
  run(["bun", "add", join(scratch, tarball!)], app);
  writeFileSync(join(app, "tasks.ts"), 'import { task } from "fastworker";\nexport const shout = task("shout", (s: string) => s.toUpperCase());\n');
  expect(run(["bunx", "fastworker", "version"], app)).toContain("fastworker 0.1.0");
  expect(run(["bunx", "fastworker", "list", "--task-modules", "tasks.ts"], app)).toContain("shout");

  const address = await freeAddress();
  // The package's bin run directly (its shebang execs bun): killing `bunx` would leave its child running.
  const cp = Bun.spawn([join(app, "node_modules/.bin/fastworker"), "control-plane", "--task-modules", "tasks.ts", "--base-address", address, "--no-discovery", "--no-gui", "--concurrency", "1"], { cwd: app, stdout: "pipe", stderr: "pipe" });
  started.push(cp);
  writeFileSync(join(app, "use.ts"), `import { Client } from "fastworker";\nimport { shout } from "./tasks.ts";\nconst c = await new Client({ address: "${address}", connectTimeoutMs: 15000 }).start();\nconsole.log(await c.submit(shout, ["hi"]));\nawait c.stop();\n`);
  expect(run(["bun", "use.ts"], app).trim()).toBe("HI");
});

import { afterAll, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeAddress, freePort } from "../helpers/ports.ts";

const root = join(import.meta.dir, "../..");
const scratch = mkdtempSync(join(tmpdir(), "fw-binary-"));
const binary = join(scratch, "fastworker");
const started: Array<ReturnType<typeof Bun.spawn>> = [];
afterAll(async () => {
  for (const p of started) p.kill("SIGKILL");
  await Promise.all(started.map((p) => p.exited));
});

test("bun build --compile gives one binary that runs a control plane and its tasks (task modules given by path)", async () => {
  const build = Bun.spawnSync(["bun", "build", "--compile", "bin/fastworker.ts", "src/pool/worker-entry.ts", "--asset", "gui/dist", "--outfile", binary], { cwd: root, stderr: "pipe" });
  expect(build.exitCode).toBe(0);
  // The task module lives outside the repository and imports "fastworker": the binary provides it.
  copyFileSync(join(root, "examples/tasks.ts"), join(scratch, "tasks.ts"));
  const address = await freeAddress();
  const guiPort = await freePort();
  const cp = Bun.spawn([binary, "control-plane", "--task-modules", "tasks.ts", "--base-address", address, "--no-discovery", "--no-journal", "--gui-port", String(guiPort), "--concurrency", "1"], { cwd: scratch, stdout: "pipe", stderr: "pipe" });
  started.push(cp);
  const reader = cp.stdout.getReader();
  let banner = "";
  while (!banner.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`binary control plane exited: ${banner}${await new Response(cp.stderr).text()}`);
    banner += new TextDecoder().decode(value);
  }
  const submit = Bun.spawnSync([binary, "submit", "--task-name", "add", "--args", "20", "22", "--control-plane-address", address], { cwd: scratch, stdout: "pipe", stderr: "pipe" });
  expect(submit.stderr.toString()).toBe("");
  expect(submit.stdout.toString().trim()).toBe("42");
  expect(submit.exitCode).toBe(0);
  const fib = Bun.spawnSync([binary, "submit", "--task-name", "fib", "--args", "20", "--json", "--control-plane-address", address], { cwd: scratch, stdout: "pipe" });
  expect(JSON.parse(fib.stdout.toString())).toMatchObject({ status: "success", result: 6765, taskId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  // The dashboard's page and API come from inside the binary too.
  const page = await fetch(`http://127.0.0.1:${guiPort}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("<div id=\"app\"");
  const status = (await (await fetch(`http://127.0.0.1:${guiPort}/api/status`)).json()) as { running: boolean };
  expect(status.running).toBe(true);
});

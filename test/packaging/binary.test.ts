import { afterAll, expect, test } from "bun:test";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
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

/** `bun run build:binary` as package.json has it, writing to `outfile` instead of ./fastworker. */
function buildBinaryCommand(outfile: string): string[] {
  const { scripts } = (require(join(root, "package.json")) as { scripts: Record<string, string> });
  const words = scripts["build:binary"]!.split(/\s+/);
  const at = words.indexOf("--outfile");
  expect(at).toBeGreaterThan(0);
  words[at + 1] = outfile;
  return words;
}

// A task module with a dependency of its own (valibot, as in the README's argsSchema example), in a
// folder whose node_modules has it: the binary resolves it from there, as `bun` would.
const WITH_DEPENDENCY = `import * as v from "valibot";
import { task } from "fastworker";
export const greet = task({ name: "greet", argsSchema: v.tuple([v.pipe(v.string(), v.minLength(2))]) }, (who: string) => \`hello \${who}\`);
`;

test("bun run build:binary gives one binary that runs a control plane and its tasks (task modules given by path, their own packages from their node_modules)", async () => {
  const build = Bun.spawnSync(buildBinaryCommand(binary), { cwd: root, stderr: "pipe" });
  expect(build.exitCode, build.stderr.toString()).toBe(0);
  // The task module lives outside the repository and imports "fastworker": the binary provides it.
  copyFileSync(join(root, "examples/tasks.ts"), join(scratch, "tasks.ts"));
  mkdirSync(join(scratch, "greeting/node_modules"), { recursive: true });
  cpSync(join(root, "node_modules/valibot"), join(scratch, "greeting/node_modules/valibot"), { recursive: true });
  mkdirSync(join(scratch, "greeting/tasks"));
  writeFileSync(join(scratch, "greeting/tasks/greet.ts"), WITH_DEPENDENCY);
  const address = await freeAddress();
  const guiPort = await freePort();
  const cp = Bun.spawn([binary, "control-plane", "--task-modules", "tasks.ts,greeting/tasks/greet.ts", "--base-address", address, "--no-discovery", "--no-journal", "--gui-port", String(guiPort), "--concurrency", "1"], { cwd: scratch, stdout: "pipe", stderr: "pipe" });
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
  // greet runs in a pool Worker, which imports valibot from greeting/node_modules too.
  const greet = Bun.spawnSync([binary, "submit", "--task-name", "greet", "--args", "bun", "--control-plane-address", address], { cwd: scratch, stdout: "pipe", stderr: "pipe" });
  expect(greet.stdout.toString().trim(), greet.stderr.toString()).toBe("hello bun");
  const invalid = Bun.spawnSync([binary, "submit", "--task-name", "greet", "--args", "b", "--json", "--control-plane-address", address], { cwd: scratch, stdout: "pipe", stderr: "pipe" });
  // The schema ran too: a failed task is exit code 1, its error on stderr.
  expect(invalid.exitCode).toBe(1);
  expect((JSON.parse(invalid.stderr.toString()) as { error: { code: string } }).error.code).toBe("E_INVALID_ARGS");
  // The dashboard's page and API come from inside the binary too.
  const page = await fetch(`http://127.0.0.1:${guiPort}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("<div id=\"app\"");
  const status = (await (await fetch(`http://127.0.0.1:${guiPort}/api/status`)).json()) as { running: boolean };
  expect(status.running).toBe(true);
});

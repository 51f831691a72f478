// The journal's writer thread loads inside a `bun run build:binary` binary too (it is an extra entry point there).
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeAddress, freePort } from "../helpers/ports.ts";

const root = join(import.meta.dir, "../..");
const scratch = mkdtempSync(join(tmpdir(), "fw-binary-journal-"));
const binary = join(scratch, "fastworker");
const started: Array<ReturnType<typeof Bun.spawn>> = [];
afterAll(async () => {
  for (const p of started) p.kill("SIGKILL");
  await Promise.all(started.map((p) => p.exited));
});

test("a compiled binary runs a control plane with the journal on: tasks are acknowledged after their commit on the writer thread", async () => {
  // The build line exactly as package.json has it, only with another output file.
  const script = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts["build:binary"]!;
  const args = script.split(/\s+/).slice(1).map((a, i, all) => (all[i - 1] === "--outfile" ? binary : a));
  const build = Bun.spawnSync(["bun", ...args], { cwd: root, stderr: "pipe" });
  expect(build.stderr.toString()).not.toContain("error");
  expect(build.exitCode).toBe(0);
  copyFileSync(join(root, "examples/tasks.ts"), join(scratch, "tasks.ts"));
  const address = await freeAddress();
  const guiPort = await freePort();
  const dataDir = join(scratch, "data");
  const cp = Bun.spawn([binary, "control-plane", "--task-modules", "tasks.ts", "--base-address", address, "--no-discovery", "--data-dir", dataDir, "--gui-port", String(guiPort), "--concurrency", "1"], { cwd: scratch, stdout: "pipe", stderr: "pipe" });
  started.push(cp);
  const reader = cp.stdout.getReader();
  let banner = "";
  while (!banner.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`binary control plane exited: ${banner}${await new Response(cp.stderr).text()}`);
    banner += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const submit = Bun.spawnSync([binary, "submit", "--task-name", "add", "--args", "20", "22", "--control-plane-address", address], { cwd: scratch, stdout: "pipe", stderr: "pipe" });
  expect(submit.stderr.toString()).toBe("");
  expect(submit.stdout.toString().trim()).toBe("42");
  const status = (await (await fetch(`http://127.0.0.1:${guiPort}/api/status`)).json()) as { journal: { state: string; commits: number } | null };
  expect(status.journal?.state).toBe("ok");
  expect(status.journal?.commits).toBeGreaterThanOrEqual(1);
  cp.kill("SIGTERM");
  expect(await cp.exited).toBe(0);
  const db = new Database(join(dataDir, "journal.sqlite"), { readonly: true });
  expect(db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM tasks WHERE state = 'success'").get()?.n).toBe(1);
  db.close();
});

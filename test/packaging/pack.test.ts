// The package as a user gets it: packed (prepack builds dist/), installed from the tarball into a
// fresh `bun init` project with its default tsconfig (strict, noUncheckedIndexedAccess), type-checked
// with that project's TypeScript, run through its bin, and embedded in an app compiled with
// `bun build --compile`. Needs the npm registry or Bun's cache (bun init installs @types/bun and
// typescript, the tarball's dependencies come from the registry).
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeAddress } from "../helpers/ports.ts";

const root = join(import.meta.dir, "../..");
const scratch = mkdtempSync(join(tmpdir(), "fw-pack-"));
const app = join(scratch, "app");
const started: Array<ReturnType<typeof Bun.spawn>> = [];
afterAll(async () => {
  for (const p of started) p.kill("SIGKILL");
  await Promise.all(started.map((p) => p.exited));
  rmSync(scratch, { recursive: true, force: true });
});

interface Ran { code: number; out: string; err: string }

function run(cmd: string[], cwd: string, timeoutMs = 120_000): Ran {
  const result = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe", timeout: timeoutMs, env: { ...process.env, NO_COLOR: "1" } });
  return { code: result.exitCode ?? -1, out: result.stdout.toString(), err: result.stderr.toString() };
}

function ok(cmd: string[], cwd: string, timeoutMs?: number): string {
  const result = run(cmd, cwd, timeoutMs);
  if (result.code !== 0) throw new Error(`${cmd.join(" ")} failed (${result.code}):\n${result.out}\n${result.err}`);
  return result.out;
}

// valibot is the task module's own import (here the copy installed with fastworker).
const TASKS = `import * as v from "valibot";
import { task } from "fastworker";
export const add = task({ name: "add", argsSchema: v.tuple([v.number(), v.number()]) }, (x: number, y: number) => x + y);
export const shout = task({ name: "shout", retries: 1 }, async (s: string) => s.toUpperCase());
`;

// What a user writes: every import resolves to the package's declarations, result types are inferred.
const CONSUMER = `import { Client, TaskError, createControlPlane, type TaskResultRecord } from "fastworker";
import { fastworker } from "fastworker/elysia";
import { Elysia } from "elysia";
import { add, shout } from "./tasks.ts";

export async function use(address: string): Promise<void> {
  const client = await new Client({ address, connectTimeoutMs: 15_000 }).start();
  const sum: number = await client.submit(add, [2, 3]);
  const loud: string = await client.submit(shout, ["hi"]);
  const id: string = await client.enqueue(add, [1, 2], { priority: "high" });
  const record: TaskResultRecord = await client.result(id, { wait: true });
  console.log(JSON.stringify({ sum, loud, status: record.status, isError: record.error instanceof TaskError }));
  await client.stop();
}

export const typedApp = new Elysia().use(fastworker({ address: "tcp://127.0.0.1:1" })).get("/", ({ fw }) => fw.submit(add, [1, 2]));
export const start = createControlPlane;
`;

const WRONG = `import { Client } from "fastworker";
import { add } from "./tasks.ts";
const client = new Client();
void client.submit(add, ["2", 3]);
`;

// The embedded app compiled into one binary as docs/api.md says: Elysia plugin in embedded mode,
// its pool Workers loading ./tasks.ts (and valibot) from the working directory, the dashboard's
// GUI embedded with --asset.
const EMBEDDED_APP = `import { Elysia } from "elysia";
import { fastworker } from "fastworker/elysia";
import { add } from "./tasks.ts";

const address = process.argv[2] ?? "tcp://127.0.0.1:5555";
const app = new Elysia()
  .use(fastworker({ embedded: { taskModules: ["./tasks.ts"], address, discoveryAddress: null, concurrency: 1 } }))
  .get("/add", async ({ fw, query }) => ({ sum: await fw.submit(add, [Number(query.x), Number(query.y)]) }));
const response = await app.handle(new Request("http://127.0.0.1/add?x=20&y=22"));
console.log(response.status, await response.text());
const page = await app.handle(new Request("http://127.0.0.1/fastworker/"));
console.log("dashboard", page.status, (await page.text()).includes('<div id="app"'));
await app.decorator.fw.stop();
`;

test("packed, installed into a fresh bun init project: type-checks, runs its bin, and compiles an embedded app", async () => {
  ok(["bun", "pm", "pack", "--destination", scratch, "--quiet"], root);
  const tarball = readdirSync(scratch).find((f) => f.endsWith(".tgz"));
  expect(tarball).toBeDefined();
  const listing = ok(["tar", "-tzf", join(scratch, tarball!)], scratch);
  for (const file of ["package/dist/js/index.js", "package/dist/types/index.d.ts", "package/dist/types/server/elysia-plugin.d.ts", "package/LICENSE", "package/src/index.ts", "package/gui/dist/index.html"]) {
    expect(listing).toContain(file);
  }

  mkdirSync(app);
  ok(["bun", "init", "-y"], app);
  ok(["bun", "add", join(scratch, tarball!)], app);
  writeFileSync(join(app, "index.ts"), 'export {};\n');
  writeFileSync(join(app, "tasks.ts"), TASKS);
  writeFileSync(join(app, "consumer.ts"), CONSUMER);
  writeFileSync(join(app, "embedded-app.ts"), EMBEDDED_APP);
  // The project's own TypeScript with its default tsconfig: nothing inside node_modules/fastworker is reported.
  const clean = run(["bunx", "tsc", "--noEmit"], app);
  expect(`${clean.out}${clean.err}`).toBe("");
  expect(clean.code).toBe(0);
  // Even with the declarations checked (skipLibCheck off), none of ours is reported (Elysia's own may be).
  const libCheck = run(["bunx", "tsc", "--noEmit", "--skipLibCheck", "false"], app);
  expect(libCheck.out).not.toContain("node_modules/fastworker");

  writeFileSync(join(app, "wrong.ts"), WRONG);
  const wrong = run(["bunx", "tsc", "--noEmit"], app);
  expect(wrong.code).not.toBe(0);
  expect(wrong.out).toContain("wrong.ts(4,");
  expect(wrong.out).toContain("Type 'string' is not assignable to type 'number'");
  expect(wrong.out).not.toContain("node_modules");
  rmSync(join(app, "wrong.ts"));

  expect(ok(["bunx", "fastworker", "version"], app)).toContain("fastworker 0.1.0");
  expect(ok(["bunx", "fastworker", "list", "--task-modules", "tasks.ts"], app)).toContain("shout");

  const address = await freeAddress();
  // The package's bin run directly (its shebang execs bun): killing `bunx` would leave its child running.
  const cp = Bun.spawn([join(app, "node_modules/.bin/fastworker"), "control-plane", "--task-modules", "tasks.ts", "--base-address", address, "--no-discovery", "--no-gui", "--no-journal", "--concurrency", "1"], { cwd: app, stdout: "ignore", stderr: "pipe" });
  started.push(cp);
  writeFileSync(join(app, "use.ts"), `import { use } from "./consumer.ts";\nawait use(${JSON.stringify(address)});\n`);
  expect(JSON.parse(ok(["bun", "use.ts"], app))).toEqual({ sum: 5, loud: "HI", status: "success", isError: false });
  cp.kill("SIGTERM");
  expect(await cp.exited).toBe(0);

  ok(["bun", "build", "--compile", "--compile-autoload-package-json", "embedded-app.ts", "--asset", "node_modules/fastworker/gui/dist", "--outfile", "embedded-app"], app);
  const embeddedAddress = await freeAddress();
  const compiled = Bun.spawn([join(app, "embedded-app"), embeddedAddress], { cwd: app, stdout: "pipe", stderr: "pipe" });
  started.push(compiled);
  const exitCode = await compiled.exited;
  const out = await new Response(compiled.stdout).text();
  expect(out, await new Response(compiled.stderr).text()).toContain('200 {"sum":42}');
  expect(out).toContain("dashboard 200 true");
  expect(exitCode).toBe(0);
}, 180_000); // packs, installs, type-checks three times and compiles: well past the suite's 60 s on a busy machine

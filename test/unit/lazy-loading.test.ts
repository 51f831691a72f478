// What each process loads (issue 16, memory): a pool Worker loads its task modules and the Worker
// runtime only, and the control-plane CLI loads the dashboard (Elysia, the GUI's routes) only when the
// dashboard is on. `require.cache` lists every module Bun has loaded, ES modules included.
import { afterEach, describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { WorkerPool } from "../../src/pool/index.ts";
import { freeAddress } from "../helpers/ports.ts";

const ROOT = resolve(import.meta.dir, "../..");
const LOADED_MODULES = join(ROOT, "test/fixtures/tasks/loaded-modules.ts");
/** Modules only the dashboard needs: Elysia and its dependencies, and the dashboard's own code. */
const DASHBOARD = /node_modules\/(elysia|@sinclair|file-type)\/|\/src\/server\/(app|start|routes\/)/;

/** The modules a fresh Bun process has loaded after importing `entries` in order. */
async function loadedBy(...entries: string[]): Promise<string[]> {
  const script = `for (const m of ${JSON.stringify(entries)}) await import(m); console.log(JSON.stringify(Object.keys(require.cache)));`;
  const proc = Bun.spawn(["bun", "-e", script], { cwd: ROOT, stdout: "pipe", stderr: "inherit" });
  const [text, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  expect(code).toBe(0);
  return JSON.parse(text) as string[];
}

describe("the control-plane CLI without the dashboard", () => {
  test("loads no dashboard module until the dashboard starts", async () => {
    const cli = await loadedBy("./src/cli/main.ts");
    expect(cli.some((path) => path.endsWith("/src/cli/control-plane.ts"))).toBe(true);
    expect(cli.filter((path) => DASHBOARD.test(path))).toEqual([]);
    // The check itself: the module the CLI imports when the dashboard is on brings Elysia in.
    const withDashboard = await loadedBy("./src/cli/main.ts", "./src/server/start.ts");
    expect(withDashboard.some((path) => path.includes("node_modules/elysia/"))).toBe(true);
  });
});

describe("an in-memory control plane's process without an OpenTelemetry SDK", () => {
  test("loads no @opentelemetry module, no journal, no PostgreSQL store and no leader election", async () => {
    // A started control plane (its telemetry looked for an SDK) and a client that connected to it.
    const script = `
      import "./src/cli/main.ts";
      import { createControlPlane } from "./src/control-plane/index.ts";
      import { Client } from "./src/client/index.ts";
      import { silentLogger } from "./src/log.ts";
      const cp = await createControlPlane({ taskModules: [${JSON.stringify(LOADED_MODULES)}], cwd: process.cwd(), address: ${JSON.stringify(await freeAddress())}, discoveryAddress: null, concurrency: 0, log: silentLogger });
      const client = await new Client({ address: cp.address }).start();
      await client.stop();
      await cp.stop();
      console.log(JSON.stringify(Object.keys(require.cache)));`;
    const proc = Bun.spawn(["bun", "-e", script], { cwd: ROOT, stdout: "pipe", stderr: "inherit" });
    const [text, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(code).toBe(0);
    const loaded = JSON.parse(text) as string[];
    expect(loaded.some((path) => path.endsWith("/src/telemetry/control-plane.ts"))).toBe(true);
    expect(loaded.filter((path) => path.includes("node_modules/@opentelemetry/"))).toEqual([]);
    // What only --data-dir (the SQLite journal) or --journal-url (PostgreSQL, the leader lease) needs.
    const durableOnly = /\/src\/(ha|store\/postgres)\/|\/src\/store\/(journal|group-commit|writer-thread)[^/]*\.ts$|\/src\/cli\/leader-election\.ts$/;
    expect(loaded.filter((path) => durableOnly.test(path))).toEqual([]);
  });
});

describe("a pool Worker", () => {
  const pools: WorkerPool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
  });

  test("loads its task modules and the Worker runtime, not the roles, the store or the dashboard", async () => {
    const pool = new WorkerPool({ size: 1, taskModules: [LOADED_MODULES], log: () => {} });
    pools.push(pool);
    await pool.start();
    const outcome = await pool.run({ id: "lazy-1", name: "loadedModules", args: [], attempt: 1, priority: "normal" });
    if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
    const loaded = outcome.result as string[];
    expect(loaded.some((path) => path.endsWith("/src/pool/worker-entry.ts"))).toBe(true);
    expect(loaded.some((path) => path === LOADED_MODULES)).toBe(true);
    // No SDK is registered in this Worker, so not even the OpenTelemetry API is loaded (telemetry/worker-tracing-loader.ts).
    const beyondTheRuntime = /\/src\/(control-plane|client|subworker|store|server|elysia|cli|nng|connection|discovery)\/|node_modules\/(elysia|@opentelemetry)\//;
    expect(loaded.filter((path) => beyondTheRuntime.test(path))).toEqual([]);
  });
});

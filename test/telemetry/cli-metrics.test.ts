import { afterAll, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { freeAddress, freePort } from "../helpers/ports.ts";
import { killAll, startProcess } from "../helpers/processes.ts";
import { parsePrometheus } from "./prom-parse.ts";

afterAll(killAll);

test("the control plane started by the CLI serves GET /metrics whose counters match the tasks run", async () => {
  const address = await freeAddress();
  const port = await freePort();
  const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", address,
    "--no-discovery", "--no-journal", "--gui-port", String(port), "--concurrency", "1"]);
  await cp.waitFor(/control plane .* ready/);
  const client = await new Client({ address }).start();
  await Promise.all(Array.from({ length: 7 }, (_, i) => client.submit("add", [i, 1])));
  await client.submit("hard", []).catch(() => undefined);
  await client.stop();
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain");
  const families = parsePrometheus(await response.text());
  const sum = (family: string, task: string) =>
    families.get(family)?.samples.filter((s) => s.labels.task === task).reduce((n, s) => n + s.value, 0) ?? 0;
  expect(sum("fastworker_tasks_succeeded_total", "add")).toBe(7);
  expect(sum("fastworker_tasks_failed_total", "hard")).toBe(1);
});

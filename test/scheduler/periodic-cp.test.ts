/**
 * Periodic tasks in a real control plane process (started through the CLI): they fire on time,
 * go through the queue like any task, and never overlap. Counts are ranges, read from what the
 * control plane submitted, so a slow machine changes timings, not outcomes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "../../src/client/index.ts";
import { killAll, type Started } from "../helpers/processes.ts";
import { connect, firedIds, logLines, sleepUntil, startCp } from "./cp-helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "fw-periodic-"));
let cp: Started;
let client: Client;
let readyAt = 0;

beforeAll(async () => {
  const started = await startCp("test/fixtures/periodic-tasks.ts", ["--concurrency", "3", "--log-level", "debug"], { FW_PERIODIC_DIR: dir });
  cp = started.cp;
  readyAt = started.readyAt;
  client = await connect(started.address);
});
afterAll(async () => {
  await client?.stop();
  await killAll();
});

async function expectSucceeded(ids: readonly string[]): Promise<void> {
  for (const id of ids) expect((await client.result(id, { wait: 10_000 })).status).toBe("success");
}

describe("periodic tasks in a control plane", () => {
  test("a 1 s interval task runs 3-4 times in 3.5 s, each run a normal task with id name@dueAt", async () => {
    await sleepUntil(readyAt + 3500);
    const ids = firedIds(cp.output(), "everySecond");
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect(ids.length).toBeLessThanOrEqual(4);
    const due = ids.map((id) => Number(id.split("@")[1]));
    expect(ids.every((id) => /^everySecond@\d+$/.test(id))).toBe(true);
    // One interval apart, exactly: due times sit on a grid, whatever the timer's lateness.
    expect(due.slice(1).map((d, i) => d - due[i]!)).toEqual(Array(due.length - 1).fill(1000));
    await expectSucceeded(ids);
  });

  test("a cron expression with seconds (*/1 * * * * *) runs on each whole second", async () => {
    // The first whole second after the control plane was ready, and the two after it.
    const first = Math.ceil(readyAt / 1000) * 1000;
    const ids = [0, 1, 2].map((k) => `cronTick@${first + k * 1000}`);
    await sleepUntil(first + 2000 + 100);
    await expectSucceeded(ids);
    const fired = firedIds(cp.output(), "cronTick");
    expect(fired).toEqual(expect.arrayContaining(ids));
    expect(new Set(fired).size).toBe(fired.length);
  });

  test("repeatCount 2 stops after two runs", async () => {
    await sleepUntil(readyAt + 3500);
    const ids = firedIds(cp.output(), "twice");
    expect(ids).toHaveLength(2);
    await expectSucceeded(ids);
  });

  test("no overlap: a 2.5 s task on a 1 s interval never runs twice at once; the due times in between are skipped", async () => {
    await sleepUntil(readyAt + 7000);
    const lines = readFileSync(join(dir, "slow.log"), "utf8").trim().split("\n");
    const kinds = lines.map((l) => l.split(" ")[0]);
    expect(kinds.filter((k) => k === "start").length).toBeGreaterThanOrEqual(2);
    // Strictly alternating: every start after the previous run's end.
    kinds.forEach((kind, i) => expect(kind).toBe(i % 2 === 0 ? "start" : "end"));
    const skips = logLines(cp.output()).filter((l) => l.msg === "periodic run skipped" && l.schedule === "slowTick");
    expect(skips.length).toBeGreaterThanOrEqual(2);
    expect(skips.every((s) => s.reason === "overlap")).toBe(true);
  });
});

// A frozen disk stalls only the submissions waiting for their commit: the writer is on its own thread.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "../../src/client/index.ts";
import { connect } from "../helpers/control-plane.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { killAll } from "../helpers/processes.ts";
import { sample, startDurable, timed, type DurableCp } from "./journal-cp.ts";

const BUDGET_MS = 100;
const cleanups: Array<() => void> = [];
afterAll(async () => {
  // Thaw before killing: a process blocked on a frozen filesystem cannot die until then.
  for (const cleanup of cleanups.reverse()) cleanup();
  await killAll();
  for (const cleanup of unmounts) cleanup();
});
const unmounts: Array<() => void> = [];

/**
 * The calls that must keep answering while the disk is frozen: status (NNG), a result, /api/status,
 * /metrics and the dashboard page, three rounds. Returns every answer time in milliseconds.
 */
async function answerTimes(durable: DurableCp, client: Client, finishedId: string): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < 3; round++) {
    const calls: Array<() => Promise<unknown>> = [
      () => client.status(),
      () => client.result(finishedId),
      () => durable.status(),
      () => durable.metrics(),
      async () => (await fetch(`${durable.http}/`)).text(),
    ];
    for (const call of calls) times.push((await timed(call)).ms);
  }
  return times.sort((a, b) => a - b);
}

const median = (sorted: number[]) => sorted[Math.floor(sorted.length / 2)]!;

/**
 * 100 ms, as promised. Seven test suites share this 2-core machine, so when the same calls were
 * already slower than that before the freeze, the budget is twice that baseline. What the freeze
 * must not do is make them wait for the disk: the disk stays frozen until the test thaws it, so a
 * call that waited for it would not answer at all.
 */
function expectAnswering(times: number[], baseline: number[]): void {
  expect(median(times)).toBeLessThan(Math.max(BUDGET_MS, 2 * median(baseline)));
  // A single scheduling hiccup of a loaded machine is tolerated; waiting for the disk is not.
  expect(times.at(-1)!).toBeLessThan(Math.max(1_000, 4 * baseline.at(-1)!));
}

async function frozenScenario(durable: DurableCp, freeze: () => void, thaw: () => void): Promise<void> {
  const client = await connect(durable.address);
  try {
    const finished = await client.enqueue("add", [1, 1]);
    expect((await client.result(finished, { wait: true })).result).toBe(2);
    await answerTimes(durable, client, finished); // warm connections
    const baseline = await answerTimes(durable, client, finished);
    freeze();
    const waiting = Array.from({ length: 20 }, (_, i) => client.enqueue("add", [i, 100]));
    let acknowledged = 0;
    // Handled here too: if the test fails before the thaw, stopping the client rejects them (E_CLOSED).
    for (const p of waiting) p.then(() => acknowledged++, () => {});
    // Wait until the commit is under way on the frozen disk.
    await waitFor(async () => ((await durable.status()).journal?.commit_in_flight_ms ?? 0) > 0, { message: "a commit to be under way on the frozen disk" });
    await Bun.sleep(300); // deliberate: the disk stays frozen this long; no acknowledgement may arrive meanwhile
    expect(acknowledged).toBe(0);
    const status = await durable.status();
    expect(status.journal?.commit_in_flight_ms).toBeGreaterThanOrEqual(300);
    expect(status.journal?.state).toBe("ok");
    expect(sample(await durable.metrics(), "fastworker_journal_commit_in_flight_seconds")).toBeGreaterThanOrEqual(0.3);
    expectAnswering(await answerTimes(durable, client, finished), baseline);
    thaw();
    const ids = await Promise.all(waiting);
    const records = await Promise.all(ids.map((id) => client.result(id, { wait: true })));
    expect(records.map((r) => r.result)).toEqual(Array.from({ length: 20 }, (_, i) => i + 100));
    const after = await durable.status();
    expect(after.journal?.commit_max_ms).toBeGreaterThanOrEqual(300);
    expect(await durable.metrics()).toMatch(/fastworker_journal_commit_seconds_bucket\{le="\+Inf"\} [1-9]/);
  } finally {
    thaw();
    await client.stop();
  }
}

describe("a stalled journal disk", () => {
  test("the writer blocked by the test hook: status, results, dashboard and /metrics answer within 100 ms; waiting submissions are acknowledged after the thaw", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fw-stall-"));
    const stallFile = join(dataDir, "stall");
    const durable = await startDurable(join(dataDir, "journal"), { env: { FASTWORKER_TEST_JOURNAL_STALL_FILE: stallFile } });
    await frozenScenario(durable, () => writeFileSync(stallFile, "frozen"), () => rmSync(stallFile, { force: true }));
    expect(await durable.cp.stop()).toBe(0);
  });

  const loop = loopMount();
  test.skipIf(loop === undefined)("a real frozen filesystem (fsfreeze on a loop mount): the same", async () => {
    const mount = loop!;
    const durable = await startDurable(join(mount, "journal"));
    let frozen = false;
    const thaw = () => {
      if (frozen) Bun.spawnSync(["fsfreeze", "-u", mount]);
      frozen = false;
    };
    cleanups.push(thaw);
    await frozenScenario(durable, () => {
      expect(Bun.spawnSync(["fsfreeze", "-f", mount]).exitCode).toBe(0);
      frozen = true;
    }, thaw);
    expect(await durable.cp.stop()).toBe(0);
  });
});

/** An ext4 image mounted on a loop device (needs root, losetup and fsfreeze); undefined where the machine does not allow it. */
function loopMount(): string | undefined {
  if (process.getuid?.() !== 0 || !Bun.which("fsfreeze") || !Bun.which("mkfs.ext4")) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "fw-freeze-"));
  const image = join(dir, "disk.img");
  const mount = join(dir, "mnt");
  mkdirSync(mount);
  writeFileSync(image, new Uint8Array(32 * 1024 * 1024));
  if (Bun.spawnSync(["mkfs.ext4", "-q", "-F", image]).exitCode !== 0) return undefined;
  if (Bun.spawnSync(["mount", "-o", "loop", image, mount]).exitCode !== 0) return undefined;
  unmounts.push(() => {
    Bun.spawnSync(["umount", mount]);
    rmSync(dir, { recursive: true, force: true });
  });
  return mount;
}

import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SpanLine } from "../fixtures/telemetry/otel-setup.ts";
import { freeAddress } from "../helpers/ports.ts";
import { startProcess, type Started } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

export type { SpanLine };

export const TASKS = "test/fixtures/telemetry/tasks.ts";
const SETUP = "test/fixtures/telemetry/otel-setup.ts";
const scratch = mkdtempSync(join(tmpdir(), "fw-telemetry-"));
let files = 0;

/** Env that makes a process (and its pool Workers) write finished spans to a fresh file. */
export function tracedEnv(): { env: Record<string, string>; file: string } {
  const file = join(scratch, `spans-${++files}.jsonl`);
  return { env: { FASTWORKER_OTEL_SETUP: SETUP, FASTWORKER_TEST_SPANS_FILE: file }, file };
}

/** A control plane process (test fixture runner) with the given env; concurrency 0 leaves every task to subworkers. */
export async function startCp(concurrency: number, env: Record<string, string> = {}): Promise<{ proc: Started; address: string }> {
  const address = await freeAddress();
  const proc = startProcess(
    ["test/fixtures/subworker/run-cp.ts", "--task-modules", TASKS, "--address", address, "--discovery-address", "none", "--concurrency", String(concurrency)],
    { env },
  );
  await proc.waitFor(/control plane ready/);
  return { proc, address };
}

export async function startSubworker(address: string, env: Record<string, string>): Promise<{ proc: Started; id: string }> {
  const id = `sw-telemetry-${++files}`;
  const proc = startProcess(["test/fixtures/subworker/run-subworker.ts", "--task-modules", TASKS, "--address", address, "--worker-id", id, "--concurrency", "1"], { env });
  await proc.waitFor(/subworker ready/);
  return { proc, id };
}

export function readSpans(file: string): SpanLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as SpanLine);
}

/** Waits until `file` holds spans matching every predicate (exporters write as spans end, in other processes). */
export async function waitForSpans(file: string, predicates: Array<(s: SpanLine) => boolean>, timeoutMs = 10_000): Promise<SpanLine[]> {
  let spans: SpanLine[] = [];
  return waitFor(() => {
    spans = readSpans(file);
    return predicates.every((p) => spans.some(p)) && spans;
  }, { timeoutMs, intervalMs: 25, message: () => `the spans in ${file}; have:\n${spans.map((s) => `${s.name} ${s.traceId}`).join("\n")}` });
}

export function one(spans: readonly SpanLine[], predicate: (s: SpanLine) => boolean): SpanLine {
  const found = spans.filter(predicate);
  if (found.length !== 1) throw new Error(`expected exactly one matching span, found ${found.length}`);
  return found[0]!;
}

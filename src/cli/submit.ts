import { defineCommand } from "citty";
import { ConfigError, TaskError } from "../errors.ts";
import { isPriority } from "../tasks/index.ts";
import type { SubmitOptions } from "../client/index.ts";
import { unwrapRecord } from "../protocol/index.ts";
import type { CliContext } from "./context.ts";
import { ProgressBar } from "./progress.ts";
import { UsageError } from "./strict-args.ts";
import { connectClient, connectionArgs, emit, flag, type Args } from "./shared.ts";

/**
 * Arguments are JSON where they parse (5 -> number, {"a":1} -> object), strings otherwise; a
 * value that starts like JSON ({, [ or ") but does not parse is a usage error, not a string.
 */
export function parseTaskArg(raw: string, what = "--args"): unknown {
  try {
    return JSON.parse(raw);
  } catch (error) {
    if (/^\s*[[{"]/.test(raw)) throw new UsageError(`${what}: ${JSON.stringify(raw)} looks like JSON but does not parse (${error instanceof Error ? error.message : String(error)}); quote it as a JSON string to pass it as text`);
    // Not JSON: the argument is meant as a plain string (e.g. --args hello).
    return raw;
  }
}

export function submitCommand(ctx: CliContext, rest: () => string[]) {
  return defineCommand({
    meta: { name: "submit", description: "Submit a task and (by default) wait for its result" },
    args: {
      "task-name": { type: "string", description: "Name of a registered task", required: true },
      args: { type: "string", description: "Task arguments: every value after --args up to the next flag (or --args=x), JSON where they parse" },
      kwargs: { type: "string", description: "Keyword arguments as a JSON object (passed as one last argument)" },
      priority: { type: "string", description: "critical, high, normal or low" },
      "non-blocking": { type: "boolean", description: "Print the task id and return at once" },
      countdown: { type: "string", description: "Run after this many seconds" },
      eta: { type: "string", description: "Run at this ISO time" },
      timeout: { type: "string", description: "Hard time limit of the task, in seconds" },
      count: { type: "string", description: "Submit this many copies and wait for all (a progress bar on a terminal)" },
      "task-modules": { type: "string", description: "Accepted from the Python original and ignored: the control plane knows its tasks" },
      ...connectionArgs,
    },
    async run({ args }) {
      const a = args as Args;
      if (flag(a, "task-modules") !== undefined) ctx.err("fastworker: submit --task-modules is ignored: the control plane loads the task modules");
      const options: SubmitOptions = {};
      const priority = flag(a, "priority");
      if (priority !== undefined) {
        if (!isPriority(priority)) throw new ConfigError(`--priority must be critical, high, normal or low, not "${priority}"`);
        options.priority = priority;
      }
      const kwargs = flag(a, "kwargs");
      if (typeof kwargs === "string") {
        const parsed = parseTaskArg(kwargs, "--kwargs");
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ConfigError("--kwargs must be a JSON object");
        options.kwargs = parsed as Record<string, unknown>;
      }
      const countdown = flag(a, "countdown");
      if (typeof countdown === "string") options.countdownMs = positiveSeconds("--countdown", countdown) * 1000;
      const eta = flag(a, "eta");
      if (typeof eta === "string") {
        const at = Date.parse(eta);
        if (Number.isNaN(at)) throw new ConfigError(`--eta must be an ISO date-time, not "${eta}"`);
        options.eta = at;
      }
      const timeout = flag(a, "timeout");
      if (typeof timeout === "string") options.timeoutMs = positiveSeconds("--timeout", timeout) * 1000;
      const taskArgs = rest().map((raw) => parseTaskArg(raw));
      const name = String(flag(a, "task-name"));
      const countRaw = flag(a, "count");
      const count = typeof countRaw === "string" ? Number(countRaw) : 1;
      if (!Number.isInteger(count) || count < 1) throw new ConfigError(`--count must be a whole number >= 1, not "${String(countRaw)}"`);
      const client = await connectClient(a, ctx);
      try {
        if (count > 1) {
          // The bar runs while submitting too: a full queue (E_QUEUE_FULL) holds submissions back, and it says so.
          const bar = new ProgressBar(count, (text) => process.stderr.write(text), ctx.stderrIsTTY === true && !flag(a, "non-blocking"), () => client.waitingForRoom);
          bar.start();
          if (flag(a, "non-blocking")) {
            const ids = await Promise.all(Array.from({ length: count }, () => client.enqueue(name, taskArgs, options)));
            return emit(ctx, a, { taskIds: ids }, () => ids.join("\n"));
          }
          const ids = Array.from({ length: count }, () => crypto.randomUUID());
          const summary = await waitAll(ids.map((id) => () => client.submit(name, taskArgs, { ...options, id })), bar);
          emit(ctx, a, { taskIds: ids, count, ...summary }, () => `${summary.succeeded} succeeded, ${summary.failed} failed of ${count}`);
          if (summary.failed > 0) ctx.exitCode = 1;
          return;
        }
        if (flag(a, "non-blocking")) {
          const id = await client.enqueue(name, taskArgs, options);
          emit(ctx, a, { taskId: id, status: "accepted" }, () => id);
          return;
        }
        // Accept, then wait: the id is known for the output (and for an error) either way.
        const id = await client.enqueue(name, taskArgs, options);
        const result = unwrapRecord(await client.result(id, { wait: true }));
        emit(ctx, a, { taskId: id, status: "success", result }, () => (typeof result === "string" ? result : JSON.stringify(result)));
      } finally {
        await client.stop();
      }
    },
  });
}

/** Task-level codes that do not mean the task ran and failed: the command ends with them. */
const NOT_A_TASK_END: ReadonlySet<string> = new Set(["E_TASK_NOT_FOUND", "E_UNKNOWN_TASK"]);

/**
 * Runs every task to its end, drawing a progress bar (rate, ETA) on stderr when stderr is a
 * terminal. Each one is a submit-and-wait (not an enqueue and a later result()): the control plane
 * then keeps each result in this client's outbox from the moment it accepts the task. Under
 * backpressure the first tasks finish long before the last are accepted, and with more tasks than
 * --result-cache-size a result awaited only after its acceptance reply had already been evicted
 * (E_TASK_NOT_FOUND). A task that failed counts as failed; any other error (the control plane
 * gone, the backpressure wait over) ends the command with it.
 */
async function waitAll(runs: ReadonlyArray<() => Promise<unknown>>, bar: ProgressBar): Promise<{ succeeded: number; failed: number }> {
  try {
    await Promise.all(runs.map(async (run) => {
      try {
        await run();
        bar.tick(true);
      } catch (error) {
        if (!(error instanceof TaskError) || NOT_A_TASK_END.has(error.code)) throw error;
        bar.tick(false);
      }
    }));
  } finally {
    bar.finish();
  }
  const { done, failed } = bar.counts;
  return { succeeded: done - failed, failed };
}

function positiveSeconds(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be a number of seconds >= 0, not "${raw}"`);
  return n;
}

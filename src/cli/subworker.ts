import { defineCommand } from "citty";
import { availableParallelism } from "node:os";
import { address, addressList, integer, resolve, text } from "../config.ts";
import { DEFAULT_MAX_FRAME_BYTES, MAX_FRAME_BYTES, MIN_FRAME_BYTES } from "../protocol/index.ts";
import { DEFAULT_DISCOVERY_ADDRESS } from "../discovery/index.ts";
import { createLogger, parseLogLevel } from "../log.ts";
import { FastWorkerError } from "../errors.ts";
import { MAX_TASKS_PER_WORKER } from "../tasks/index.ts";
import { color, type CliContext } from "./context.ts";
import { flag, taskModules, type Args } from "./shared.ts";
import { peerSecurityArgs, peerSecurityOptions } from "./security-args.ts";

function optionalWorkerToken(workerToken: string): { workerToken?: string } {
  return workerToken ? { workerToken } : {};
}

export function subworkerCommand(ctx: CliContext) {
  return defineCommand({
    meta: { name: "subworker", description: "Run a subworker: registers with a control plane and runs its tasks" },
    args: {
      "task-modules": { type: "string", description: "Task module files or folders, space- or comma-separated [FASTWORKER_TASK_MODULES]" },
      "worker-id": { type: "string", description: "Id of this subworker (default sw-<host>-<pid>) [FASTWORKER_WORKER_ID]" },
      "control-plane-address": { type: "string", description: "Control plane address, or several comma-separated (active and standbys: the subworker registers with whichever leads) (default: found by discovery) [FASTWORKER_CONTROL_PLANE_ADDRESS]" },
      "discovery-address": { type: "string", description: `Discovery address (default ${DEFAULT_DISCOVERY_ADDRESS}) [FASTWORKER_DISCOVERY_ADDRESS]` },
      concurrency: { type: "string", description: "Bun Workers (default: cores) [FASTWORKER_CONCURRENCY]" },
      "max-frame-bytes": { type: "string", description: `Largest frame sent or accepted, in bytes; also NNG's receive limit (keep it equal to the control plane's) (default ${DEFAULT_MAX_FRAME_BYTES}) [FASTWORKER_MAX_FRAME_BYTES]` },
      prefetch: { type: "string", description: "Tasks handed to each Worker ahead of time; more = faster short tasks, priorities stay strict (default 1) [FASTWORKER_PREFETCH]" },
      "tasks-per-worker": { type: "string", description: "Tasks in flight at once per Bun Worker for async handlers without their own concurrency (default 1) [FASTWORKER_TASKS_PER_WORKER]" },
      "log-level": { type: "string", description: "debug, info, warn or error (default info) [FASTWORKER_LOG_LEVEL]" },
      ...peerSecurityArgs,
      "worker-token": { type: "string", description: "The control plane's worker token, when it has one (used instead of --token) [FASTWORKER_WORKER_TOKEN]" },
      "base-address": { type: "string", description: "Accepted from the Python original and ignored: a subworker here dials its control plane and listens on nothing" },
    },
    async run({ args }) {
      const a = args as Args;
      const env = ctx.env;
      const cpAddress = resolve({ flag: "control-plane-address", env: "FASTWORKER_CONTROL_PLANE_ADDRESS", parse: addressList, fallback: "" }, flag(a, "control-plane-address"), env);
      const workerId = resolve({ flag: "worker-id", env: "FASTWORKER_WORKER_ID", parse: text, fallback: "" }, flag(a, "worker-id"), env);
      // Loaded on demand: a control plane process never needs the subworker code.
      const { Subworker } = await import("../subworker/index.ts");
      const subworker = new Subworker({
        taskModules: taskModules(a, ctx),
        ...(workerId ? { workerId } : {}),
        ...(cpAddress ? { controlPlaneAddress: cpAddress } : {}),
        ...peerSecurityOptions(a, env),
        ...optionalWorkerToken(resolve({ flag: "worker-token", env: "FASTWORKER_WORKER_TOKEN", parse: text, fallback: "" }, flag(a, "worker-token"), env)),
        discoveryAddress: resolve({ flag: "discovery-address", env: "FASTWORKER_DISCOVERY_ADDRESS", parse: address, fallback: DEFAULT_DISCOVERY_ADDRESS }, flag(a, "discovery-address"), env),
        concurrency: resolve({ flag: "concurrency", env: "FASTWORKER_CONCURRENCY", parse: integer(1, 1024), fallback: availableParallelism() }, flag(a, "concurrency"), env),
        maxFrameBytes: resolve({ flag: "max-frame-bytes", env: "FASTWORKER_MAX_FRAME_BYTES", parse: integer(MIN_FRAME_BYTES, MAX_FRAME_BYTES), fallback: DEFAULT_MAX_FRAME_BYTES }, flag(a, "max-frame-bytes"), env),
        prefetch: resolve({ flag: "prefetch", env: "FASTWORKER_PREFETCH", parse: integer(1, 1024), fallback: 1 }, flag(a, "prefetch"), env),
        tasksPerWorker: resolve({ flag: "tasks-per-worker", env: "FASTWORKER_TASKS_PER_WORKER", parse: integer(1, MAX_TASKS_PER_WORKER), fallback: 1 }, flag(a, "tasks-per-worker"), env),
        log: createLogger({ component: "subworker", level: resolve({ flag: "log-level", env: "FASTWORKER_LOG_LEVEL", parse: parseLogLevel, fallback: "info" }, flag(a, "log-level"), env) }),
      });
      if (flag(a, "base-address") !== undefined) ctx.err("fastworker: subworker --base-address is ignored: subworkers dial the control plane (--control-plane-address) and listen on nothing");
      // A signal is obeyed at every stage: while modules load, while the control plane is
      // unreachable and start() keeps retrying, and while running.
      const started = subworker.start().then(() => "started" as const);
      const first = await Promise.race([started, ctx.shutdown]);
      if (first !== "started") {
        ctx.out(`${first}: stopping before a control plane welcomed this subworker`);
        await subworker.stop();
        await started.catch((error: unknown) => {
          // E_CLOSED is the stop we asked for; anything else is a real failure to report.
          if (!(error instanceof FastWorkerError && error.code === "E_CLOSED")) throw error;
        });
        return;
      }
      ctx.out(color(ctx, 32, `subworker ${subworker.id} ready`));
      const signal = await Promise.race([ctx.shutdown, subworker.closed.then(() => undefined)]);
      if (signal === undefined) return;
      ctx.out(`${signal}: draining running tasks, then leaving`);
      await subworker.stop();
    },
  });
}


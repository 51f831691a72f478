/**
 * Entry point of each pool Worker (runs on a Worker thread, never imported by
 * the main thread). Loads the task modules named in the init message, reports
 * `ready` or `load_error`, then feeds jobs to a WorkerRuntime.
 *
 * How the pool finds it (worker-handle.ts): the published package carries it bundled into a
 * string (scripts/build-package.ts); `bun run build:binary` passes it as an extra entrypoint
 * (`bun build --compile bin/fastworker.ts src/pool/worker-entry.ts`); from source it sits
 * beside worker-handle.ts.
 */
import { toWireError } from "../errors.ts";
import { loadTaskModules } from "../tasks/loader.ts";
import { loadOtelSetup } from "../telemetry/config.ts";
import { loadExecuteTracing } from "../telemetry/worker-tracing-loader.ts";
import { isToWorker, type FromWorker, type InitMessage } from "./messages.ts";
import { SharedJobState } from "./shared-state.ts";
import { WorkerRuntime } from "./worker-runtime.ts";

/** Exit code the pool sees when a handler killed this Worker with an uncaught error. */
const FATAL_EXIT_CODE = 70;

function send(message: FromWorker): void {
  postMessage(message);
}

let runtime: WorkerRuntime | undefined;

// Anything escaping a handler asynchronously (a throw in a timer, an unhandled
// rejection) leaves this Worker in an unknown state: report it and exit so the
// pool fails the running job with E_WORKER_CRASHED and starts a fresh Worker.
function die(error: unknown): void {
  try {
    // Results of jobs that did end are delivered, not lost with this Worker (result-batch.ts).
    runtime?.flushResults();
    send({ t: "fatal", error: toWireError(error, "E_WORKER_CRASHED") });
  } finally {
    process.exit(FATAL_EXIT_CODE);
  }
}
process.on("uncaughtException", die);
process.on("unhandledRejection", die);

async function init(message: InitMessage): Promise<void> {
  try {
    // Telemetry: this Worker's own OpenTelemetry SDK (FASTWORKER_OTEL_SETUP), before task modules and WorkerRuntime look for it.
    await loadOtelSetup();
    const catalog = await loadTaskModules(message.modules);
    const definitions = new Map(catalog.entries().map((entry) => [entry.definition.name, entry.definition] as const));
    // After the task modules: one of them may register the SDK itself.
    const tracing = await loadExecuteTracing();
    runtime = new WorkerRuntime(definitions, new SharedJobState(message.state, message.epoch), send, catalog.middleware(), message.tasksPerWorker, tracing);
    send({ t: "ready", tasks: catalog.names(), concurrency: runtime.concurrency() });
  } catch (error) {
    send({ t: "load_error", error: toWireError(error, "E_TASK_MODULE_LOAD") });
  }
}

addEventListener("message", (event: MessageEvent) => {
  const data: unknown = event.data;
  if (!isToWorker(data)) {
    die(new Error(`pool Worker received an unknown message: ${Bun.inspect(data)}`));
    return;
  }
  if (data.t === "init") {
    void init(data);
    return;
  }
  if (runtime === undefined) {
    die(new Error(`pool Worker received "${data.t}" before it was initialised`));
    return;
  }
  runtime.handle(data);
});

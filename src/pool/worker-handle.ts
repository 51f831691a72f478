/**
 * Main-thread side of one Bun Worker: spawning and the init handshake,
 * batching jobs into few postMessage calls, and turning the Worker's events
 * into callbacks. The only place in FastWorker that constructs a Worker.
 */
import { FastWorkerError, TaskDefinitionError, type ErrorCode, type WireError } from "../errors.ts";
import { isFromWorker, joinJobs, type ActivityMessage, type ResultMessage, type ToWorker, type WireLoadError } from "./messages.ts";
import { SharedJobState } from "./shared-state.ts";
import { BUNDLED_WORKER_SOURCE } from "./worker-source.ts";

// Where a pool Worker's code comes from, in the order tried:
// - the published package: the Worker bundled into a string at build time (worker-source.ts), started
//   from a blob URL, so it survives any later bundling of the app (e.g. `bun build --compile app.ts`);
// - a binary from `bun run build:binary`: entry points live in Bun's virtual $bunfs under the path given
//   on the build line (worker-entry.ts is an extra entry point there) and must be named by that path;
// - from source: worker-entry.ts beside this file.
let workerEntry: string | URL | undefined;
function workerEntryUrl(): string | URL {
  workerEntry ??= BUNDLED_WORKER_SOURCE !== undefined
    ? URL.createObjectURL(new Blob([BUNDLED_WORKER_SOURCE], { type: "text/javascript" }))
    : import.meta.url.includes("$bunfs")
      ? "./src/pool/worker-entry.ts"
      : new URL("./worker-entry.ts", import.meta.url);
  return workerEntry;
}

export interface WorkerHandleEvents {
  onResult(result: ResultMessage): void;
  /** progress() or log() of a running job. */
  onActivity(message: ActivityMessage): void;
  /** The Worker died after becoming ready, without terminate() being called. */
  onCrash(error: WireError): void;
}

export interface WorkerHandleOptions {
  /** Shown in the Worker's name and in errors, e.g. "1.3" (slot 1, third Worker). */
  id: string;
  modules: readonly string[];
  startTimeoutMs: number;
  /** Jobs in flight at once for tasks without their own concurrency. */
  tasksPerWorker: number;
  events: WorkerHandleEvents;
}

const LOAD_ERROR_CODES = new Set<string>(["E_TASK_MODULE_LOAD", "E_DUPLICATE_TASK", "E_TASK_DEFINITION"]);

function loadError(error: WireLoadError): TaskDefinitionError {
  const code = (LOAD_ERROR_CODES.has(error.code) ? error.code : "E_TASK_MODULE_LOAD") as ErrorCode;
  return new TaskDefinitionError(code, error.message);
}

export class WorkerHandle {
  readonly id: string;
  readonly state: SharedJobState;
  /** Settles once: resolved on `ready`, rejected with TaskDefinitionError if loading fails. */
  readonly ready: Promise<void>;
  /** Once ready: the tasks that set their own concurrency, by name. */
  concurrency: Readonly<Record<string, number>> = {};
  readonly #worker: Worker;
  readonly #events: WorkerHandleEvents;
  // Encoded jobs waiting for the next flush, and their seqs (for unqueue).
  #outbox: string[] = [];
  #outboxSeqs: number[] = [];
  #flushScheduled: "none" | "microtask" | "immediate" = "none";
  #status: "starting" | "ready" | "dead" = "starting";
  #refed = true;
  #fatal: WireError | undefined;
  #lastErrorEvent: string | undefined;
  #settleReady: { resolve: () => void; reject: (error: TaskDefinitionError) => void } | undefined;
  #startTimer: Timer | undefined;

  constructor(options: WorkerHandleOptions) {
    this.id = options.id;
    this.#events = options.events;
    this.state = new SharedJobState();
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.ready = promise;
    this.#settleReady = { resolve, reject };
    try {
      // Workers keep the process alive by default; that is wanted while loading.
      // Not `smol: true`: measured on bench/burst.ts cp (9 alternating pairs), it cut the burst's RSS
      // peak by only ~3 MB of ~165 (the main thread's heap dominates) and cost ~5% CPU per task once warm.
      this.#worker = new Worker(workerEntryUrl(), { name: `fastworker-pool-${options.id}` });
    } catch (error) {
      throw new FastWorkerError("E_INTERNAL", `Cannot spawn pool Worker ${options.id} from ${String(workerEntry)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    this.#worker.addEventListener("message", (event) => this.#onMessage(event.data));
    this.#worker.addEventListener("error", (event) => {
      this.#lastErrorEvent = event.message;
    });
    this.#worker.addEventListener("close", (event) => this.#onClose("code" in event && typeof event.code === "number" ? event.code : undefined));
    this.#startTimer = setTimeout(() => {
      this.#failStart(
        new TaskDefinitionError(
          "E_TASK_MODULE_LOAD",
          `Pool Worker ${this.id} did not finish importing its task modules within ${options.startTimeoutMs} ms. ` +
            `Check for top-level code that never finishes, or raise startTimeoutMs.`,
        ),
      );
    }, options.startTimeoutMs);
    this.#startTimer.unref();
    this.#send({ t: "init", modules: options.modules, state: this.state.buffer, epoch: this.state.epoch, tasksPerWorker: options.tasksPerWorker });
  }

  /**
   * Queues an encoded job (messages.encodeJob) for the Worker. Jobs queued
   * together go out in one message. `urgent` (the Worker has nothing else to
   * do) flushes at the end of this tick; otherwise the flush waits for the
   * next event-loop turn so results arriving meanwhile add their refills to
   * the same message.
   */
  enqueue(seq: number, encoded: string, urgent: boolean): void {
    this.#outbox.push(encoded);
    this.#outboxSeqs.push(seq);
    if (urgent && this.#flushScheduled !== "microtask") {
      this.#flushScheduled = "microtask";
      queueMicrotask(this.#flush);
    } else if (this.#flushScheduled === "none") {
      this.#flushScheduled = "immediate";
      setImmediate(this.#flush);
    }
  }

  /** Takes a job back if it has not been posted yet; true if it was still in the outbox. */
  unqueue(seq: number): boolean {
    const index = this.#outboxSeqs.indexOf(seq);
    if (index < 0) return false;
    this.#outbox.splice(index, 1);
    this.#outboxSeqs.splice(index, 1);
    return true;
  }

  /** Tells the Worker to drop a job it has queued but not started. */
  dropQueued(seq: number): void {
    if (this.#status === "ready") this.#send({ t: "cancel", seq });
  }

  /** Aborts the signal of a running job (cooperative cancel or timeout). */
  abort(seq: number, reason: "cancel" | "timeout"): void {
    if (this.#status === "ready") this.#send({ t: "abort", seq, reason });
  }

  /** Only Workers with work keep the process alive; idle ones must not block exit. */
  setKeepAlive(on: boolean): void {
    if (on === this.#refed || this.#status === "dead") return;
    this.#refed = on;
    if (on) this.#worker.ref();
    else this.#worker.unref();
  }

  /** Kills the Worker now, even mid-handler. No onCrash follows. */
  terminate(): void {
    if (this.#status === "dead") return;
    this.#status = "dead";
    this.#failStart(new TaskDefinitionError("E_TASK_MODULE_LOAD", `Pool Worker ${this.id} was terminated before it became ready.`));
    this.#outbox = [];
    this.#outboxSeqs = [];
    this.#worker.terminate();
  }

  #send(message: ToWorker): void {
    this.#worker.postMessage(message);
    // Counted only once posted: see SharedJobState.messagesInFlight.
    if (message.t !== "init") this.state.notePosted();
  }

  readonly #flush = (): void => {
    this.#flushScheduled = "none";
    if (this.#outbox.length === 0 || this.#status === "dead") return;
    const data = joinJobs(this.#outbox);
    this.#outbox = [];
    this.#outboxSeqs = [];
    this.#send({ t: "jobs", data });
  };

  #onMessage(data: unknown): void {
    if (!isFromWorker(data)) {
      this.#lastErrorEvent = `unexpected message from pool Worker: ${Bun.inspect(data)}`;
      return;
    }
    switch (data.t) {
      case "ok":
      case "okj":
      case "err":
        if (this.#status === "ready") this.#events.onResult(data);
        return;
      case "results":
        if (this.#status === "ready") for (const result of data.list) this.#events.onResult(result);
        return;
      case "progress":
      case "log":
        if (this.#status === "ready") this.#events.onActivity(data);
        return;
      case "ready":
        this.#clearStartTimer();
        if (this.#status !== "starting") return;
        this.#status = "ready";
        this.concurrency = data.concurrency;
        this.#settleReady?.resolve();
        this.#settleReady = undefined;
        return;
      case "load_error":
        this.#failStart(loadError(data.error));
        return;
      case "fatal":
        this.#fatal = data.error;
        return;
    }
  }

  #onClose(exitCode: number | undefined): void {
    const wasReady = this.#status === "ready";
    if (this.#status === "dead") return;
    this.#status = "dead";
    const detail = this.#fatal?.message ?? this.#lastErrorEvent ?? `the Worker exited with code ${exitCode ?? "unknown"}`;
    if (!wasReady) {
      this.#failStart(new TaskDefinitionError("E_TASK_MODULE_LOAD", `Pool Worker ${this.id} exited while importing its task modules: ${detail}`));
      return;
    }
    this.#events.onCrash({
      code: "E_WORKER_CRASHED",
      message: detail,
      ...(this.#fatal?.stack ? { stack: this.#fatal.stack } : {}),
    });
  }

  #failStart(error: TaskDefinitionError): void {
    this.#clearStartTimer();
    const settle = this.#settleReady;
    if (settle === undefined) return;
    this.#settleReady = undefined;
    settle.reject(error);
    if (this.#status !== "dead") this.terminate();
  }

  #clearStartTimer(): void {
    if (this.#startTimer !== undefined) clearTimeout(this.#startTimer);
    this.#startTimer = undefined;
  }
}

/**
 * The HandlerContext of one running job inside a Worker (`this` of its handler, and the ctx
 * of its hooks). Cheap to create: the AbortController exists only once someone reads `signal`
 * or the job is aborted, and progress is coalesced so a handler calling progress() in a tight
 * loop sends at most one message per PROGRESS_INTERVAL_MS.
 */
import { FastWorkerError } from "../errors.ts";
import {
  boundedLogMessage, MAX_LOG_LINES_PER_ATTEMPT, MAX_PROGRESS_JSON_CHARS, PROGRESS_INTERVAL_MS,
  type HandlerContext, type TaskProgress,
} from "../tasks/context.ts";
import type { ActivityMessage, WireJob } from "./messages.ts";

function progressJson(value: TaskProgress): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`progress(): a number must be a finite percentage 0..100, got ${String(value)}.`);
    return String(Math.min(100, Math.max(0, value)));
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`progress(): give a percentage (0..100) or a plain object such as { done: 3, total: 10 }, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}.`);
  }
  const json = JSON.stringify(value);
  if (json.length > MAX_PROGRESS_JSON_CHARS) {
    throw new TypeError(`progress(): the object takes ${json.length} JSON characters, more than ${MAX_PROGRESS_JSON_CHARS}; report counters, not data.`);
  }
  return json;
}

export class JobContext implements HandlerContext {
  readonly id: string;
  readonly name: string;
  readonly attempt: number;
  /** Set by executeJob once argsSchema has run: what hooks see as ctx.args. */
  args: unknown[];
  readonly #seq: number;
  readonly #post: (message: ActivityMessage) => void;
  #controller: AbortController | undefined;
  #abortReason: FastWorkerError | undefined;
  #ended = false;
  #logLines = 0;
  #lastProgressAt = 0;
  #pendingProgress: string | undefined;
  #progressTimer: Timer | undefined;

  constructor(job: WireJob, post: (message: ActivityMessage) => void) {
    // Jobs without a pool id (bare runtime tests) fall back to their seq and a first attempt.
    this.id = job.id ?? String(job.seq);
    this.name = job.name;
    this.attempt = job.attempt ?? 1;
    this.args = job.args;
    this.#seq = job.seq;
    this.#post = post;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /** The pool cancelled the job or its timeout passed. */
  abort(reason: "cancel" | "timeout"): void {
    if (this.#abortReason !== undefined || this.#ended) return;
    this.#abortReason = reason === "cancel"
      ? new FastWorkerError("E_TASK_CANCELLED", `task "${this.name}" (${this.id}) was cancelled`)
      : new FastWorkerError("E_TASK_TIMEOUT", `task "${this.name}" (${this.id}) exceeded its timeout`);
    this.#controller?.abort(this.#abortReason);
  }

  progress(value: TaskProgress): void {
    const json = progressJson(value);
    if (this.#ended) return;
    const now = Date.now();
    if (this.#progressTimer === undefined && now - this.#lastProgressAt >= PROGRESS_INTERVAL_MS) {
      this.#sendProgress(json, now);
      return;
    }
    this.#pendingProgress = json;
    if (this.#progressTimer === undefined) {
      this.#progressTimer = setTimeout(() => this.#flushProgress(), Math.max(0, this.#lastProgressAt + PROGRESS_INTERVAL_MS - now));
    }
  }

  log(message: string): void {
    if (this.#ended) return;
    this.#logLines++;
    if (this.#logLines > MAX_LOG_LINES_PER_ATTEMPT + 1) return;
    const text = this.#logLines > MAX_LOG_LINES_PER_ATTEMPT
      ? `[fastworker] more than ${MAX_LOG_LINES_PER_ATTEMPT} log lines in this attempt; the rest were dropped`
      : boundedLogMessage(typeof message === "string" ? message : String(message));
    this.#post({ t: "log", seq: this.#seq, at: Date.now(), message: text });
  }

  /** The job ended: the last progress goes out before its result, later calls are ignored. */
  end(): void {
    this.#flushProgress();
    this.#ended = true;
  }

  #flushProgress(): void {
    if (this.#progressTimer !== undefined) clearTimeout(this.#progressTimer);
    this.#progressTimer = undefined;
    const json = this.#pendingProgress;
    this.#pendingProgress = undefined;
    if (json !== undefined && !this.#ended) this.#sendProgress(json, Date.now());
  }

  #sendProgress(json: string, now: number): void {
    this.#lastProgressAt = now;
    this.#post({ t: "progress", seq: this.#seq, json });
  }
}

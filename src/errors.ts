/**
 * Every error FastWorker raises is a FastWorkerError with a stable string `code`.
 * Callers switch on `code`; messages are for humans and may change.
 */

export type ErrorCode =
  // libnng and transport
  | "E_LIBNNG_NOT_FOUND"
  | "E_LIBNNG_VERSION"
  | "E_NNG"
  | "E_CLOSED"
  | "E_TIMEOUT"
  | "E_CONNREFUSED"
  | "E_ADDRINUSE"
  | "E_ADDRINVAL"
  | "E_MSGSIZE"
  | "E_UNAVAILABLE"
  // protocol
  | "E_DECODE"
  | "E_FRAME_TOO_LARGE"
  | "E_UNSUPPORTED_VERSION"
  | "E_UNKNOWN_FRAME"
  | "E_INVALID_FRAME"
  | "E_UNEXPECTED_REPLY"
  // tasks
  | "E_UNKNOWN_TASK"
  | "E_INVALID_ARGS"
  | "E_TASK_FAILED"
  | "E_TASK_TIMEOUT"
  | "E_TASK_CANCELLED"
  | "E_TASK_NOT_FOUND"
  | "E_WORKER_CRASHED"
  | "E_DUPLICATE_TASK"
  | "E_DUPLICATE_ID"
  | "E_TASK_MODULE_LOAD"
  | "E_TASK_DEFINITION"
  | "E_ILLEGAL_TRANSITION"
  | "E_NOT_CANCELLABLE"
  | "E_NOT_RETRYABLE"
  | "E_SHUTTING_DOWN"
  | "E_REFUSED"
  // security
  | "E_UNAUTHORIZED"
  | "E_CALLBACK_NOT_ALLOWED"
  // periodic tasks
  | "E_UNKNOWN_SCHEDULE"
  // durability
  | "E_JOURNAL"
  | "E_JOURNAL_VERSION"
  // configuration and usage
  | "E_CONFIG"
  | "E_INTERNAL";

export class FastWorkerError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** libnng is missing, unloadable or of an unsupported major version. */
export class LibraryError extends FastWorkerError {}

/** A libnng call failed; `nngName` is NNG's own name for the errno (e.g. NNG_ETIMEDOUT). */
export class NngError extends FastWorkerError {
  readonly errno: number;
  readonly nngName: string;
  constructor(code: ErrorCode, errno: number, nngName: string, message: string) {
    super(code, message);
    this.errno = errno;
    this.nngName = nngName;
  }
}

/** A frame could not be decoded or is not one we speak. */
export class ProtocolError extends FastWorkerError {}

/** The control plane (or another peer) could not be reached in time. */
export class UnavailableError extends FastWorkerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_UNAVAILABLE", message, options);
  }
}

/** Invalid configuration, flag or environment value. */
export class ConfigError extends FastWorkerError {
  constructor(message: string) {
    super("E_CONFIG", message);
  }
}

/** A task definition or task module is invalid (duplicate names, failed import, bad options). */
export class TaskDefinitionError extends FastWorkerError {}

/** An illegal state transition was attempted on a task record: a bug, never user input. */
export class StateTransitionError extends FastWorkerError {
  constructor(message: string) {
    super("E_ILLEGAL_TRANSITION", message);
  }
}

/** A task ended badly, or was not found; carries the task id and what the remote side said. */
export class TaskError extends FastWorkerError {
  readonly taskId: string | undefined;
  readonly remoteStack: string | undefined;
  constructor(code: ErrorCode, message: string, details: { taskId?: string; remoteStack?: string } = {}) {
    super(code, message);
    this.taskId = details.taskId;
    this.remoteStack = details.remoteStack;
  }
}

/**
 * Thrown by a handler to ask for another attempt, after `delayMs` if given
 * (otherwise the task's backoff policy decides). Counts against `retries`.
 */
export class RetryLater extends Error {
  readonly delayMs: number | undefined;
  constructor(delayMs?: number, message = "retry requested by the handler") {
    super(message);
    this.name = "RetryLater";
    this.delayMs = delayMs;
  }
}

/** Thrown by a handler to fail the task at once, whatever retries remain. */
export class NonRetryable extends Error {
  constructor(message = "non-retryable failure") {
    super(message);
    this.name = "NonRetryable";
  }
}

/** The shape errors travel in over the wire. */
export interface WireError {
  code: string;
  message: string;
  stack?: string;
}

export function toWireError(error: unknown, fallbackCode: ErrorCode = "E_INTERNAL"): WireError {
  if (error instanceof FastWorkerError) {
    return { code: error.code, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  }
  if (error instanceof Error) {
    return { code: fallbackCode, message: `${error.name}: ${error.message}`, ...(error.stack ? { stack: error.stack } : {}) };
  }
  return { code: fallbackCode, message: String(error) };
}

const TASK_CODES = new Set<string>([
  "E_UNKNOWN_TASK",
  "E_INVALID_ARGS",
  "E_TASK_FAILED",
  "E_TASK_TIMEOUT",
  "E_TASK_CANCELLED",
  "E_TASK_NOT_FOUND",
  "E_WORKER_CRASHED",
  "E_DUPLICATE_ID",
  "E_NOT_CANCELLABLE",
  "E_NOT_RETRYABLE",
]);

const KNOWN_CODES = new Set<string>([
  ...TASK_CODES,
  "E_CLOSED", "E_TIMEOUT", "E_UNAVAILABLE", "E_DECODE", "E_FRAME_TOO_LARGE", "E_UNSUPPORTED_VERSION",
  "E_UNKNOWN_FRAME", "E_INVALID_FRAME", "E_UNEXPECTED_REPLY", "E_SHUTTING_DOWN", "E_REFUSED", "E_CONFIG", "E_UNAUTHORIZED", "E_CALLBACK_NOT_ALLOWED",
  "E_INTERNAL", "E_MSGSIZE",
]);

/** Rebuilds a typed error from its wire shape; task-related codes become TaskError. */
export function fromWireError(wire: WireError, taskId?: string): FastWorkerError {
  const code = (KNOWN_CODES.has(wire.code) ? wire.code : "E_INTERNAL") as ErrorCode;
  if (TASK_CODES.has(code)) return new TaskError(code, wire.message, { taskId, remoteStack: wire.stack });
  if (code === "E_UNAVAILABLE") return new UnavailableError(wire.message);
  if (code.startsWith("E_DECODE") || code.includes("FRAME") || code === "E_UNSUPPORTED_VERSION") {
    return new ProtocolError(code, wire.message);
  }
  return new FastWorkerError(code, wire.message);
}

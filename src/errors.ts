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
  | "E_NOT_LEADER"
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
  | "E_RESULT_TOO_LARGE"
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
  | "E_TOO_MANY_WAITS"
  | "E_TOO_MANY_REQUESTS"
  | "E_QUEUE_FULL"
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

/**
 * The control plane holds as many unfinished tasks as its --max-queued allows; this one was not
 * accepted. Nothing was stored: submitting it again (same id) after `retryAfterMs` is safe.
 */
export class QueueFullError extends FastWorkerError {
  readonly retryAfterMs: number;
  readonly taskId: string | undefined;
  constructor(message: string, retryAfterMs: number, taskId?: string) {
    super("E_QUEUE_FULL", message);
    this.retryAfterMs = retryAfterMs;
    this.taskId = taskId;
  }
}

/**
 * This control plane is a standby (another one holds the leader lease): nothing was done here.
 * `leaderAddress` names the active control plane when this one knows it; a Client or subworker
 * given several addresses goes there (or to its next address) and sends the same request again.
 */
export class NotLeaderError extends FastWorkerError {
  readonly leaderAddress: string | undefined;
  constructor(message: string, leaderAddress?: string) {
    super("E_NOT_LEADER", message);
    this.leaderAddress = leaderAddress;
  }
}

/** The shape errors travel in over the wire. */
export interface WireError {
  code: string;
  message: string;
  stack?: string;
  /** E_QUEUE_FULL only: how long the control plane suggests waiting before submitting again. */
  retryAfterMs?: number;
  /** E_NOT_LEADER only: the address of the active control plane, when the standby knows it. */
  leaderAddress?: string;
}

export function toWireError(error: unknown, fallbackCode: ErrorCode = "E_INTERNAL"): WireError {
  if (error instanceof QueueFullError) return { code: error.code, message: error.message, retryAfterMs: error.retryAfterMs };
  if (error instanceof NotLeaderError) {
    return { code: error.code, message: error.message, ...(error.leaderAddress !== undefined ? { leaderAddress: error.leaderAddress } : {}) };
  }
  if (error instanceof FastWorkerError) {
    return { code: error.code, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  }
  if (error instanceof Error) {
    return { code: fallbackCode, message: `${error.name}: ${error.message}`, ...(error.stack ? { stack: error.stack } : {}) };
  }
  return { code: fallbackCode, message: String(error) };
}

/** How one error code behaves beyond its class: what comes back across the wire, what the CLI exits with. */
export interface ErrorCodeInfo {
  /** The typed error fromWireError rebuilds it as: TaskError, ProtocolError, UnavailableError or FastWorkerError. */
  readonly kind: "task" | "protocol" | "unavailable" | "general";
  /**
   * Whether a peer's reply keeps this code. False for codes that only describe the process that
   * raised them (its libnng, its listening address, its own task modules, a bug in it): a client
   * that got one could only be misled into fixing its own machine, so it arrives as E_INTERNAL.
   */
  readonly remote: boolean;
  /** The CLI's exit status for it (docs/cli.md): "usage" 2, "unavailable" 3, "failed" 1. */
  readonly exit: "failed" | "usage" | "unavailable";
  /**
   * True when another control plane may well answer the same request: a Client or subworker
   * given several addresses moves to the next one and sends it again (task ids make that safe).
   */
  readonly retryable?: true;
}

const task = { kind: "task", remote: true, exit: "failed" } as const;
const protocol = { kind: "protocol", remote: true, exit: "failed" } as const;
const general = { kind: "general", remote: true, exit: "failed" } as const;
const localSetup = { kind: "general", remote: false, exit: "usage" } as const;

/**
 * Every ErrorCode and how it behaves. A Record over the union, so a new code does not compile
 * until someone decides here whether it crosses the wire and what the CLI exits with (the
 * hand-kept list this replaces had drifted: E_JOURNAL reached remote clients as E_INTERNAL).
 */
export const ERROR_CODES: Readonly<Record<ErrorCode, ErrorCodeInfo>> = Object.freeze({
  E_LIBNNG_NOT_FOUND: localSetup,
  E_LIBNNG_VERSION: localSetup,
  E_NNG: { kind: "general", remote: false, exit: "failed" },
  E_CLOSED: general,
  E_TIMEOUT: { kind: "general", remote: true, exit: "unavailable", retryable: true },
  E_CONNREFUSED: { kind: "general", remote: false, exit: "unavailable" },
  E_ADDRINUSE: localSetup,
  E_ADDRINVAL: localSetup,
  E_MSGSIZE: general,
  E_UNAVAILABLE: { kind: "unavailable", remote: true, exit: "unavailable", retryable: true },
  // A standby answered: the caller goes to the active control plane (named in leaderAddress when known).
  E_NOT_LEADER: { kind: "general", remote: true, exit: "unavailable", retryable: true },
  E_DECODE: protocol,
  E_FRAME_TOO_LARGE: protocol,
  E_UNSUPPORTED_VERSION: protocol,
  E_UNKNOWN_FRAME: protocol,
  E_INVALID_FRAME: protocol,
  E_UNEXPECTED_REPLY: general,
  E_UNKNOWN_TASK: task,
  E_INVALID_ARGS: task,
  E_TASK_FAILED: task,
  E_TASK_TIMEOUT: task,
  E_TASK_CANCELLED: task,
  E_TASK_NOT_FOUND: task,
  // A handler's result whose reply would not fit a frame (--max-frame-bytes): the task fails, the same result would again.
  E_RESULT_TOO_LARGE: task,
  E_WORKER_CRASHED: task,
  E_DUPLICATE_TASK: localSetup,
  E_DUPLICATE_ID: task,
  E_TASK_MODULE_LOAD: localSetup,
  E_TASK_DEFINITION: localSetup,
  // A bug in the process that hit it, never the caller's doing.
  E_ILLEGAL_TRANSITION: { kind: "general", remote: false, exit: "failed" },
  E_NOT_CANCELLABLE: task,
  E_NOT_RETRYABLE: task,
  E_SHUTTING_DOWN: general,
  E_REFUSED: general,
  // One connection holds too many long-polls at once: the caller must see it to slow down.
  E_TOO_MANY_WAITS: { kind: "general", remote: true, exit: "unavailable" },
  // One connection has too many requests in progress (--max-requests-per-connection): retry once some are answered.
  E_TOO_MANY_REQUESTS: { kind: "general", remote: true, exit: "unavailable" },
  // The control plane is at its --max-queued: the submitter waits and submits again (the Client does so itself).
  E_QUEUE_FULL: general,
  // The peer could not prove the token: the caller fixes its own token, as with a bad flag.
  E_UNAUTHORIZED: { kind: "general", remote: true, exit: "usage" },
  E_CALLBACK_NOT_ALLOWED: general,
  E_UNKNOWN_SCHEDULE: general,
  // The control plane's journal refused a task: the submitter must see that, not an internal error.
  E_JOURNAL: { kind: "general", remote: true, exit: "usage" },
  E_JOURNAL_VERSION: { kind: "general", remote: true, exit: "usage" },
  E_CONFIG: { kind: "general", remote: true, exit: "usage" },
  E_INTERNAL: general,
});

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CODES, value);
}

/** Rebuilds a typed error from its wire shape; task-related codes become TaskError. */
export function fromWireError(wire: WireError, taskId?: string): FastWorkerError {
  const code: ErrorCode = isErrorCode(wire.code) && ERROR_CODES[wire.code].remote ? wire.code : "E_INTERNAL";
  if (code === "E_QUEUE_FULL") return new QueueFullError(wire.message, wire.retryAfterMs ?? 0, taskId);
  if (code === "E_NOT_LEADER") return new NotLeaderError(wire.message, wire.leaderAddress);
  switch (ERROR_CODES[code].kind) {
    case "task":
      return new TaskError(code, wire.message, { taskId, remoteStack: wire.stack });
    case "unavailable":
      return new UnavailableError(wire.message);
    case "protocol":
      return new ProtocolError(code, wire.message);
    case "general":
      return new FastWorkerError(code, wire.message);
  }
}

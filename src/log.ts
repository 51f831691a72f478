export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * One structured log call. `level` is set by createLogger so producers of costly per-task lines
 * (the lifecycle log in src/telemetry) can skip building them; a hand-written logger that leaves
 * it unset is treated as not wanting debug lines.
 */
export interface Logger {
  (level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  readonly level?: LogLevel;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The Python original's level names (its logging module's), for users' existing scripts. */
const PYTHON_SPELLINGS: Record<string, LogLevel> = { warning: "warn", critical: "error", fatal: "error" };

/** For option parsing: the level (any case; WARNING and CRITICAL as in the original), or an error naming the allowed values. */
export function parseLogLevel(raw: string): LogLevel {
  const lower = raw.trim().toLowerCase();
  const level = isLogLevel(lower) ? lower : PYTHON_SPELLINGS[lower];
  if (level === undefined) throw new Error(`expected debug, info, warn or error, got "${raw}"`);
  return level;
}

export function isLogLevel(value: string): value is LogLevel {
  return value in RANK;
}

/** True when `log` will write lines of `level` (false for loggers that do not say their level). */
export function logEnabled(log: Logger, level: LogLevel): boolean {
  return log.level !== undefined && RANK[level] >= RANK[log.level];
}

/**
 * The level from FASTWORKER_LOG_LEVEL, so processes whose command has no --log-level flag
 * (subworkers, embedded control planes) can still be turned up without code changes.
 */
function levelFromEnv(): LogLevel | undefined {
  const raw = process.env.FASTWORKER_LOG_LEVEL;
  if (raw === undefined || raw.trim() === "") return undefined;
  try {
    return parseLogLevel(raw);
  } catch {
    // A bad value is reported by the commands that take --log-level; here it just means "not set".
    return undefined;
  }
}

/**
 * One line per event on stderr: JSON when stderr is not a terminal (log collectors), readable
 * text when it is. Task arguments are never passed here by the control plane unless asked
 * (FASTWORKER_LOG_TASK_ARGS=true).
 */
export function createLogger(options: { level?: LogLevel; json?: boolean; component?: string } = {}): Logger {
  const level = options.level ?? levelFromEnv() ?? "info";
  const min = RANK[level];
  const json = options.json ?? !process.stderr.isTTY;
  const component = options.component ?? "fastworker";
  const write = (lineLevel: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[lineLevel] < min) return;
    if (json) {
      process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: lineLevel, component, msg, ...fields })}\n`);
    } else {
      const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : "";
      process.stderr.write(`${new Date().toISOString()} ${lineLevel.toUpperCase().padEnd(5)} [${component}] ${msg}${extra}\n`);
    }
  };
  return Object.assign(write, { level });
}

export const silentLogger: Logger = () => {};

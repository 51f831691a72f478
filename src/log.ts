export type LogLevel = "debug" | "info" | "warn" | "error";
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function isLogLevel(value: string): value is LogLevel {
  return value in RANK;
}

/**
 * One line per event on stderr: JSON when stderr is not a terminal (log collectors), readable
 * text when it is. Task arguments are never passed here by the control plane unless asked.
 */
export function createLogger(options: { level?: LogLevel; json?: boolean; component?: string } = {}): Logger {
  const min = RANK[options.level ?? "info"];
  const json = options.json ?? !process.stderr.isTTY;
  const component = options.component ?? "fastworker";
  return (level, msg, fields) => {
    if (RANK[level] < min) return;
    if (json) {
      process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, component, msg, ...fields })}\n`);
    } else {
      const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : "";
      process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${component}] ${msg}${extra}\n`);
    }
  };
}

export const silentLogger: Logger = () => {};

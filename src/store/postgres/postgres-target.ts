/**
 * The PostgreSQL journal's address (--journal-url / FASTWORKER_JOURNAL_URL), checked once with
 * valibot at start, and how a failure to reach or use that server becomes a typed error. The
 * password never appears in logs, errors or /api/status: only the redacted form does.
 */
import * as v from "valibot";
import { ConfigError, FastWorkerError, UnavailableError } from "../../errors.ts";

export interface JournalTarget {
  /** As given: what Bun.sql connects with. */
  url: string;
  /** postgres://user:***@host:port/db, for messages. */
  redacted: string;
}

/** What is wrong with a journal URL, or undefined when it can be used. */
function problem(raw: string): string | undefined {
  // URL.canParse, not valibot's url(): the two disagree on a few inputs (e.g. "postgres://u@/db").
  if (!URL.canParse(raw)) return "is not a URL (expected postgres://user:pass@host:5432/db)";
  const url = new URL(raw);
  if (!/^postgres(ql)?:$/.test(url.protocol)) return "must start with postgres:// or postgresql://";
  if (url.hostname === "") return "names no host";
  if (url.port !== "" && !(Number(url.port) >= 1 && Number(url.port) <= 65_535)) return "has a port outside 1-65535";
  return undefined;
}

const JournalUrlSchema = v.pipe(
  v.string(),
  v.trim(),
  v.nonEmpty("is empty"),
  v.check((raw) => problem(raw) === undefined, (issue) => problem(String(issue.input)) ?? "is not usable"),
);

/** Validates a journal URL; throws E_CONFIG in one line (without the password) when it is not usable. */
export function parseJournalUrl(raw: string): JournalTarget {
  const parsed = v.safeParse(JournalUrlSchema, raw);
  if (!parsed.success) {
    throw new ConfigError(`--journal-url ${redactLoose(raw)} ${parsed.issues[0].message}`);
  }
  return { url: parsed.output, redacted: redact(parsed.output) };
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== "") parsed.password = "***";
  return parsed.toString();
}

/** For a string that may not even parse: hides anything between "://user:" and "@". */
function redactLoose(raw: string): string {
  return JSON.stringify(raw.replace(/(:\/\/[^:/@]*:)[^@]*@/, "$1***@"));
}

/** Bun.sql's error fields (PostgresError): `code` is Bun's, `errno` the server's SQLSTATE. */
function fields(error: unknown): { code: string; sqlState: string; message: string } {
  const object = (typeof error === "object" && error !== null ? error : {}) as { code?: unknown; errno?: unknown };
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 300);
  return { code: typeof object.code === "string" ? object.code : "", sqlState: typeof object.errno === "string" ? object.errno : "", message };
}

/**
 * True when the server could not be reached or went away (refused, closed, timed out, shutting
 * down, not yet accepting connections, out of connection slots): waiting and trying again helps.
 */
export function isConnectionLoss(error: unknown): boolean {
  const { code, sqlState } = fields(error);
  if (/CONNECTION|TIMEOUT|SOCKET|CLOSED|ECONN|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH/.test(code)) return true;
  // 08: connection exception; 57P01-03: admin shutdown, crash shutdown, cannot connect now; 53300: too many connections.
  return sqlState.startsWith("08") || /^57P0[123]$/.test(sqlState) || sqlState === "53300";
}

/** One line: the server's words and its SQLSTATE, or Bun's code. */
export function describe(error: unknown): string {
  const { code, sqlState, message } = fields(error);
  return sqlState ? `${message} (SQLSTATE ${sqlState})` : code ? `${message} (${code})` : message;
}

/** The typed error for a journal that cannot be opened at start (typed errors pass through). */
export function openError(target: JournalTarget, error: unknown): FastWorkerError {
  if (error instanceof FastWorkerError) return error;
  const { sqlState } = fields(error);
  if (isConnectionLoss(error)) {
    return new UnavailableError(`cannot reach the journal's PostgreSQL at ${target.redacted}: ${describe(error)}. Check the server runs and the host and port are right.`, { cause: error });
  }
  // 28: authentication; 3D000: no such database; 42501: not allowed to create the schema.
  if (sqlState.startsWith("28") || sqlState === "3D000" || sqlState === "42501") {
    return new ConfigError(`the journal's PostgreSQL at ${target.redacted} refused us: ${describe(error)}. Check the user, password and database in --journal-url and that the user may create a schema.`);
  }
  return new FastWorkerError("E_JOURNAL", `cannot open the journal in PostgreSQL at ${target.redacted}: ${describe(error)}`, { cause: error });
}

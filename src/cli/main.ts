import { renderUsage, runCommand, type ArgsDef, type CommandDef } from "citty";
import { FastWorkerError, TaskError } from "../errors.ts";
import { parseLogLevel } from "../log.ts";
import { FASTWORKER_VERSION } from "../protocol/index.ts";
import { colorsEnabled, stripAnsi, type CliContext } from "./context.ts";
import { controlPlaneCommand } from "./control-plane.ts";
import { applyEnvAliases } from "./env-aliases.ts";
import { EXIT, exitCodeFor } from "./exit-codes.ts";
import { doctorCommand } from "./doctor.ts";
import { cancelCommand, listCommand, statusCommand, versionCommand } from "./inspect-commands.ts";
import { inspectCommand } from "./inspect-journal.ts";
import { checkArgv, UsageError } from "./strict-args.ts";
import { closest } from "./suggest.ts";
import { submitCommand } from "./submit.ts";
import { subworkerCommand } from "./subworker.ts";

type AnyCommand = CommandDef<ArgsDef>;

/** Commands of the Python original that have no equivalent of the same name. */
const MOVED_COMMANDS: Record<string, string> = {
  worker: 'the original\'s plain "worker" could not be reached by clients; run "fastworker subworker" (adds capacity to a control plane) or "fastworker control-plane"',
};

/** Flags accepted before the command, as the Python original's `fastworker --log-level DEBUG <command>`. */
const GLOBAL_FLAGS = ["help", "version", "log-level"];

export async function runCli(rawArgv: readonly string[], ctx: CliContext): Promise<number> {
  for (const notice of applyEnvAliases(ctx.env)) ctx.err(notice);
  let taskArgs: string[] = [];
  const commands: Record<string, AnyCommand> = {
    "control-plane": controlPlaneCommand(ctx) as AnyCommand,
    subworker: subworkerCommand(ctx) as AnyCommand,
    submit: submitCommand(ctx, () => taskArgs) as AnyCommand,
    status: statusCommand(ctx) as AnyCommand,
    cancel: cancelCommand(ctx) as AnyCommand,
    list: listCommand(ctx) as AnyCommand,
    version: versionCommand(ctx) as AnyCommand,
    doctor: doctorCommand(ctx) as AnyCommand,
    inspect: inspectCommand(ctx) as AnyCommand,
  };
  const main: AnyCommand = {
    meta: { name: "fastworker", version: FASTWORKER_VERSION, description: "Brokerless task queue for Bun over NNG" },
    args: {
      "log-level": { type: "string", description: "Before a command: its log level (debug, info, warn or error; DEBUG/WARNING accepted)" },
      version: { type: "boolean", description: "Print the version" },
    },
    subCommands: commands,
  };
  const json = rawArgv.includes("--json");
  try {
    const argv = takeGlobalFlags(rawArgv, ctx);
    if (argv === "version") {
      ctx.out(`fastworker ${FASTWORKER_VERSION}`);
      return EXIT.ok;
    }
    const [name, ...rest] = argv;
    if (name === undefined || name === "--help" || name === "-h") {
      await printUsage(ctx, main);
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    const command = commands[name];
    if (!command) {
      if (MOVED_COMMANDS[name]) throw new UsageError(`unknown command "${name}": ${MOVED_COMMANDS[name]}`);
      const guess = closest(name, Object.keys(commands));
      throw new UsageError(`unknown command "${name}"${guess ? ` (did you mean ${guess}?)` : ""}; see fastworker --help`);
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      await printUsage(ctx, command, main);
      return EXIT.ok;
    }
    const declared = (await resolveValue(command.args)) ?? {};
    let checked;
    try {
      checked = checkArgv(rest, declared);
    } catch (error) {
      if (error instanceof UsageError) throw new UsageError(`${error.message}; see fastworker ${name} --help`);
      throw error;
    }
    taskArgs = checked.taskArgs;
    await runCommand(command, { rawArgs: checked.argv });
    return ctx.exitCode ?? EXIT.ok;
  } catch (error) {
    const usage = error instanceof UsageError || isCittyUsageError(error);
    const code = usage ? EXIT.usage : exitCodeFor(error);
    const label = error instanceof FastWorkerError ? error.code : usage ? "E_USAGE" : "error";
    const message = stripAnsi(messageOf(error));
    const taskId = error instanceof TaskError ? error.taskId : undefined;
    if (json) ctx.err(JSON.stringify({ error: { code: label, message, ...(taskId ? { taskId } : {}) } }));
    else ctx.err(usage ? `fastworker: ${message}` : `fastworker: ${label}: ${message}`);
    return code;
  }
}

/**
 * Consumes the flags given before the command. `--log-level` is checked here and handed to the
 * command through FASTWORKER_LOG_LEVEL (a flag after the command still wins).
 */
function takeGlobalFlags(argv: readonly string[], ctx: CliContext): string[] | "version" {
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith("--") && argv[i] !== "--help") {
    const token = argv[i]!;
    if (token === "--version") return "version";
    const level = /^--log-level(?:=(.*))?$/.exec(token);
    if (!level) {
      const name = token.slice(2).split("=")[0]!;
      const guess = closest(name, GLOBAL_FLAGS);
      throw new UsageError(`unknown option ${token} before the command${guess ? ` (did you mean --${guess}?)` : ""}; see fastworker --help`);
    }
    const raw = level[1] ?? argv[++i];
    if (raw === undefined || raw.startsWith("--")) throw new UsageError("--log-level needs a value (debug, info, warn or error)");
    try {
      ctx.env.FASTWORKER_LOG_LEVEL = parseLogLevel(raw);
    } catch (error) {
      throw new UsageError(`--log-level: ${messageOf(error)}`);
    }
    i++;
  }
  return argv.slice(i);
}

async function printUsage(ctx: CliContext, command: AnyCommand, parent?: AnyCommand): Promise<void> {
  const text = await renderUsage(command, parent);
  ctx.out(colorsEnabled(ctx.env, ctx.isTTY) ? text : stripAnsi(text));
}

async function resolveValue<T>(value: T | Promise<T> | (() => T | Promise<T>) | undefined): Promise<T | undefined> {
  return typeof value === "function" ? (value as () => T | Promise<T>)() : value;
}

function isCittyUsageError(error: unknown): boolean {
  // citty's CLIError (a missing required flag, for one) carries codes like EARG.
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && (error.name === "CLIError" || (typeof code === "string" && /^E(_UNKNOWN_COMMAND|_NO_COMMAND|ARG)$/.test(code)));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import { defineCommand, runCommand, showUsage } from "citty";
import { FastWorkerError } from "../errors.ts";
import { FASTWORKER_VERSION } from "../protocol/index.ts";
import type { CliContext } from "./context.ts";
import { controlPlaneCommand } from "./control-plane.ts";
import { EXIT, exitCodeFor } from "./exit-codes.ts";
import { doctorCommand } from "./doctor.ts";
import { cancelCommand, listCommand, statusCommand, versionCommand } from "./inspect-commands.ts";
import { inspectCommand } from "./inspect-journal.ts";
import { submitCommand } from "./submit.ts";
import { subworkerCommand } from "./subworker.ts";

/**
 * `--args 5 3` takes every value up to the next flag, which citty's parser cannot express:
 * pull those values out before parsing.
 */
export function splitTaskArgs(argv: readonly string[]): { argv: string[]; taskArgs: string[] } {
  const at = argv.indexOf("--args");
  if (at < 0) return { argv: [...argv], taskArgs: [] };
  let end = at + 1;
  while (end < argv.length && !argv[end]!.startsWith("--")) end++;
  return { argv: [...argv.slice(0, at), ...argv.slice(end)], taskArgs: argv.slice(at + 1, end) };
}

export async function runCli(rawArgv: readonly string[], ctx: CliContext): Promise<number> {
  const { argv, taskArgs } = splitTaskArgs(rawArgv);
  const main = defineCommand({
    meta: { name: "fastworker", version: FASTWORKER_VERSION, description: "Brokerless task queue for Bun over NNG" },
    subCommands: {
      "control-plane": controlPlaneCommand(ctx),
      subworker: subworkerCommand(ctx),
      submit: submitCommand(ctx, () => taskArgs),
      status: statusCommand(ctx),
      cancel: cancelCommand(ctx),
      list: listCommand(ctx),
      version: versionCommand(ctx),
      doctor: doctorCommand(ctx),
      inspect: inspectCommand(ctx),
    },
  });
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) {
    await showUsage(...(await resolveForUsage(main, argv)));
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  try {
    await runCommand(main, { rawArgs: argv });
    return ctx.exitCode ?? EXIT.ok;
  } catch (error) {
    const code = isUsageError(error) ? EXIT.usage : exitCodeFor(error);
    const label = error instanceof FastWorkerError ? error.code : "error";
    if (argv.includes("--json")) ctx.err(JSON.stringify({ error: { code: label, message: messageOf(error) } }));
    else ctx.err(`fastworker: ${label}: ${messageOf(error)}`);
    return code;
  }
}

async function resolveForUsage(main: Parameters<typeof showUsage>[0], argv: readonly string[]): Promise<Parameters<typeof showUsage>> {
  const subs = (await (typeof main.subCommands === "function" ? main.subCommands() : main.subCommands)) ?? {};
  const name = argv.find((a) => !a.startsWith("-"));
  const sub = name ? (subs as Record<string, unknown>)[name] : undefined;
  return sub ? [sub as Parameters<typeof showUsage>[0], main] : [main];
}

function isUsageError(error: unknown): boolean {
  // citty's CLIError carries codes like E_UNKNOWN_COMMAND, E_NO_COMMAND, EARG.
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && error.name === "CLIError" || (typeof code === "string" && /^E(_UNKNOWN_COMMAND|_NO_COMMAND|ARG)$/.test(code));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import type { Logger } from "../log.ts";

/** What the entry point gives the commands: a promise that settles on SIGINT/SIGTERM, and output. */
export interface CliContext {
  shutdown: Promise<string>;
  out: (line: string) => void;
  err: (line: string) => void;
  /** stdout is a terminal (colours in normal output). */
  isTTY: boolean;
  /** stderr is a terminal: the progress bar and coloured errors are drawn there. Default false. */
  stderrIsTTY?: boolean;
  env: Record<string, string | undefined>;
  log?: Logger;
  /** A command that succeeded as a program but reports a failed outcome sets this (e.g. 1). */
  exitCode?: number;
}

/**
 * The usual rules, in order: FORCE_COLOR (anything but 0/false) turns colours on, NO_COLOR (any
 * non-empty value, see no-color.org) or TERM=dumb turns them off, otherwise colours only on a terminal.
 */
export function colorsEnabled(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "" && !/^(0|false)$/i.test(force)) return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return isTTY;
}

/** `text` in ANSI colour `code` when stdout takes colours. */
export function color(ctx: CliContext, code: number, text: string): string {
  return colorsEnabled(ctx.env, ctx.isTTY) ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** Removes ANSI colour codes (citty colours its help text by its own, narrower rules). */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

import type { Logger } from "../log.ts";

/** What the entry point gives the commands: a promise that settles on SIGINT/SIGTERM, and output. */
export interface CliContext {
  shutdown: Promise<string>;
  out: (line: string) => void;
  err: (line: string) => void;
  isTTY: boolean;
  env: Record<string, string | undefined>;
  log?: Logger;
  /** A command that succeeded as a program but reports a failed outcome sets this (e.g. 1). */
  exitCode?: number;
}

export function color(ctx: CliContext, code: number, text: string): string {
  return ctx.isTTY && !ctx.env.NO_COLOR ? `\x1b[${code}m${text}\x1b[0m` : text;
}

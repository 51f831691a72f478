import { ERROR_CODES, FastWorkerError } from "../errors.ts";

export const EXIT = { ok: 0, taskFailed: 1, usage: 2, unavailable: 3 } as const;

const EXIT_OF = { failed: EXIT.taskFailed, usage: EXIT.usage, unavailable: EXIT.unavailable } as const;

/** The documented exit code for an error: 1 task failed, 2 usage, 3 control plane unreachable (per code in ERROR_CODES). */
export function exitCodeFor(error: unknown): number {
  if (!(error instanceof FastWorkerError)) return EXIT.taskFailed;
  return EXIT_OF[ERROR_CODES[error.code].exit];
}

import { FastWorkerError } from "../errors.ts";

export const EXIT = { ok: 0, taskFailed: 1, usage: 2, unavailable: 3 } as const;

/** The documented exit code for an error: 1 task failed, 2 usage, 3 control plane unreachable. */
export function exitCodeFor(error: unknown): number {
  if (!(error instanceof FastWorkerError)) return EXIT.taskFailed;
  switch (error.code) {
    case "E_CONFIG":
    case "E_TASK_MODULE_LOAD":
    case "E_DUPLICATE_TASK":
    case "E_TASK_DEFINITION":
    case "E_LIBNNG_NOT_FOUND":
    case "E_LIBNNG_VERSION":
    case "E_ADDRINUSE":
    case "E_ADDRINVAL":
    case "E_JOURNAL":
    case "E_JOURNAL_VERSION":
    case "E_UNAUTHORIZED":
      return EXIT.usage;
    case "E_UNAVAILABLE":
    case "E_TIMEOUT":
    case "E_CONNREFUSED":
      return EXIT.unavailable;
    default:
      return EXIT.taskFailed;
  }
}

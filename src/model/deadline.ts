import { FastWorkerError } from "../errors.ts";

/**
 * Waits for `work`, but no longer than `deadlineMs` (undefined: no bound): past it the caller
 * gets E_TIMEOUT naming `what` and what `pending()` says is still under way. The work itself goes
 * on after the deadline; only this caller stops waiting, so a second caller with a longer
 * deadline still sees it end. The one deadline for every stop({ deadlineMs }).
 */
export function withDeadline(work: Promise<void>, deadlineMs: number | undefined, pending: () => string, what = "the control plane"): Promise<void> {
  if (deadlineMs === undefined || !Number.isFinite(deadlineMs)) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const overrun = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FastWorkerError("E_TIMEOUT", `${what} did not stop within ${deadlineMs} ms; still releasing: ${pending()}`)), Math.max(0, deadlineMs));
  });
  return Promise.race([work, overrun]).finally(() => clearTimeout(timer));
}

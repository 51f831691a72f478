/**
 * "settled" or "pending": whether `promise` has settled once the current macrotask and the next
 * have run (a long-poll that lingers waits exactly one macrotask before it answers).
 */
export async function settledAfterMacrotask(promise: Promise<unknown>): Promise<"settled" | "pending"> {
  let settled = false;
  void promise.then(() => (settled = true), () => (settled = true));
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  return settled ? "settled" : "pending";
}

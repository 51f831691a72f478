const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 30_000;

/**
 * Delay before the next attempt to start a replacement Worker after
 * `failures` consecutive failed attempts (>= 1). Exponential so a pool whose
 * task modules stopped importing (deleted file, broken deploy) does not spin
 * a CPU re-spawning Workers, capped so it recovers soon after a fix.
 */
export function respawnDelayMs(failures: number): number {
  const exponent = Math.max(0, Math.min(failures - 1, 16));
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** exponent);
}

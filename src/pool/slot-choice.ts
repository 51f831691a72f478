/** Which slot a job goes to: the one with most room, or the one it may overtake a prefetched job in. */
import type { Slot } from "./slot.ts";

/**
 * The slot a job of `budget` goes to: one where it starts at once if any (the roomiest of those),
 * else the one with the most prefetch room. Idle first, because prefetch depth adapts per Worker:
 * a busy Worker that has seen only short jobs may show more room than an idle one still at the
 * floor, and a short job queued behind its long one would wait for nothing.
 */
export function roomiestSlot(slots: readonly Slot[], budget: string): Slot | undefined {
  let best: Slot | undefined;
  let bestStartable = 0;
  let bestFree = 0;
  for (const slot of slots) {
    if (!slot.canTake(budget)) continue;
    const startable = slot.startable(budget) > 0 ? 1 : 0;
    const free = slot.free;
    if (startable > bestStartable || (startable === bestStartable && free > bestFree)) {
      best = slot;
      bestStartable = startable;
      bestFree = free;
    }
  }
  return best;
}

/**
 * The slot holding the lowest-priority job that is prefetched and not started, if that job ranks
 * below `rank`: a job of `rank` sent there runs before it (the Worker runs its queue by priority).
 */
export function overtakeSlot(slots: readonly Slot[], rank: number): Slot | undefined {
  let best: Slot | undefined;
  let bestRank = rank;
  for (const slot of slots) {
    // Nothing assigned there ranks below the best so far: no need to read which jobs have started.
    if (slot.highestAssignedRank() <= bestRank) continue;
    const lowest = slot.lowestWaitingRank();
    if (lowest > bestRank) {
      best = slot;
      bestRank = lowest;
    }
  }
  return best;
}

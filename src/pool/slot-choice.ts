/** Which slot a job goes to: the one with most room, or the one it may overtake a prefetched job in. */
import type { Slot } from "./slot.ts";

/** The slot with the most room that takes a job of `budget` now. */
export function roomiestSlot(slots: readonly Slot[], budget: string): Slot | undefined {
  let best: Slot | undefined;
  let bestFree = 0;
  for (const slot of slots) {
    if (!slot.canTake(budget)) continue;
    const free = slot.free;
    if (free > bestFree) {
      best = slot;
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

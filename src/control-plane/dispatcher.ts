import type { CapacitySource } from "./sources.ts";
import type { TaskTable } from "./task-table.ts";

/**
 * Moves queued tasks to sources with free slots. Runs at most once per microtask turn however
 * many submissions and completions arrive, so its cost is per batch, not per task.
 */
export class Dispatcher {
  private scheduled = false;
  private readonly sources = new Map<string, CapacitySource>();

  constructor(private readonly table: TaskTable) {}

  add(source: CapacitySource): void {
    this.sources.set(source.id, source);
    this.schedule();
  }

  remove(id: string): void {
    this.sources.delete(id);
  }

  get(id: string): CapacitySource | undefined {
    return this.sources.get(id);
  }

  all(): CapacitySource[] {
    return [...this.sources.values()];
  }

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  /**
   * Each source takes its share of the queue in proportion to its free slots; within a share
   * the ready queue hands out the highest-priority tasks the source can run, so priorities stay
   * strictly ordered across sources.
   */
  dispatch(): void {
    const ready = this.table.ready;
    if (ready.size === 0) return;
    const open: Array<[CapacitySource, number]> = [];
    let totalFree = 0;
    for (const source of this.sources.values()) {
      const free = source.freeSlots();
      if (free > 0) {
        open.push([source, free]);
        totalFree += free;
      }
    }
    if (totalFree === 0) return;
    open.sort((a, b) => b[1] - a[1]);
    const queued = ready.size;
    for (const [source, free] of open) {
      if (ready.size === 0) break;
      const share = totalFree <= queued ? free : Math.ceil((free * queued) / totalFree);
      const entries = this.table.take(source.canRun, Math.min(free, share));
      if (entries.length === 0) continue;
      for (const entry of entries) this.table.start(entry, source.id);
      source.assign(entries);
    }
  }
}

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
   * Three rounds, each taking the highest-priority tasks first, so priorities stay strictly
   * ordered across sources:
   * 1. idle Workers, wherever they are: a small burst runs in parallel instead of queueing
   *    behind a busy subworker that happens to offer prefetch room;
   * 2. prefetch room (tasks that wait behind running work, to hide round trips);
   * 3. with every slot taken, one task per source that outranks work prefetched there and not
   *    started: the source runs it next, so prefetching never delays a more urgent task.
   */
  dispatch(): void {
    if (this.table.ready.size === 0) return;
    this.fill((source) => source.idleSlots());
    this.fill((source) => source.freeSlots());
    for (const source of this.sources.values()) {
      if (this.table.ready.size === 0) return;
      const lowest = source.overtakeLimit();
      if (lowest === undefined) continue;
      this.hand(source, this.table.take(source.canRun, 1, lowest));
    }
  }

  /** Each source takes its share of the queue in proportion to its slots of this kind. */
  private fill(slotsOf: (source: CapacitySource) => number): void {
    const ready = this.table.ready;
    if (ready.size === 0) return;
    const open: Array<[CapacitySource, number]> = [];
    let totalFree = 0;
    for (const source of this.sources.values()) {
      const free = slotsOf(source);
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
      this.hand(source, this.table.take(source.canRun, Math.min(free, share)));
    }
  }

  private hand(source: CapacitySource, entries: ReturnType<TaskTable["take"]>): void {
    if (entries.length === 0) return;
    for (const entry of entries) this.table.start(entry, source.id);
    source.assign(entries);
  }
}

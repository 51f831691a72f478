import { FastWorkerError } from "../errors.ts";
import { Deque } from "./deque.ts";
import { PRIORITIES, type Priority } from "../model/priority.ts";

export interface ReadyItem {
  readonly id: string;
  readonly name: string;
  readonly priority: Priority;
  /**
   * Set by the queue while the item is queued in it (its place in take order), undefined when
   * not queued. Carried by the item itself, so the queue needs no wrapper object and no id map
   * per queued item: the control plane holds a million queued tasks in memory.
   */
  readyTicket?: number | undefined;
}

/**
 * Which task names a source can run: a predicate, a set of names, or null
 * for "any name". Evaluated at most once per name per level per take();
 * a predicate must not mutate the queue it filters.
 */
export type NameFilter = ((name: string) => boolean) | ReadonlySet<string> | null;

const LEVEL_OF: Record<Priority, number> = { critical: 0, high: 1, normal: 2, low: 3 };
const LEVELS = PRIORITIES.length;

/** Removed entries are dropped lazily; compact a lane once they outnumber live ones past this floor. */
const COMPACT_MIN_DEAD = 32;
/** Empty lanes are recycled so a queue that drains and refills does not reallocate per burst. */
const MAX_SPARE_LANES = 64;

/**
 * All queued items of one task name at one priority level, in ticket order: two deques in
 * lockstep, the items and the ticket each had when it was put there. A slot whose ticket is no
 * longer its item's `readyTicket` was removed (or the item was queued again elsewhere): dead,
 * dropped lazily.
 */
interface Lane<T> {
  name: string;
  level: number;
  readonly items: Deque<T>;
  readonly tickets: Deque<number>;
  /** Live slots; `items.length - live` are lazily-removed ones. */
  live: number;
}

function accepts(filter: NameFilter, name: string): boolean {
  if (filter === null) return true;
  return typeof filter === "function" ? filter(name) : filter.has(name);
}

/**
 * Four strictly ordered priority levels, FIFO within a level, with selection
 * by task name so a source only ever receives names it registered.
 *
 * Each level is a Map<name, lane>; a global ticket orders items across lanes
 * (push draws increasing tickets, pushFront decreasing ones), so "oldest
 * runnable item" is the runnable lane head with the smallest ticket.
 * Invariants: every lane in a level map has live > 0 and a live head, which
 * keeps take() free of dead-slot checks on its scan.
 */
export class ReadyQueue<T extends ReadyItem> implements Iterable<T> {
  private readonly levels: Array<Map<string, Lane<T>>> = [];
  private readonly levelSize = [0, 0, 0, 0];
  private count = 0;
  private readonly spareLanes: Array<Lane<T>> = [];
  private readonly scratch: Array<Lane<T>> = [];
  private backSeq = 0;
  // pushFront draws from a decreasing counter so it sorts before every push() in its level.
  private frontSeq = 0;
  private taking = false;

  constructor() {
    for (let i = 0; i < LEVELS; i++) this.levels.push(new Map());
  }

  get size(): number {
    return this.count;
  }

  /** Whether `item` is queued (here: an item belongs to one ready queue at a time). */
  has(item: T): boolean {
    return item.readyTicket !== undefined;
  }

  /** Appends `item` to the back of its priority level. */
  push(item: T): void {
    this.admit(item, ++this.backSeq, false);
  }

  /** Puts `item` at the front of its level, e.g. a task whose lease was lost mid-run. */
  pushFront(item: T): void {
    this.admit(item, --this.frontSeq, true);
  }

  /** Removes a queued item; O(1) amortised (its slot is reclaimed lazily). False when it was not queued. */
  remove(item: T): boolean {
    if (item.readyTicket === undefined) return false;
    const lane = this.levels[LEVEL_OF[item.priority]]!.get(item.name);
    item.readyTicket = undefined;
    if (lane === undefined) return true; // unreachable while the invariants hold; nothing left to count
    lane.live--;
    this.levelSize[lane.level]--;
    this.count--;
    this.dropDeadHeads(lane);
    if (lane.live === 0) {
      this.releaseLane(lane);
    } else {
      const dead = lane.items.length - lane.live;
      if (dead > COMPACT_MIN_DEAD && dead > lane.live) compact(lane);
    }
    return true;
  }

  /**
   * Removes and returns up to `max` items, each time the highest-priority,
   * oldest item whose name `canRun` accepts. Items of other names are never
   * returned and keep their place. `lowest`: none of a lower priority than this
   * (an overtaking source takes only what outranks the work waiting there).
   */
  take(canRun: NameFilter, max: number, lowest: Priority = "low"): T[] {
    const out: T[] = [];
    if (!(max > 0) || this.count === 0) return out;
    if (this.taking) throw new FastWorkerError("E_INTERNAL", "ReadyQueue.take() called re-entrantly from its name filter");
    this.taking = true;
    try {
      const last = LEVEL_OF[lowest];
      for (let level = 0; level <= last && out.length < max; level++) {
        if (this.levelSize[level] === 0) continue;
        this.takeFromLevel(level, canRun, max, out);
      }
    } finally {
      this.scratch.length = 0;
      this.taking = false;
    }
    return out;
  }

  sizeByPriority(): Record<Priority, number> {
    const s = this.levelSize;
    return { critical: s[0]!, high: s[1]!, normal: s[2]!, low: s[3]! };
  }

  /**
   * The item `take(null, 1)` would return next, left in place: one look at each lane head of the
   * top non-empty level, no allocation (the dispatcher asks this on every round; peek() is for the dashboard).
   */
  first(): T | undefined {
    for (let level = 0; level < LEVELS; level++) {
      if (this.levelSize[level] === 0) continue;
      let best: Lane<T> | undefined;
      for (const lane of this.levels[level]!.values()) {
        if (best === undefined || headTicket(lane) < headTicket(best)) best = lane;
      }
      return best?.items.peekFront();
    }
    return undefined;
  }

  /** The first `n` live items of one level in take order (for the dashboard). */
  peek(priority: Priority, n: number): T[] {
    const out: T[] = [];
    if (!(n > 0)) return out;
    for (const item of this.levelInOrder(LEVEL_OF[priority])) {
      out.push(item);
      if (out.length >= n) break;
    }
    return out;
  }

  /** Names that currently have at least one queued item, at any priority. */
  namesWaiting(): string[] {
    const names = new Set<string>();
    for (const level of this.levels) for (const name of level.keys()) names.add(name);
    return [...names];
  }

  /** All live items in take order (priority, then FIFO). Do not mutate the queue while iterating. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let level = 0; level < LEVELS; level++) yield* this.levelInOrder(level);
  }

  private takeFromLevel(level: number, canRun: NameFilter, max: number, out: T[]): void {
    const cands = this.scratch;
    cands.length = 0;
    for (const lane of this.levels[level]!.values()) if (accepts(canRun, lane.name)) cands.push(lane);
    let n = cands.length;
    if (n === 1) {
      // Common case (one runnable name, or only one name queued): no merge needed.
      const lane = cands[0]!;
      while (out.length < max && lane.live > 0) out.push(this.popHead(lane));
      return;
    }
    while (n > 0 && out.length < max) {
      let best = 0;
      let bestTicket = headTicket(cands[0]!);
      for (let i = 1; i < n; i++) {
        const ticket = headTicket(cands[i]!);
        if (ticket < bestTicket) {
          bestTicket = ticket;
          best = i;
        }
      }
      const lane = cands[best]!;
      out.push(this.popHead(lane));
      if (lane.live === 0) cands[best] = cands[--n]!;
    }
  }

  /** Pops the (live, by invariant) head of `lane`, restoring the invariants afterwards. */
  private popHead(lane: Lane<T>): T {
    const item = lane.items.popFront() as T;
    lane.tickets.popFront();
    item.readyTicket = undefined;
    lane.live--;
    this.levelSize[lane.level]--;
    this.count--;
    this.dropDeadHeads(lane);
    if (lane.live === 0) this.releaseLane(lane);
    return item;
  }

  private admit(item: T, ticket: number, atFront: boolean): void {
    if (item.readyTicket !== undefined) throw new FastWorkerError("E_DUPLICATE_ID", `task ${item.id} is already in the ready queue`);
    const lane = this.laneFor(item);
    if (atFront) {
      lane.items.pushFront(item);
      lane.tickets.pushFront(ticket);
    } else {
      lane.items.pushBack(item);
      lane.tickets.pushBack(ticket);
    }
    item.readyTicket = ticket;
    lane.live++;
    this.levelSize[lane.level]++;
    this.count++;
  }

  private laneFor(item: T): Lane<T> {
    const level = LEVEL_OF[item.priority];
    if (level === undefined) {
      throw new FastWorkerError("E_INTERNAL", `task ${item.id} has unknown priority ${String(item.priority)}`);
    }
    const map = this.levels[level]!;
    const existing = map.get(item.name);
    if (existing !== undefined) return existing;
    const lane = this.spareLanes.pop() ?? { name: "", level: 0, items: new Deque<T>(), tickets: new Deque<number>(), live: 0 };
    lane.name = item.name;
    lane.level = level;
    map.set(item.name, lane);
    return lane;
  }

  private dropDeadHeads(lane: Lane<T>): void {
    while (lane.items.length > 0 && !liveAt(lane, 0)) {
      lane.items.popFront();
      lane.tickets.popFront();
    }
  }

  /** Called only when lane.live === 0, at which point dropDeadHeads has emptied it. */
  private releaseLane(lane: Lane<T>): void {
    this.levels[lane.level]!.delete(lane.name);
    if (lane.items.length !== 0) (lane.items.clear(), lane.tickets.clear());
    if (this.spareLanes.length < MAX_SPARE_LANES) this.spareLanes.push(lane);
  }

  private *levelInOrder(level: number): Generator<T> {
    const lanes = [...this.levels[level]!.values()];
    const cursors = new Array<number>(lanes.length).fill(0);
    for (;;) {
      let best = -1;
      let bestTicket = Infinity;
      for (let i = 0; i < lanes.length; i++) {
        const lane = lanes[i]!;
        while (cursors[i]! < lane.items.length && !liveAt(lane, cursors[i]!)) cursors[i]!++;
        if (cursors[i]! < lane.items.length) {
          const ticket = lane.tickets.at(cursors[i]!) as number;
          if (ticket < bestTicket) {
            bestTicket = ticket;
            best = i;
          }
        }
      }
      if (best < 0) return;
      yield lanes[best]!.items.at(cursors[best]!++) as T;
    }
  }
}

/** The slot at `k` still holds its item's current place (not removed, not queued again since). */
function liveAt<T extends ReadyItem>(lane: Lane<T>, k: number): boolean {
  return (lane.items.at(k) as T).readyTicket === lane.tickets.at(k);
}

function headTicket<T>(lane: Lane<T>): number {
  return lane.tickets.peekFront() as number;
}

/** Rebuilds a lane from its live slots (both deques in lockstep). */
function compact<T extends ReadyItem>(lane: Lane<T>): void {
  const items: T[] = [];
  const tickets: number[] = [];
  for (let k = 0; k < lane.items.length; k++) {
    if (!liveAt(lane, k)) continue;
    items.push(lane.items.at(k) as T);
    tickets.push(lane.tickets.at(k) as number);
  }
  lane.items.clear();
  lane.tickets.clear();
  for (let k = 0; k < items.length; k++) (lane.items.pushBack(items[k]!), lane.tickets.pushBack(tickets[k]!));
}

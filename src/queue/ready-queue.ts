import { FastWorkerError } from "../errors.ts";
import { Deque } from "./deque.ts";
import { PRIORITIES, type Priority } from "../model/priority.ts";

export interface ReadyItem {
  readonly id: string;
  readonly name: string;
  readonly priority: Priority;
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

interface Entry<T> {
  readonly item: T;
  readonly seq: number;
  readonly lane: Lane<T>;
  live: boolean;
}

/** All queued entries of one task name at one priority level, in seq order. */
interface Lane<T> {
  name: string;
  level: number;
  readonly entries: Deque<Entry<T>>;
  /** Live entries; `entries.length - live` are lazily-removed ones. */
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
 * Each level is a Map<name, lane>; a global sequence number orders entries
 * across lanes, so "oldest runnable item" is the runnable lane head with the
 * smallest seq. Invariants: every lane in a level map has live > 0 and a live
 * head, which keeps take() free of dead-entry checks on its scan.
 */
export class ReadyQueue<T extends ReadyItem> implements Iterable<T> {
  private readonly levels: Array<Map<string, Lane<T>>> = [];
  private readonly levelSize = [0, 0, 0, 0];
  private readonly index = new Map<string, Entry<T>>();
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
    return this.index.size;
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  /** Appends `item` to the back of its priority level. */
  push(item: T): void {
    this.assertAbsent(item.id);
    const lane = this.laneFor(item);
    const entry: Entry<T> = { item, seq: ++this.backSeq, lane, live: true };
    lane.entries.pushBack(entry);
    this.admit(entry);
  }

  /** Puts `item` at the front of its level, e.g. a task whose lease was lost mid-run. */
  pushFront(item: T): void {
    this.assertAbsent(item.id);
    const lane = this.laneFor(item);
    const entry: Entry<T> = { item, seq: --this.frontSeq, lane, live: true };
    lane.entries.pushFront(entry);
    this.admit(entry);
  }

  /** Removes a queued item by id; O(1) amortised (the slot is reclaimed lazily). */
  remove(id: string): T | undefined {
    const entry = this.index.get(id);
    if (entry === undefined) return undefined;
    this.index.delete(id);
    entry.live = false;
    const lane = entry.lane;
    lane.live--;
    this.levelSize[lane.level]--;
    this.dropDeadHeads(lane);
    if (lane.live === 0) {
      this.releaseLane(lane);
    } else {
      const dead = lane.entries.length - lane.live;
      if (dead > COMPACT_MIN_DEAD && dead > lane.live) lane.entries.retain(isLive);
    }
    return entry.item;
  }

  /**
   * Removes and returns up to `max` items, each time the highest-priority,
   * oldest item whose name `canRun` accepts. Items of other names are never
   * returned and keep their place. `lowest`: none of a lower priority than this
   * (an overtaking source takes only what outranks the work waiting there).
   */
  take(canRun: NameFilter, max: number, lowest: Priority = "low"): T[] {
    const out: T[] = [];
    if (!(max > 0) || this.index.size === 0) return out;
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
    return { critical: s[0], high: s[1], normal: s[2], low: s[3] };
  }

  /**
   * The item `take(null, 1)` would return next, left in place: one look at each lane head of the
   * top non-empty level, no allocation (the dispatcher asks this on every round; peek() is for the dashboard).
   */
  first(): T | undefined {
    for (let level = 0; level < LEVELS; level++) {
      if (this.levelSize[level] === 0) continue;
      let best: Entry<T> | undefined;
      for (const lane of this.levels[level].values()) {
        const head = lane.entries.peekFront() as Entry<T>; // a lane's head is live (class invariant)
        if (best === undefined || head.seq < best.seq) best = head;
      }
      return best?.item;
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
    for (const lane of this.levels[level].values()) if (accepts(canRun, lane.name)) cands.push(lane);
    let n = cands.length;
    if (n === 1) {
      // Common case (one runnable name, or only one name queued): no merge needed.
      const lane = cands[0];
      while (out.length < max && lane.live > 0) out.push(this.popHead(lane));
      return;
    }
    while (n > 0 && out.length < max) {
      let best = 0;
      let bestSeq = (cands[0].entries.peekFront() as Entry<T>).seq;
      for (let i = 1; i < n; i++) {
        const seq = (cands[i].entries.peekFront() as Entry<T>).seq;
        if (seq < bestSeq) {
          bestSeq = seq;
          best = i;
        }
      }
      const lane = cands[best];
      out.push(this.popHead(lane));
      if (lane.live === 0) cands[best] = cands[--n];
    }
  }

  /** Pops the (live, by invariant) head of `lane`, restoring the invariants afterwards. */
  private popHead(lane: Lane<T>): T {
    const entry = lane.entries.popFront() as Entry<T>;
    entry.live = false;
    this.index.delete(entry.item.id);
    lane.live--;
    this.levelSize[lane.level]--;
    this.dropDeadHeads(lane);
    if (lane.live === 0) this.releaseLane(lane);
    return entry.item;
  }

  private assertAbsent(id: string): void {
    if (this.index.has(id)) throw new FastWorkerError("E_DUPLICATE_ID", `task ${id} is already in the ready queue`);
  }

  private admit(entry: Entry<T>): void {
    this.index.set(entry.item.id, entry);
    entry.lane.live++;
    this.levelSize[entry.lane.level]++;
  }

  private laneFor(item: T): Lane<T> {
    const level = LEVEL_OF[item.priority];
    if (level === undefined) {
      throw new FastWorkerError("E_INTERNAL", `task ${item.id} has unknown priority ${String(item.priority)}`);
    }
    const map = this.levels[level];
    const existing = map.get(item.name);
    if (existing !== undefined) return existing;
    const lane = this.spareLanes.pop() ?? { name: "", level: 0, entries: new Deque<Entry<T>>(), live: 0 };
    lane.name = item.name;
    lane.level = level;
    map.set(item.name, lane);
    return lane;
  }

  private dropDeadHeads(lane: Lane<T>): void {
    const entries = lane.entries;
    let head = entries.peekFront();
    while (head !== undefined && !head.live) {
      entries.popFront();
      head = entries.peekFront();
    }
  }

  /** Called only when lane.live === 0, at which point dropDeadHeads has emptied it. */
  private releaseLane(lane: Lane<T>): void {
    this.levels[lane.level].delete(lane.name);
    if (lane.entries.length !== 0) lane.entries.clear();
    if (this.spareLanes.length < MAX_SPARE_LANES) this.spareLanes.push(lane);
  }

  private *levelInOrder(level: number): Generator<T> {
    const lanes = [...this.levels[level].values()];
    const cursors = new Array<number>(lanes.length).fill(0);
    for (;;) {
      let best = -1;
      let bestSeq = Infinity;
      for (let i = 0; i < lanes.length; i++) {
        const entries = lanes[i].entries;
        let e = entries.at(cursors[i]);
        while (e !== undefined && !e.live) e = entries.at(++cursors[i]);
        if (e !== undefined && e.seq < bestSeq) {
          bestSeq = e.seq;
          best = i;
        }
      }
      if (best < 0) return;
      yield (lanes[best].entries.at(cursors[best]++) as Entry<T>).item;
    }
  }
}

function isLive<T>(entry: Entry<T>): boolean {
  return entry.live;
}

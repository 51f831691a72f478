/** Array-backed FIFO with an advancing head, so shift() is O(1) amortised. */
class Deque<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  unshift(item: T): void {
    if (this.#head > 0) this.#items[--this.#head] = item;
    else this.#items.unshift(item);
  }

  /** The i-th item from the head (0 = next to shift), undefined past the end. */
  at(index: number): T | undefined {
    return this.#items[this.#head + index];
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      // Compact occasionally so a long-lived busy queue does not grow without bound.
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

/**
 * Queue ordered by rank (0 first), FIFO within a rank. Items must be distinct
 * objects or values; remove() is lazy (the slot is skipped when reached), so an
 * item must not be pushed again after being removed.
 */
export class PriorityFifo<T> {
  readonly #levels: Deque<T>[];
  readonly #removed = new Set<T>();
  #size = 0;

  constructor(levels = 4) {
    this.#levels = Array.from({ length: levels }, () => new Deque<T>());
  }

  get size(): number {
    return this.#size;
  }

  push(item: T, rank: number): void {
    this.#level(rank).push(item);
    this.#size++;
  }

  /** Puts an item back at the head of its rank, e.g. a job returned from a lost Worker. */
  pushFront(item: T, rank: number): void {
    this.#level(rank).unshift(item);
    this.#size++;
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    for (const level of this.#levels) {
      while (level.length > 0) {
        const item = level.shift() as T;
        if (this.#removed.delete(item)) continue;
        this.#size--;
        return item;
      }
    }
    return undefined;
  }

  /** The item shift() would return, left in place. */
  peek(): T | undefined {
    return this.find(() => true);
  }

  /** The first live item, in shift() order, that `accept` takes; left in place. */
  find(accept: (item: T) => boolean): T | undefined {
    if (this.#size === 0) return undefined;
    for (const level of this.#levels) {
      for (let i = 0; i < level.length; i++) {
        const item = level.at(i) as T;
        if (!this.#removed.has(item) && accept(item)) return item;
      }
    }
    return undefined;
  }

  /**
   * Takes the first item, in shift() order, that `accept` takes (items skipped stay in
   * place). O(items skipped): meant for short queues such as one Worker's.
   */
  shiftWhere(accept: (item: T) => boolean): T | undefined {
    const item = this.find(accept);
    if (item === undefined) return undefined;
    this.remove(item);
    // Drop removed items sitting at the heads, so a queue only ever taken from this way does not grow.
    for (const level of this.#levels) {
      while (level.length > 0 && this.#removed.delete(level.at(0) as T)) level.shift();
    }
    return item;
  }

  /** Removes an item known to be queued. */
  remove(item: T): void {
    this.#removed.add(item);
    this.#size--;
  }

  /** Empties the queue, returning live items in the order shift() would have. */
  drain(): T[] {
    const out: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item);
    return out;
  }

  #level(rank: number): Deque<T> {
    const level = this.#levels[rank];
    if (level === undefined) throw new RangeError(`rank ${rank} is outside 0..${this.#levels.length - 1}`);
    return level;
  }
}

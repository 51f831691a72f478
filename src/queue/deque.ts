const MIN_CAPACITY = 16;

/**
 * Growable ring-buffer double-ended queue: O(1) amortised push/pop at both
 * ends, unlike Array#shift which is O(n) on large arrays. Capacity is a power
 * of two so wrap-around is a mask, and it halves when the deque drains to a
 * quarter so a burst does not pin memory forever.
 */
export class Deque<T> {
  private buf: Array<T | undefined>;
  private mask: number;
  private head = 0;
  private len = 0;

  constructor(initialCapacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < initialCapacity) cap *= 2;
    this.buf = new Array<T | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
  }

  get length(): number {
    return this.len;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  pushBack(value: T): void {
    if (this.len > this.mask) this.resize((this.mask + 1) * 2);
    this.buf[(this.head + this.len) & this.mask] = value;
    this.len++;
  }

  pushFront(value: T): void {
    if (this.len > this.mask) this.resize((this.mask + 1) * 2);
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = value;
    this.len++;
  }

  popFront(): T | undefined {
    if (this.len === 0) return undefined;
    const value = this.buf[this.head];
    // Clear the slot so the deque does not keep popped items alive.
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.len--;
    this.maybeShrink();
    return value;
  }

  popBack(): T | undefined {
    if (this.len === 0) return undefined;
    const i = (this.head + this.len - 1) & this.mask;
    const value = this.buf[i];
    this.buf[i] = undefined;
    this.len--;
    this.maybeShrink();
    return value;
  }

  peekFront(): T | undefined {
    return this.len === 0 ? undefined : this.buf[this.head];
  }

  peekBack(): T | undefined {
    return this.len === 0 ? undefined : this.buf[(this.head + this.len - 1) & this.mask];
  }

  /** Element at logical position `i` (0 = front), or undefined when out of range. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.len) return undefined;
    return this.buf[(this.head + i) & this.mask];
  }

  /** Keeps only elements for which `keep` is true, preserving order; returns how many were dropped. */
  retain(keep: (value: T) => boolean): number {
    const before = this.len;
    let write = 0;
    for (let read = 0; read < before; read++) {
      const value = this.buf[(this.head + read) & this.mask] as T;
      if (keep(value)) {
        this.buf[(this.head + write) & this.mask] = value;
        write++;
      }
    }
    for (let i = write; i < before; i++) this.buf[(this.head + i) & this.mask] = undefined;
    this.len = write;
    this.maybeShrink();
    return before - write;
  }

  clear(): void {
    this.buf = new Array<T | undefined>(MIN_CAPACITY).fill(undefined);
    this.mask = MIN_CAPACITY - 1;
    this.head = 0;
    this.len = 0;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.len; i++) yield this.buf[(this.head + i) & this.mask] as T;
  }

  private maybeShrink(): void {
    const cap = this.mask + 1;
    // Shrink at a quarter (not half) so alternating push/pop at a boundary cannot thrash.
    if (cap > MIN_CAPACITY && this.len <= cap >>> 2) this.resize(cap >>> 1);
  }

  private resize(newCap: number): void {
    const next = new Array<T | undefined>(newCap).fill(undefined);
    for (let i = 0; i < this.len; i++) next[i] = this.buf[(this.head + i) & this.mask];
    this.buf = next;
    this.mask = newCap - 1;
    this.head = 0;
  }
}

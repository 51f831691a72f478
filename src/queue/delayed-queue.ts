import { FastWorkerError } from "../errors.ts";

/** Stale (removed or rescheduled) heap slots are purged once they dominate, past this floor. */
const COMPACT_MIN_STALE = 64;

/**
 * Min-heap of task ids by due time, for ETA/countdown tasks and retries
 * waiting out their backoff. Ties are broken by insertion order.
 *
 * The heap is three parallel arrays rather than an array of objects so a
 * push allocates nothing beyond amortised array growth. Removal is lazy: the
 * `live` map records which heap slot (by seq) is current for each id, and a
 * slot whose seq does not match is skipped when it reaches the top.
 */
export class DelayedQueue {
  private readonly ids: string[] = [];
  private readonly due: number[] = [];
  private readonly seqs: number[] = [];
  private readonly live = new Map<string, number>();
  private nextSeq = 0;

  get size(): number {
    return this.live.size;
  }

  has(id: string): boolean {
    return this.live.has(id);
  }

  /**
   * Schedules `id` at `dueAt`. Pushing an id that is already waiting
   * reschedules it (the old slot goes stale), counting as a fresh insertion
   * for tie-breaking.
   */
  push(id: string, dueAt: number): void {
    // NaN compares false both ways and would silently corrupt the heap order.
    if (Number.isNaN(dueAt)) throw new FastWorkerError("E_INTERNAL", `task ${id} scheduled with a NaN due time`);
    const seq = ++this.nextSeq;
    this.live.set(id, seq);
    this.ids.push(id);
    this.due.push(dueAt);
    this.seqs.push(seq);
    this.siftUp(this.ids.length - 1);
    this.maybeCompact();
  }

  /** Returns true when `id` was waiting. */
  remove(id: string): boolean {
    if (!this.live.delete(id)) return false;
    this.maybeCompact();
    return true;
  }

  /** Removes and returns the ids due at or before `now`, earliest first, at most `max`. */
  popDue(now: number, max = Infinity): string[] {
    const out: string[] = [];
    const ids = this.ids;
    while (out.length < max && ids.length > 0 && this.due[0] <= now) {
      const id = ids[0];
      const seq = this.seqs[0];
      this.popTop();
      if (this.live.get(id) === seq) {
        this.live.delete(id);
        out.push(id);
      }
    }
    return out;
  }

  /** Due time of the earliest waiting id, or undefined when empty. */
  nextDueAt(): number | undefined {
    while (this.ids.length > 0 && this.live.get(this.ids[0]) !== this.seqs[0]) this.popTop();
    return this.ids.length > 0 ? this.due[0] : undefined;
  }

  clear(): void {
    this.ids.length = 0;
    this.due.length = 0;
    this.seqs.length = 0;
    this.live.clear();
  }

  private isLiveSlot(i: number): boolean {
    return this.live.get(this.ids[i]) === this.seqs[i];
  }

  private less(i: number, j: number): boolean {
    const a = this.due[i];
    const b = this.due[j];
    return a < b || (a === b && this.seqs[i] < this.seqs[j]);
  }

  private move(from: number, to: number): void {
    this.ids[to] = this.ids[from];
    this.due[to] = this.due[from];
    this.seqs[to] = this.seqs[from];
  }

  private popTop(): void {
    const last = this.ids.length - 1;
    if (last > 0) this.move(last, 0);
    this.ids.pop();
    this.due.pop();
    this.seqs.pop();
    if (last > 1) this.siftDown(0);
  }

  private siftUp(start: number): void {
    const id = this.ids[start];
    const due = this.due[start];
    const seq = this.seqs[start];
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pd = this.due[parent];
      if (pd < due || (pd === due && this.seqs[parent] < seq)) break;
      this.move(parent, i);
      i = parent;
    }
    this.ids[i] = id;
    this.due[i] = due;
    this.seqs[i] = seq;
  }

  private siftDown(start: number): void {
    const n = this.ids.length;
    const id = this.ids[start];
    const due = this.due[start];
    const seq = this.seqs[start];
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.less(right, left) ? right : left;
      const cd = this.due[child];
      if (due < cd || (due === cd && seq < this.seqs[child])) break;
      this.move(child, i);
      i = child;
    }
    this.ids[i] = id;
    this.due[i] = due;
    this.seqs[i] = seq;
  }

  /** Rebuilds without stale slots once they outnumber live ones: O(n), amortised O(1) per removal. */
  private maybeCompact(): void {
    const n = this.ids.length;
    const stale = n - this.live.size;
    if (stale <= COMPACT_MIN_STALE || stale <= this.live.size) return;
    let write = 0;
    for (let read = 0; read < n; read++) {
      if (!this.isLiveSlot(read)) continue;
      if (write !== read) this.move(read, write);
      write++;
    }
    this.ids.length = write;
    this.due.length = write;
    this.seqs.length = write;
    for (let i = (write >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }
}

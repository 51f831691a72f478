/**
 * The one long-poll primitive of the control plane. Per key (a client's outbox, a watch, one
 * held `result` request) it keeps a mailbox: a bounded, insertion-ordered buffer of items and at
 * most one held request waiting on it. Every bound lives here, so each user gets them all:
 * - the buffer holds `maxItems`; past it the oldest item is dropped and counted in `missed`;
 * - a request waits at most `maxWaitMs`, whatever it asks for, and at once ends when its signal
 *   aborts (its connection closed) or `releaseAll()` runs (shutdown);
 * - one request per mailbox: a newer one answers the older at once (with what it has);
 * - a mailbox nobody took from for `idleTtlMs`, with no request waiting, is dropped by `sweep()`.
 * Items have keys (`keyOf`, else arrival order), so taking chosen ones costs O(chosen).
 */

/** setTimeout's longest delay: a longer one fires at once in Bun, so longer waits are capped at it. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export interface LongPollOptions<T> {
  /** Items a mailbox holds between two takes; past it the oldest are dropped (and counted as missed). */
  maxItems: number;
  /** The longest any request is held, whatever it asks for. Infinity: an endless wait may be asked for (in-process callers only). */
  maxWaitMs: number;
  /** A mailbox not taken from this long, and not waited on, is dropped by sweep(). Default: never. */
  idleTtlMs?: number;
  /** An item's key: a newer item with the same key replaces the older; take(key, keys) selects by it. */
  keyOf?: (item: T) => unknown;
}

export interface WaitOptions {
  /** How long the request asks to be held (then capped at maxWaitMs). 0: answer at once; Infinity (where maxWaitMs allows it): no deadline, so no timer. */
  waitMs: number;
  signal?: AbortSignal;
  /** Items needed before the request is answered; default 1. */
  minItems?: number;
  /** Answer one macrotask after the wake-up, so a burst of items travels in one reply; default true. */
  linger?: boolean;
}

export interface PollBatch<T> {
  items: T[];
  /** Items dropped (oldest first) since the previous take, because the mailbox was full. */
  missed: number;
}

interface Held {
  readonly minItems: number;
  /** Ends the wait: `now` skips the linger (a superseded or released request). */
  readonly wake: (now: boolean) => void;
}

interface Mailbox<T> {
  items: Map<unknown, T>;
  missed: number;
  touchedAt: number;
  held: Held | undefined;
}

export class LongPoll<T> {
  private readonly boxes = new Map<string, Mailbox<T>>();
  private readonly idleTtlMs: number;
  private arrivals = 0;

  constructor(private readonly options: LongPollOptions<T>, private readonly now: () => number = Date.now) {
    this.idleTtlMs = options.idleTtlMs ?? Infinity;
  }

  /** Open mailboxes. */
  get size(): number {
    return this.boxes.size;
  }

  /** Items waiting in `key`'s mailbox. */
  pending(key: string): number {
    return this.boxes.get(key)?.items.size ?? 0;
  }

  /** Appends `item` to `key`'s mailbox (opening it), and answers its held request once it has enough. */
  push(key: string, item: T): void {
    const box = this.open(key);
    const itemKey = this.options.keyOf?.(item) ?? ++this.arrivals;
    box.items.delete(itemKey); // a replaced item moves to the back, as a new arrival
    if (box.items.size >= this.options.maxItems) this.dropOldest(box);
    box.items.set(itemKey, item);
    const held = box.held;
    if (held !== undefined && box.items.size >= held.minItems) held.wake(false);
  }

  /** Items a reply had no room for go back to the front of the mailbox, for its next request. */
  putBack(key: string, items: readonly T[]): void {
    const box = this.boxes.get(key);
    if (box === undefined || items.length === 0) return;
    const rest = box.items;
    box.items = new Map();
    for (const item of items) box.items.set(this.options.keyOf?.(item) ?? ++this.arrivals, item);
    for (const [itemKey, item] of rest) box.items.set(itemKey, item);
    while (box.items.size > this.options.maxItems) this.dropOldest(box);
  }

  /**
   * Resolves once `key`'s mailbox holds `minItems` items (plus one macrotask unless `linger` is
   * false), after `waitMs` (capped), when the signal aborts, or when a newer request replaces this one.
   */
  wait(key: string, options: WaitOptions): Promise<void> {
    const box = this.open(key);
    const minItems = options.minItems ?? 1;
    const waitMs = Math.min(Math.max(0, options.waitMs), this.options.maxWaitMs);
    const signal = options.signal;
    if (box.items.size >= minItems || waitMs === 0 || signal?.aborted) return Promise.resolve();
    box.held?.wake(true);
    const linger = options.linger ?? true;
    return new Promise((resolve) => {
      const end = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", abort);
        if (box.held === held) box.held = undefined;
      };
      const abort = (): void => (end(), resolve());
      const held: Held = { minItems, wake: (now) => (end(), now || !linger ? resolve() : setImmediate(resolve)) };
      // The deadline of this one request; an endless one needs no timer (20 000 in-process waits are 20 000 fewer timers).
      const timer = waitMs === Infinity ? undefined : setTimeout(abort, Math.min(waitMs, LONGEST_TIMER_MS));
      signal?.addEventListener("abort", abort, { once: true });
      box.held = held;
    });
  }

  /** Takes every item (or those with the given keys) and the count missed since the last take. */
  take(key: string, keys?: Iterable<unknown>): PollBatch<T> {
    const box = this.boxes.get(key);
    if (box === undefined) return { items: [], missed: 0 };
    box.touchedAt = this.now();
    const missed = box.missed;
    box.missed = 0;
    if (keys === undefined) {
      const items = [...box.items.values()];
      box.items.clear();
      return { items, missed };
    }
    const items: T[] = [];
    for (const itemKey of keys) {
      const item = box.items.get(itemKey);
      if (item === undefined) continue;
      box.items.delete(itemKey);
      items.push(item);
    }
    return { items, missed };
  }

  /** wait(), then take() everything. */
  async poll(key: string, options: WaitOptions): Promise<PollBatch<T>> {
    await this.wait(key, options);
    return this.take(key);
  }

  /** Closes a mailbox: its held request is answered now and its items are dropped. */
  delete(key: string): void {
    const box = this.boxes.get(key);
    if (box === undefined) return;
    this.boxes.delete(key);
    box.held?.wake(true);
  }

  /** Answers every held request now (shutdown); the mailboxes and their items stay. */
  releaseAll(): void {
    for (const box of this.boxes.values()) box.held?.wake(true);
  }

  /** Drops mailboxes idle past idleTtlMs with no request waiting; returns their keys. */
  sweep(now = this.now()): string[] {
    const dropped: string[] = [];
    for (const [key, box] of this.boxes) {
      if (box.held !== undefined || now - box.touchedAt < this.idleTtlMs) continue;
      this.boxes.delete(key);
      dropped.push(key);
    }
    return dropped;
  }

  private open(key: string): Mailbox<T> {
    let box = this.boxes.get(key);
    if (box === undefined) this.boxes.set(key, (box = { items: new Map(), missed: 0, touchedAt: this.now(), held: undefined }));
    return box;
  }

  private dropOldest(box: Mailbox<T>): void {
    const oldest = box.items.keys().next();
    if (oldest.done === true) return;
    box.items.delete(oldest.value);
    box.missed++;
  }
}

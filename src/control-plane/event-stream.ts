/**
 * An async iterator over control-plane events with a bounded buffer: the bus listener only
 * appends (O(1), never blocks dispatch), and a consumer that falls behind loses the oldest
 * events, learning how many from `missed` on the next one it reads. Memory never grows past
 * `bufferSize` events per stream.
 */
import type { ControlPlaneEvents, EventName } from "./events.ts";

/** One event as a stream delivers it. */
export type StreamedEvent<K extends EventName = EventName> = {
  [N in K]: {
    name: N;
    payload: ControlPlaneEvents[N];
    /** When the control plane emitted it (epoch ms). */
    at: number;
    /** Events dropped just before this one because the consumer fell behind. */
    missed: number;
  };
}[K];

export interface EventStreamOptions {
  /** Events held for a slow consumer before the oldest are dropped. Default 1000. */
  bufferSize?: number;
  /** Ends the stream (like breaking out of `for await`). */
  signal?: AbortSignal;
}

export const DEFAULT_STREAM_BUFFER = 1000;

type Subscribe = <N extends EventName>(name: N, listener: (payload: ControlPlaneEvents[N]) => void) => () => void;

export class EventStream<K extends EventName> implements AsyncIterableIterator<StreamedEvent<K>> {
  private readonly ring: Array<StreamedEvent<K> | undefined>;
  private head = 0;
  private count = 0;
  private waiting: ((result: IteratorResult<StreamedEvent<K>, undefined>) => void) | undefined;
  private closed = false;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly onAbort = () => void this.return();

  constructor(subscribe: Subscribe, names: readonly K[], private readonly options: EventStreamOptions = {}) {
    const size = options.bufferSize ?? DEFAULT_STREAM_BUFFER;
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`bufferSize must be an integer >= 1, got ${String(size)}`);
    this.ring = new Array<StreamedEvent<K> | undefined>(size);
    if (options.signal?.aborted) {
      this.closed = true;
      return;
    }
    options.signal?.addEventListener("abort", this.onAbort, { once: true });
    for (const name of names) {
      // `name` and `payload` belong together (both from this subscription), but TypeScript cannot
      // correlate a generic key with its payload type inside the union, hence the assertion.
      this.unsubscribe.push(subscribe(name, (payload) => this.push({ name, payload, at: Date.now(), missed: 0 } as StreamedEvent<K>)));
    }
  }

  /** Events waiting to be read. */
  get buffered(): number {
    return this.count;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<StreamedEvent<K>, undefined>> {
    if (this.count > 0) return Promise.resolve({ done: false, value: this.shift() });
    if (this.closed) return Promise.resolve({ done: true, value: undefined });
    // One reader at a time, as with any async iterator driven by for-await.
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** Stops listening and releases the buffer; `for await` calls this on break. */
  return(): Promise<IteratorResult<StreamedEvent<K>, undefined>> {
    if (!this.closed) {
      this.closed = true;
      for (const off of this.unsubscribe) off();
      this.options.signal?.removeEventListener("abort", this.onAbort);
    }
    this.ring.fill(undefined);
    this.count = 0;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ done: true, value: undefined });
    return Promise.resolve({ done: true, value: undefined });
  }

  private push(event: StreamedEvent<K>): void {
    if (this.closed) return;
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      waiting({ done: false, value: event });
      return;
    }
    const size = this.ring.length;
    let carried = 0;
    if (this.count === size) {
      // Full: the oldest goes, and whoever reads next is told (its own misses included).
      carried = this.shift().missed + 1;
    }
    this.ring[(this.head + this.count) % size] = event;
    this.count++;
    if (carried > 0) this.ring[this.head]!.missed += carried;
  }

  private shift(): StreamedEvent<K> {
    const event = this.ring[this.head]!;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.count--;
    return event;
  }
}

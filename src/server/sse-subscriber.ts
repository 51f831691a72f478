/**
 * One browser's Server-Sent Events stream with a bounded backlog. The stream is pull-based
 * (highWaterMark 0): bytes leave the backlog only when the HTTP layer asks for more, so a
 * reader that stops reading shows up here as a growing backlog, and is cut off at the limit
 * instead of growing the control plane's memory.
 */

export interface SubscriberLimits {
  /** Events waiting for a reader before it counts as fallen behind (default 1 000). */
  maxEvents: number;
  /** The same in bytes (default 4 MiB), for streams of large task records. */
  maxBytes: number;
}

type State = "open" | "closed";
const encoder = new TextEncoder();

export class SseSubscriber {
  readonly stream: ReadableStream<Uint8Array>;
  private state: State = "open";
  private backlog: Uint8Array[] = [];
  private backlogEvents = 0;
  private backlogBytes = 0;
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private wake: (() => void) | undefined;
  /** The most events this subscriber ever held at once (tests and diagnostics). */
  peakEvents = 0;

  constructor(
    private readonly limits: SubscriberLimits,
    /** Called once when the stream ends; `fellBehind` tells a drop from an ordinary close. */
    private readonly onClose: (subscriber: SseSubscriber, reason: string, fellBehind: boolean) => void,
  ) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
          // Sent at once so the response (headers included) starts flowing; tells EventSource how soon to reconnect.
          controller.enqueue(encoder.encode("retry: 2000\n: connected\n\n"));
        },
        pull: () => this.pull(),
        cancel: () => this.close("the client went away"),
      },
      { highWaterMark: 0 },
    );
  }

  get open(): boolean {
    return this.state === "open";
  }

  /** Events not yet handed to the reader. */
  get pending(): number {
    return this.backlogEvents;
  }

  /**
   * Queues a chunk of `events` events. One batch is always taken when nothing is waiting (its
   * size is bounded by what the control plane did in one turn); on top of an unread backlog it
   * must fit the limits, or the subscriber is dropped: the stream gets a final `dropped` event
   * and closes, and the browser reconnects and reloads.
   */
  offer(chunk: Uint8Array, events: number): void {
    if (this.state !== "open") return;
    if (this.backlog.length > 0 && (this.backlogEvents + events > this.limits.maxEvents || this.backlogBytes + chunk.byteLength > this.limits.maxBytes)) {
      this.drop(`fell behind: more than ${this.limits.maxEvents} events or ${this.limits.maxBytes} bytes unread`);
      return;
    }
    this.backlog.push(chunk);
    this.backlogEvents += events;
    this.backlogBytes += chunk.byteLength;
    if (this.backlogEvents > this.peakEvents) this.peakEvents = this.backlogEvents;
    this.flush();
  }

  /** Ends the stream; idempotent. */
  close(reason: string, fellBehind = false): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.backlog = [];
    this.backlogEvents = 0;
    this.backlogBytes = 0;
    this.wake?.();
    this.wake = undefined;
    try {
      this.controller?.close();
    } catch (error) {
      // Already closed or errored by the reader's side: there is nothing left to end.
      if (!(error instanceof TypeError)) throw error;
    }
    this.onClose(this, reason, fellBehind);
  }

  private drop(reason: string): void {
    this.backlog = [];
    this.backlogEvents = 0;
    this.backlogBytes = 0;
    // One small frame past the limit so the page knows why the stream ended.
    this.controller?.enqueue(encoder.encode(`event: dropped\ndata: ${JSON.stringify({ reason })}\n\n`));
    this.close(reason, true);
  }

  private pull(): Promise<void> | void {
    if (this.state !== "open") return;
    if (this.backlog.length > 0) return this.flushNow();
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  /** Hands the backlog to a reader that is waiting for it. */
  private flush(): void {
    if (!this.wake) return;
    const wake = this.wake;
    this.wake = undefined;
    this.flushNow();
    wake();
  }

  private flushNow(): void {
    for (const chunk of this.backlog) this.controller?.enqueue(chunk);
    this.backlog = [];
    this.backlogEvents = 0;
    this.backlogBytes = 0;
  }
}

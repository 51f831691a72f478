/**
 * Fans control-plane events out to every open /api/events stream. The listener that runs inside
 * the control plane's own event fan-out only appends to an array; serializing and delivering
 * happen on the next turn of the event loop, once per batch for all subscribers. The hub listens
 * to the control plane only while someone is subscribed.
 */
import type { ControlPlaneView } from "../control-plane/index.ts";
// Every event the control plane has, so a new one reaches the stream without a change here.
import { EVENT_NAMES } from "../control-plane/events.ts";
import type { Logger } from "../log.ts";
import { ApiError } from "./http.ts";
import { SseSubscriber, type SubscriberLimits } from "./sse-subscriber.ts";

export interface EventHubOptions extends Partial<SubscriberLimits> {
  /** A `: heartbeat` comment on every stream this often (default 15 s), so proxies keep it open. */
  heartbeatMs?: number;
  /** Snapshot events (`status`, `workers`, `queues`: the documents of those endpoints) this often while anyone listens (default 1 s); 0 turns them off. */
  snapshotIntervalMs?: number;
  /** Events whose JSON is longer than this lose their args and result on the stream (default 16 KiB). */
  maxEventChars?: number;
}

const encoder = new TextEncoder();
/** Events serialized per turn of the event loop. */
const FLUSH_SLICE = 256;

export class EventHub {
  private readonly subscribers = new Set<SseSubscriber>();
  private readonly limits: SubscriberLimits;
  private readonly maxEventChars: number;
  private pending: Array<{ name: string; payload: unknown }> = [];
  private flushScheduled = false;
  private unsubscribe: Array<() => void> = [];
  private timers: Array<ReturnType<typeof setInterval>> = [];
  private closed = false;
  /** Streams cut off because their reader fell behind (diagnostics and tests). */
  dropped = 0;
  /** The most events any closed stream ever held unread: stays within maxEvents (plus one batch). */
  peakBacklog = 0;

  constructor(
    private readonly view: ControlPlaneView,
    /** Builds the periodic snapshot events, by event name. */
    private readonly snapshot: () => Record<string, unknown>,
    private readonly log: Logger,
    private readonly options: EventHubOptions = {},
  ) {
    this.limits = { maxEvents: options.maxEvents ?? 1000, maxBytes: options.maxBytes ?? 4 * 1024 * 1024 };
    this.maxEventChars = options.maxEventChars ?? 16 * 1024;
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** Opens a stream for one client; it ends when the client goes away, falls behind, or the hub closes. */
  subscribe(): SseSubscriber {
    if (this.closed) throw new ApiError(503, "E_SHUTTING_DOWN", "the dashboard is shutting down");
    const subscriber = new SseSubscriber(this.limits, (s, reason, fellBehind) => this.removed(s, reason, fellBehind));
    this.subscribers.add(subscriber);
    if (this.subscribers.size === 1) this.startListening();
    return subscriber;
  }

  /** Ends every stream and stops listening; idempotent. */
  close(): void {
    this.closed = true;
    for (const subscriber of [...this.subscribers]) subscriber.close("the dashboard is shutting down");
    this.stopListening();
  }

  private removed(subscriber: SseSubscriber, reason: string, fellBehind: boolean): void {
    if (!this.subscribers.delete(subscriber)) return;
    this.peakBacklog = Math.max(this.peakBacklog, subscriber.peakEvents);
    if (fellBehind) {
      this.dropped++;
      this.log("warn", "dashboard event stream dropped: its reader fell behind", { reason });
    }
    if (this.subscribers.size === 0) this.stopListening();
  }

  private startListening(): void {
    for (const name of EVENT_NAMES) {
      this.unsubscribe.push(this.view.on(name, (payload) => this.enqueue(name, payload)));
    }
    const heartbeatMs = this.options.heartbeatMs ?? 15_000;
    this.timers.push(setInterval(() => this.broadcast(encoder.encode(": heartbeat\n\n"), 0), heartbeatMs));
    const snapshotMs = this.options.snapshotIntervalMs ?? 1000;
    if (snapshotMs > 0) this.timers.push(setInterval(() => this.sendSnapshot(), snapshotMs));
    for (const timer of this.timers) timer.unref();
  }

  private stopListening(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.pending = [];
  }

  private sendSnapshot(): void {
    for (const [name, payload] of Object.entries(this.snapshot())) this.enqueue(name, payload);
  }

  /** Runs inside the control plane's emit: O(1), no serializing here. */
  private enqueue(name: string, payload: unknown): void {
    this.pending.push({ name, payload });
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * Serializes and sends up to FLUSH_SLICE events, then yields the loop and continues: a burst of
   * thousands of events (one big submit) must not hold the control plane's loop for one long stretch.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.subscribers.size === 0) {
      this.pending = [];
      return;
    }
    const batch = this.pending.length > FLUSH_SLICE ? this.pending.splice(0, FLUSH_SLICE) : this.pending;
    if (batch === this.pending) this.pending = [];
    if (batch.length === 0) return;
    let text = "";
    for (const { name, payload } of batch) text += `event: ${name}\ndata: ${this.serialize(name, payload)}\n\n`;
    this.broadcast(encoder.encode(text), batch.length);
    if (this.pending.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private broadcast(chunk: Uint8Array, events: number): void {
    for (const subscriber of [...this.subscribers]) subscriber.offer(chunk, events);
  }

  /**
   * The payload as JSON. A task's args and result can be large; past maxEventChars they are
   * left out (`truncated: true`) and the page fetches /api/tasks/:id when it needs them.
   */
  private serialize(name: string, payload: unknown): string {
    try {
      const text = JSON.stringify(payload);
      if (text.length <= this.maxEventChars || !hasRecord(payload)) return text;
      const { args: _args, result: _result, ...rest } = payload.record;
      return JSON.stringify({ ...payload, record: { ...rest, truncated: true } });
    } catch (error) {
      this.log("error", "a dashboard event could not be serialized; sent without its payload", { event: name, error: String(error) });
      return JSON.stringify({ unserializable: true });
    }
  }
}

function hasRecord(payload: unknown): payload is { record: Record<string, unknown> } {
  return typeof payload === "object" && payload !== null && "record" in payload && typeof payload.record === "object" && payload.record !== null;
}

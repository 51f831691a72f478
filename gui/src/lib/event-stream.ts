/**
 * The page's one connection for live data: an EventSource on api/events (relative to the page). Events are queued
 * and handed over once per animation frame (or every 250 ms when the tab is hidden and frames
 * stop), so a flood of events costs one render per frame, not one per event. The queue is
 * capped: past it, events are thrown away and the page reloads its state instead.
 */
import { relativeToPage } from "./api.ts";
import type { PageStreamEvents } from "./types.ts";

export type StreamEvent = { [K in keyof PageStreamEvents]: { name: K; data: PageStreamEvents[K] } }[keyof PageStreamEvents];
export type ConnectionState = "connecting" | "live" | "reconnecting";

export interface StreamHandlers {
  /** Events since the last batch, in order; `overflowed` means some were dropped and a full reload is due. */
  onBatch(events: StreamEvent[], overflowed: boolean): void;
  onState(state: ConnectionState): void;
  /** The stream (re)opened: anything missed while it was down must be fetched again. */
  onOpen(): void;
}

const NAMES: ReadonlyArray<keyof PageStreamEvents> = [
  "task.queued", "task.scheduled", "task.started", "task.succeeded", "task.failed", "task.retrying", "task.cancelled",
  "task.timed_out", "task.progress", "task.log", "worker.joined", "worker.left", "worker.inactive", "schedule.fired", "schedule.skipped",
  "status", "workers", "queues", "dropped",
];
const MAX_QUEUED = 20_000;

export function connectEvents(handlers: StreamHandlers, url = relativeToPage("api/events")): { close(): void } {
  let source: EventSource | undefined;
  let queue: StreamEvent[] = [];
  let overflowed = false;
  let frame = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryMs = 1000;
  let closed = false;

  const flush = () => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    frame = 0;
    timer = undefined;
    const batch = queue;
    const lost = overflowed;
    queue = [];
    overflowed = false;
    if (batch.length > 0 || lost) handlers.onBatch(batch, lost);
  };
  const schedule = () => {
    if (frame || timer) return;
    frame = requestAnimationFrame(flush);
    timer = setTimeout(flush, 250);
  };
  const push = (event: StreamEvent) => {
    if (queue.length >= MAX_QUEUED) overflowed = true;
    else queue.push(event);
    schedule();
  };

  const open = () => {
    if (closed) return;
    handlers.onState(source ? "reconnecting" : "connecting");
    const es = (source = new EventSource(url, { withCredentials: true }));
    es.onopen = () => {
      retryMs = 1000;
      handlers.onState("live");
      handlers.onOpen();
    };
    es.onerror = () => {
      // EventSource retries by itself after network errors; after a refused (non-200) response it gives up, so we retry.
      if (es.readyState === EventSource.CLOSED) reconnect();
      else handlers.onState("reconnecting");
    };
    for (const name of NAMES) {
      es.addEventListener(name, (message) => {
        const data: unknown = JSON.parse((message as MessageEvent<string>).data);
        if (name === "dropped") reconnect();
        else push({ name, data } as StreamEvent);
      });
    }
  };
  const reconnect = () => {
    source?.close();
    handlers.onState("reconnecting");
    clearTimeout(retryTimer);
    retryTimer = setTimeout(open, retryMs);
    retryMs = Math.min(retryMs * 2, 15_000);
  };

  open();
  return {
    close() {
      closed = true;
      source?.close();
      clearTimeout(retryTimer);
      flush();
    },
  };
}

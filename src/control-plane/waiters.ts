import { LongPoll, type WaitOptions } from "../queue/index.ts";
import { MAX_IDS_PER_POLL, MAX_TASKS_PER_SUBMIT } from "../protocol/index.ts";

/**
 * Requests held open until tasks finish: `submit` with wait, `result` with waitMs, and so the
 * client's submit-and-wait costs one round trip. Each request is one long-poll mailbox
 * (queue/long-poll.ts) that collects the ids of its tasks as they finish; it is answered on
 * completion ("all" or "any" of its ids) or on its deadline, whichever comes first.
 *
 * One exception: an in-process wait for one id with no deadline and no signal (the embedded
 * client's `result(id, { wait: true })`, so every embedded submit-and-wait) has none of the
 * mailbox's bounds to keep, and is only its resolver, kept by id until the task ends or
 * releaseAll(). The mailbox, its items map, a promise with three closures and a key per wait
 * were a fifth of the embedded burst's profile (issue 16).
 */
const ANSWERED = Promise.resolve();

export class ResultWaiters {
  /** Task id → the key of the request waiting for it, or a set when several do (one, nearly always: no set for it). */
  private readonly byId = new Map<string, string | Set<string>>();
  private readonly requests = new LongPoll<string>({
    maxItems: Math.max(MAX_IDS_PER_POLL, MAX_TASKS_PER_SUBMIT), maxWaitMs: Infinity, keyOf: (id) => id,
  });
  private lastKey = 0;
  /** Endless in-process waits for one id (see above): the id's resolver, or its resolvers when several wait. */
  private readonly endless = new Map<string, (() => void) | Array<() => void>>();

  /** `isDone(id)`: the task is finished or unknown, so there is nothing to wait for. */
  constructor(private readonly isDone: (id: string) => boolean) {}

  /** Task ids someone waits for (an id held both ways counts twice). */
  get size(): number {
    return this.byId.size + this.endless.size;
  }

  /**
   * Resolves when the waited-for ids are done, `timeoutMs` passes or `signal` aborts (its connection
   * closed). Infinity waits as long as it takes (the in-process client's `wait: true`); remote
   * requests come here already clamped to --max-wait-ms (held-waits.ts).
   */
  wait(ids: readonly string[], mode: "all" | "any", timeoutMs: number, signal?: AbortSignal): Promise<void> {
    // With one id "all" and "any" agree.
    if (ids.length === 1 && timeoutMs === Infinity && signal === undefined) return this.waitEndlessly(ids[0]!);
    return this.hold(ids, mode, timeoutMs, signal);
  }

  private waitEndlessly(id: string): Promise<void> {
    if (this.isDone(id)) return ANSWERED;
    return new Promise((resolve) => {
      const current = this.endless.get(id);
      if (current === undefined) this.endless.set(id, resolve);
      else if (typeof current === "function") this.endless.set(id, [current, resolve]);
      else current.push(resolve);
    });
  }

  private async hold(ids: readonly string[], mode: "all" | "any", timeoutMs: number, signal?: AbortSignal): Promise<void> {
    // One id is the common case (a `result` request for one task): no set, no copies.
    const unique = ids.length === 1 ? ids : [...new Set(ids)];
    const open: string[] = [];
    for (const id of unique) if (!this.isDone(id)) open.push(id);
    if (open.length === 0 || (mode === "any" && open.length < unique.length) || timeoutMs <= 0 || signal?.aborted) return;
    const key = String(++this.lastKey);
    for (const id of open) this.addWaiter(id, key);
    // "any" lingers one macrotask, so a burst of completions travels in one reply.
    const options: WaitOptions = { waitMs: timeoutMs, minItems: mode === "all" ? open.length : 1, linger: mode === "any" };
    if (signal) options.signal = signal;
    try {
      await this.requests.wait(key, options);
    } finally {
      this.requests.delete(key);
      for (const id of open) this.removeWaiter(id, key);
    }
  }

  /** Called once a task reaches a terminal state. */
  notify(id: string): void {
    const waiting = this.endless.get(id);
    if (waiting !== undefined) {
      this.endless.delete(id);
      resolveEvery(waiting);
    }
    const keys = this.byId.get(id);
    if (keys === undefined) return;
    this.byId.delete(id);
    if (typeof keys === "string") this.requests.push(keys, id);
    else for (const key of keys) this.requests.push(key, id);
  }

  private addWaiter(id: string, key: string): void {
    const keys = this.byId.get(id);
    if (keys === undefined) this.byId.set(id, key);
    else if (typeof keys === "string") this.byId.set(id, new Set([keys, key]));
    else keys.add(key);
  }

  private removeWaiter(id: string, key: string): void {
    const keys = this.byId.get(id);
    if (keys === key) this.byId.delete(id);
    else if (typeof keys === "object" && keys.delete(key) && keys.size === 0) this.byId.delete(id);
  }

  /** Releases every held request (shutdown): each replies with the state it has now. */
  releaseAll(): void {
    this.requests.releaseAll();
    const endless = [...this.endless.values()];
    this.endless.clear();
    for (const waiting of endless) resolveEvery(waiting);
  }
}

/** Ends the endless waits kept for one id: its one resolver, or each of several. */
function resolveEvery(waiting: (() => void) | Array<() => void>): void {
  if (typeof waiting === "function") waiting();
  else for (const resolve of waiting) resolve();
}

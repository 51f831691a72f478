interface Waiter {
  ids: readonly string[];
  pending: number;
  mode: "all" | "any";
  settle: () => void;
  settled: boolean;
  lingering?: boolean;
}

/**
 * Requests held open until tasks finish: `submit` with wait, `result` with waitMs, and so the
 * client's submit-and-wait costs one round trip. Each waiter settles once, on completion
 * ("all" or "any" of its ids) or on its deadline, whichever comes first.
 */
export class ResultWaiters {
  private readonly byId = new Map<string, Set<Waiter>>();

  /** `isDone(id)`: the task is finished or unknown, so there is nothing to wait for. */
  constructor(private readonly isDone: (id: string) => boolean) {}

  get size(): number {
    return this.byId.size;
  }

  /** Resolves when the waited-for ids are done, `timeoutMs` passes or `signal` aborts (its connection closed). */
  wait(ids: readonly string[], mode: "all" | "any", timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const open = ids.filter((id) => !this.isDone(id));
    if (open.length === 0 || (mode === "any" && open.length < ids.length) || timeoutMs <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = { ids: open, pending: open.length, mode, settled: false, settle: () => {} };
      const timer = setTimeout(() => this.settle(waiter), timeoutMs);
      const abort = () => this.settle(waiter);
      signal?.addEventListener("abort", abort, { once: true });
      waiter.settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", abort);
        resolve();
      };
      for (const id of open) {
        let set = this.byId.get(id);
        if (!set) this.byId.set(id, (set = new Set()));
        set.add(waiter);
      }
    });
  }

  /** Called once a task reaches a terminal state. */
  notify(id: string): void {
    const set = this.byId.get(id);
    if (!set) return;
    this.byId.delete(id);
    for (const waiter of set) {
      if (waiter.settled) continue;
      waiter.pending--;
      if (waiter.pending === 0) this.settle(waiter);
      // "any" lingers one macrotask, so a burst of completions travels in one reply.
      else if (waiter.mode === "any" && !waiter.lingering) {
        waiter.lingering = true;
        setImmediate(() => this.settle(waiter));
      }
    }
  }

  /** Releases every held request (shutdown): each replies with the state it has now. */
  releaseAll(): void {
    for (const set of this.byId.values()) for (const waiter of set) this.settle(waiter);
    this.byId.clear();
  }

  private settle(waiter: Waiter): void {
    if (waiter.settled) return;
    waiter.settled = true;
    for (const id of waiter.ids) {
      const set = this.byId.get(id);
      if (!set) continue;
      set.delete(waiter);
      if (set.size === 0) this.byId.delete(id);
    }
    waiter.settle();
  }
}

import type { TaskRecord } from "../protocol/index.ts";

interface Outbox {
  records: Map<string, TaskRecord>;
  touchedAt: number;
  wake: (() => void) | undefined;
}

/**
 * Finished results waiting for the client that submitted them. A client collects its whole
 * outbox in one long-poll, so delivering N results costs O(N), however many tasks are still
 * pending, and a burst larger than the result cache cannot evict a result before its
 * submitter has it. Outboxes of clients that stop collecting expire after the result TTL.
 */
export class Outboxes {
  private readonly boxes = new Map<string, Outbox>();

  constructor(private readonly ttlMs: number) {}

  add(clientId: string, record: TaskRecord): void {
    const box = this.box(clientId);
    box.records.set(record.taskId, record);
    const wake = box.wake;
    box.wake = undefined;
    wake?.();
  }

  /** Takes the given ids (or everything) out of the client's outbox. */
  take(clientId: string, ids?: readonly string[]): TaskRecord[] {
    const box = this.boxes.get(clientId);
    if (!box) return [];
    box.touchedAt = Date.now();
    if (!ids) {
      const all = [...box.records.values()];
      box.records.clear();
      return all;
    }
    const taken: TaskRecord[] = [];
    for (const id of ids) {
      const record = box.records.get(id);
      if (record) {
        box.records.delete(id);
        taken.push(record);
      }
    }
    return taken;
  }

  /**
   * Resolves once the outbox has something (plus one macrotask, so a burst of completions
   * travels in one reply), after waitMs, or at once when `signal` aborts (its connection closed).
   */
  wait(clientId: string, waitMs: number, signal?: AbortSignal): Promise<void> {
    const box = this.box(clientId);
    if (box.records.size > 0 || waitMs <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (box.wake === wake) box.wake = undefined;
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      signal?.addEventListener("abort", done, { once: true });
      const wake = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        setImmediate(resolve);
      };
      // One collector per client: an older waiting collect is answered now (empty) and replaced.
      box.wake?.();
      box.wake = wake;
    });
  }

  release(): void {
    for (const box of this.boxes.values()) box.wake?.();
  }

  sweep(): void {
    const cutoff = Date.now() - this.ttlMs;
    for (const [id, box] of this.boxes) if (box.touchedAt < cutoff && !box.wake) this.boxes.delete(id);
  }

  private box(clientId: string): Outbox {
    let box = this.boxes.get(clientId);
    if (!box) this.boxes.set(clientId, (box = { records: new Map(), touchedAt: Date.now(), wake: undefined }));
    return box;
  }
}

import type { WireError } from "../errors.ts";
import { QUEUE_FULL_RETRY_AFTER_MS } from "./admission-limits.ts";
import type { TaskEntry } from "./task-entry.ts";
import type { TaskTable } from "./task-table.ts";

/**
 * The per-client in-flight cap (--max-in-flight-per-client): one client's unfinished tasks
 * (queued, scheduled, retrying, running) are counted, and beyond the cap its submits answer
 * E_QUEUE_FULL with retryAfterMs for each task that does not fit, so one flooding client fills
 * its own share, not the whole --max-queued that every other client needs too. A client is the
 * `clientId` its submit frames carry, else its connection (NNG pipe). Tasks submitted in-process
 * (dashboard, embedded client, periodic runs) have no client and are not counted.
 *
 * Each task holds a reference to its client's counter (a field on the entry, no map per task),
 * so the cost per queued task is one pointer; counters of clients with nothing left are dropped.
 */
export class ClientInFlight {
  private readonly clients = new Map<string, { n: number; key: string }>();

  constructor(table: TaskTable, readonly maxPerClient: number) {
    table.listeners.terminal.add((entry) => this.release(entry));
  }

  /** The refusal for one more task of `client` when `pending` of the same submit were already let in, or undefined if it fits. */
  refuse(client: string | undefined, pending: number): WireError | undefined {
    if (client === undefined) return undefined;
    const n = this.clients.get(client)?.n ?? 0;
    if (n + pending < this.maxPerClient) return undefined;
    return {
      code: "E_QUEUE_FULL",
      message: `this client already has ${this.maxPerClient} unfinished tasks (--max-in-flight-per-client): this task was not accepted; submit it again (same id) later`,
      retryAfterMs: QUEUE_FULL_RETRY_AFTER_MS,
    };
  }

  /** Counts an admitted task against its client until it is terminal. */
  track(entry: TaskEntry, client: string | undefined): void {
    if (client === undefined) return;
    let counter = this.clients.get(client);
    if (!counter) this.clients.set(client, (counter = { n: 0, key: client }));
    counter.n++;
    entry.inFlight = counter;
  }

  /** Clients with unfinished tasks now (for tests and diagnostics). */
  get clientCount(): number {
    return this.clients.size;
  }

  private release(entry: TaskEntry): void {
    const counter = entry.inFlight;
    if (counter === undefined) return;
    entry.inFlight = undefined;
    counter.n--;
    if (counter.n <= 0 && this.clients.get(counter.key) === counter) this.clients.delete(counter.key);
  }
}

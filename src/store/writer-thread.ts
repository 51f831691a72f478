/**
 * Main-thread side of the journal's writer thread: spawns the Worker, numbers requests and
 * matches answers, and keeps the process alive only while a request is outstanding.
 */
import type { FromWriter, ToWriter } from "./journal-messages.ts";

type Request = ToWriter extends infer T ? (T extends ToWriter ? Omit<T, "seq"> : never) : never;

/**
 * The writer's entry point, resolved like the pool's: next to this file from source, and by the
 * build-line path inside a `bun build --compile` binary (where entry points live in $bunfs).
 */
export function journalWriterUrl(): string | URL {
  return import.meta.url.includes("$bunfs") ? "./src/store/journal-writer.ts" : new URL("./journal-writer.ts", import.meta.url);
}

export class WriterThread {
  private readonly worker: Worker;
  private seq = 0;
  private readonly waiting = new Map<number, (answer: FromWriter) => void>();
  private dead: string | undefined;

  constructor(name: string) {
    this.worker = new Worker(journalWriterUrl(), { name });
    this.worker.unref();
    this.worker.addEventListener("message", (event: MessageEvent<FromWriter>) => this.settle(event.data));
    this.worker.addEventListener("error", (event) => this.fail(`the journal writer thread failed: ${event.message}`));
    this.worker.addEventListener("close", () => this.fail("the journal writer thread exited"));
  }

  /** Set once the thread has died or was terminated: every request then fails at once. */
  get deadReason(): string | undefined {
    return this.dead;
  }

  /** Sends one request; resolves with its answer (an error answer too), never rejects. */
  request(message: Request): Promise<FromWriter> {
    const seq = ++this.seq;
    if (this.dead !== undefined) return Promise.resolve({ seq, ok: false, error: this.dead, ms: 0 });
    const { promise, resolve } = Promise.withResolvers<FromWriter>();
    this.waiting.set(seq, resolve);
    if (this.waiting.size === 1) this.worker.ref();
    this.worker.postMessage({ ...message, seq } as ToWriter);
    return promise;
  }

  /** Stops the thread at once (after a `close` request has been answered, or to give up on a frozen disk). */
  terminate(): void {
    this.fail("the journal is closed");
    this.worker.terminate();
  }

  private settle(answer: FromWriter): void {
    const resolve = this.waiting.get(answer.seq);
    if (resolve === undefined) return;
    this.waiting.delete(answer.seq);
    if (this.waiting.size === 0) this.worker.unref();
    resolve(answer);
  }

  private fail(reason: string): void {
    this.dead ??= reason;
    for (const [seq, resolve] of this.waiting) resolve({ seq, ok: false, error: reason, ms: 0 });
    this.waiting.clear();
  }
}

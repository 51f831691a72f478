/**
 * Main-thread side of the journal's writer thread: spawns the Worker, numbers requests and
 * matches answers, and keeps the process alive only while a request is outstanding.
 */
import type { FromWriter, ToWriter } from "./journal-messages.ts";
import { BUNDLED_JOURNAL_WRITER_SOURCE } from "./journal-writer-source.ts";

type Request = ToWriter extends infer T ? (T extends ToWriter ? Omit<T, "seq"> : never) : never;

let writerEntry: string | URL | undefined;
/**
 * Where the writer's code comes from, resolved like the pool Worker's (src/pool/worker-handle.ts):
 * the published package: bundled into a string at build time, started from a blob URL; a binary
 * from `bun run build:binary`: the build-line path in Bun's $bunfs (journal-writer.ts is an extra
 * entry point there); from source: journal-writer.ts beside this file.
 */
export function journalWriterUrl(): string | URL {
  writerEntry ??= BUNDLED_JOURNAL_WRITER_SOURCE !== undefined
    ? URL.createObjectURL(new Blob([BUNDLED_JOURNAL_WRITER_SOURCE], { type: "text/javascript" }))
    : import.meta.url.includes("$bunfs")
      ? "./src/store/journal-writer.ts"
      : new URL("./journal-writer.ts", import.meta.url);
  return writerEntry;
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

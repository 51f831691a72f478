/**
 * Entry point of the journal's writer thread (a Bun Worker; never imported by the main thread).
 * It owns the SQLite connection that writes: every commit, compaction and checkpoint runs here,
 * so a slow or frozen disk stalls this thread only, never the control plane's event loop.
 *
 * For `bun build --compile`, this file is an extra entrypoint (see `build:binary`), like the pool's.
 */
import { Database, type Statement } from "bun:sqlite";
import { existsSync } from "node:fs";
import { configure, errorText } from "./journal-schema.ts";
import type { JournalOp } from "./journal-rows.ts";
import type { FromWriter, ToWriter } from "./journal-messages.ts";

declare const self: Worker;

let db: Database | undefined;
let statements: { insert: Statement; update: Statement; finish: Statement; probe: Statement } | undefined;
let stallFile: string | undefined;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Test hook (FASTWORKER_TEST_JOURNAL_STALL_FILE): while that file exists, this thread blocks
 * before touching the database, exactly as it would on a frozen disk.
 */
function stallWhileFrozen(): void {
  if (stallFile === undefined) return;
  while (existsSync(stallFile)) Atomics.wait(pause, 0, 0, 10);
}

function send(message: FromWriter): void {
  self.postMessage(message);
}

function open(path: string, sync: "full" | "normal"): void {
  db = new Database(path, { strict: true });
  configure(db, sync);
  statements = {
    insert: db.prepare("INSERT OR IGNORE INTO tasks (id, name, priority, state, attempts, due_at, submitted_at, spec) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
    update: db.prepare("UPDATE tasks SET state = ?, attempts = ?, due_at = ? WHERE id = ?"),
    finish: db.prepare("UPDATE tasks SET state = ?, attempts = ?, finished_at = ?, record = ? WHERE id = ?"),
    // A write that touches the disk even when nothing else is pending: how a degraded journal learns the disk is back.
    probe: db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_write_probe', ?)"),
  };
}

function apply(op: JournalOp): void {
  if (statements === undefined) throw new Error("the journal is not open on the writer thread");
  const s = statements;
  switch (op.kind) {
    case "accept":
      s.insert.run(op.id, op.name, op.priority, op.state, op.attempts, op.dueAt, op.submittedAt, op.spec);
      return;
    case "update":
      s.update.run(op.state, op.attempts, op.dueAt, op.id);
      return;
    case "finish":
      s.finish.run(op.state, op.attempts, op.finishedAt, op.record, op.id);
      return;
  }
}

/** Deletes finished rows older than `before` in bounded batches, then lets the WAL shrink. */
function compact(before: number): number {
  if (db === undefined) throw new Error("the journal is not open on the writer thread");
  const batch = db.prepare<void, [number]>("DELETE FROM tasks WHERE rowid IN (SELECT rowid FROM tasks WHERE finished_at IS NOT NULL AND finished_at < ? LIMIT 2000)");
  let total = 0;
  for (let i = 0; i < 50; i++) {
    const changes = batch.run(before).changes;
    total += changes;
    if (changes < 2000) break;
  }
  if (total > 0) db.exec("PRAGMA wal_checkpoint(PASSIVE)");
  return total;
}

function handle(message: ToWriter): number {
  switch (message.type) {
    case "open":
      stallFile = message.stallFile;
      open(message.path, message.sync);
      return 0;
    case "commit":
      stallWhileFrozen();
      if (db === undefined) throw new Error("the journal is not open on the writer thread");
      db.transaction(() => {
        for (const op of message.ops) apply(op);
        if (message.probe) statements!.probe.run(String(Date.now()));
      })();
      return message.ops.length;
    case "compact":
      stallWhileFrozen();
      return compact(message.before);
    case "close": {
      stallWhileFrozen();
      const handle = db;
      db = undefined;
      if (handle === undefined) return 0;
      try {
        handle.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      } finally {
        handle.close();
      }
      return 0;
    }
  }
}

self.onmessage = (event: MessageEvent<ToWriter>) => {
  const message = event.data;
  const started = performance.now();
  try {
    const changes = handle(message);
    send({ seq: message.seq, ok: true, changes, ms: performance.now() - started });
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : undefined;
    send({ seq: message.seq, ok: false, error: errorText(error).split("\n")[0]!, ...(code ? { code } : {}), ms: performance.now() - started });
  }
};

/** Messages between the JournalStore (main thread) and its writer thread (journal-writer.ts). */
import type { JournalSync } from "./journal-schema.ts";
import type { JournalOp } from "./journal-rows.ts";

export type ToWriter =
  | { type: "open"; seq: number; path: string; sync: JournalSync; stallFile?: string }
  /** One group commit: every op in one transaction. `probe` adds a write so an empty commit still tests the disk. */
  | { type: "commit"; seq: number; ops: JournalOp[]; probe: boolean }
  | { type: "compact"; seq: number; before: number }
  | { type: "close"; seq: number };

/** The answer to each request, in order. `error` is one line (SQLite's message); `code` is SQLite's code when it gave one. */
export type FromWriter =
  | { seq: number; ok: true; changes: number; ms: number }
  | { seq: number; ok: false; error: string; code?: string; ms: number };

/**
 * The commit chain: a token in fastworker.meta that every group commit moves from the token the
 * last one left to its own (postgres-writes.ts applies a commit only then). It makes a commit that
 * FastWorker gave up on (no answer within the bound, the connection cut) harmless if it reaches
 * the server later: by then the token has moved on and it applies nothing, so it can never
 * overwrite newer states with older ones. A commit whose answer was lost but which did land is
 * recognised on its replay (the token is already its own).
 *
 * Not leader fencing: a token moved by someone else (another control plane on the same URL, or a
 * late commit of a killed predecessor) is logged and followed, not refused.
 */
import type { SQL } from "bun";
import type { Logger } from "../../log.ts";
import type { JournalOp } from "../journal-rows.ts";
import { SCHEMA } from "./postgres-schema.ts";
import { commitOps } from "./postgres-writes.ts";

export class CommitChain {
  private readonly run = crypto.randomUUID();
  private count = 0;
  /** The token the last commit known to have landed left. */
  private last: string;
  /** Tokens of commits given up on: each may or may not have landed. */
  private uncertain: string[] = [];

  private constructor(start: string, private readonly log: Logger) {
    this.last = start;
  }

  /** Reads (or creates) the token where the journal's last commit left it. */
  static async open(sql: SQL, log: Logger): Promise<CommitChain> {
    await sql.unsafe(`INSERT INTO ${SCHEMA}.meta (key, value) VALUES ('commit_chain', 'start') ON CONFLICT (key) DO NOTHING`);
    const [row] = await sql.unsafe(`SELECT value FROM ${SCHEMA}.meta WHERE key = 'commit_chain'`) as Array<{ value: string }>;
    return new CommitChain(row?.value ?? "start", log);
  }

  /** A token for the next commit; every attempt at that commit sends the same one. */
  next(): string {
    return `${this.run}:${++this.count}`;
  }

  /** One attempt at a commit under `token`; resolves with the rows changed, rejects as the statement does. */
  async attempt(sql: SQL, ops: readonly JournalOp[], probe: boolean, token: string): Promise<number> {
    let expect = [this.last, ...this.uncertain];
    for (let round = 0; ; round++) {
      const outcome = await commitOps(sql, ops, probe && round === 0, { next: token, expect });
      if (outcome.applied || outcome.current === token) {
        this.last = token;
        this.uncertain = [];
        return outcome.applied ? outcome.changes : 0;
      }
      if (round > 0) throw new Error(`the journal's commit chain moved twice under us (now ${outcome.current}); retrying`);
      this.log("warn", "journal: someone else wrote to this journal (another control plane on the same URL, or a late commit of one that was killed); continuing from its state", { token: outcome.current });
      expect = [outcome.current ?? "start"];
    }
  }

  /** The commit under `token` was given up on: it may still land, and the next commit accepts either. */
  abandoned(token: string): void {
    this.uncertain.push(token);
    // A long outage gives up on one commit per retry. Beyond the last 64, one landing after all
    // is only followed with the warning above (never refused), so the list need not grow.
    if (this.uncertain.length > 64) this.uncertain.shift();
  }
}

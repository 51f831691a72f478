import { defineCommand } from "citty";
import { resolve as resolvePath } from "node:path";
import { resolve, text } from "../config.ts";
// Imported when the command runs, so no other command (the control plane above all) loads bun:sqlite for it.
import type { JournalCheck, JournalSummary, SalvageReport } from "../store/index.ts";
import type { CliContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { emit, flag, type Args } from "./shared.ts";

export function inspectCommand(ctx: CliContext) {
  return defineCommand({
    meta: { name: "inspect", description: "Show what a control plane's journal holds; --check verifies it, --salvage copies what is readable into a fresh journal" },
    args: {
      "data-dir": { type: "string", description: "The control plane's data directory (default ./.fastworker) [FASTWORKER_DATA_DIR]" },
      check: { type: "boolean", description: "Verify the journal: SQLite integrity check and every row decodes (exit 1 if not)" },
      salvage: { type: "string", description: "Copy every readable task into a fresh journal in this new directory (the original is left as it is)" },
      json: { type: "boolean", description: "JSON output" },
    },
    async run({ args }) {
      const a = args as Args;
      const { checkJournal, inspectJournal, salvageJournal } = await import("../store/journal-inspect.ts");
      const dataDir = resolvePath(resolve({ flag: "data-dir", env: "FASTWORKER_DATA_DIR", parse: text, fallback: ".fastworker" }, flag(a, "data-dir"), ctx.env));
      const salvageTo = flag(a, "salvage");
      if (typeof salvageTo === "string" && salvageTo !== "") {
        const report = salvageJournal(dataDir, resolvePath(salvageTo));
        emit(ctx, a, report, () => salvageText(report));
        return;
      }
      if (flag(a, "check") === true) {
        const check = checkJournal(dataDir);
        emit(ctx, a, check, () => checkText(check));
        if (!check.ok) ctx.exitCode = EXIT.taskFailed;
        return;
      }
      const summary = inspectJournal(dataDir);
      emit(ctx, a, summary, () => summaryText(summary));
    },
  });
}

function summaryText(summary: JournalSummary): string {
  return [
    `journal ${summary.path} (format v${summary.formatVersion}, ${(summary.sizeBytes / 1024).toFixed(0)} KiB)`,
    ...Object.entries(summary.byState).map(([state, n]) => `  ${state.padEnd(10)} ${n}`),
    summary.oldestQueued ? `oldest unfinished: ${summary.oldestQueued.id} (${summary.oldestQueued.name}) since ${summary.oldestQueued.submittedAt}` : "no unfinished tasks",
    ...(summary.quarantined.count > 0
      ? [`quarantined rows: ${summary.quarantined.count} (undecodable; kept in the quarantine table)`, ...summary.quarantined.rows.map((r) => `  ${r.id ?? "?"}: ${r.reason} (${r.quarantinedAt})`)]
      : []),
  ].join("\n");
}

function checkText(check: JournalCheck): string {
  if (check.ok) return `journal ${check.path}: ok (${check.rows} rows, integrity ok, every row decodes)`;
  return [
    `journal ${check.path}: PROBLEMS`,
    `  integrity: ${check.integrity.join("; ")}`,
    ...check.problems.map((p) => `  row ${p.id ?? "?"}: ${p.reason}`),
    `  fix: fastworker inspect --data-dir <this dir> --salvage <new-dir>, then start with --data-dir <new-dir>`,
  ].join("\n");
}

function salvageText(report: SalvageReport): string {
  return [
    `salvaged ${report.from} into ${report.to}`,
    `  copied ${report.copied} task(s); ${report.quarantined} undecodable row(s) in the new journal's quarantine table; ${report.unreadable} row(s) unreadable (lost to damage)`,
    `  start the control plane with --data-dir ${report.to.replace(/\/journal\.sqlite$/, "")}`,
  ].join("\n");
}

import { defineCommand } from "citty";
import { resolve as resolvePath } from "node:path";
import { resolve, text } from "../config.ts";
import { inspectJournal } from "../store/index.ts";
import type { CliContext } from "./context.ts";
import { emit, flag, type Args } from "./shared.ts";

export function inspectCommand(ctx: CliContext) {
  return defineCommand({
    meta: { name: "inspect", description: "Show what a control plane's journal holds (counts by state, oldest queued task)" },
    args: {
      "data-dir": { type: "string", description: "The control plane's data directory (default ./.fastworker) [FASTWORKER_DATA_DIR]" },
      json: { type: "boolean", description: "JSON output" },
    },
    run({ args }) {
      const a = args as Args;
      const dataDir = resolve({ flag: "data-dir", env: "FASTWORKER_DATA_DIR", parse: text, fallback: ".fastworker" }, flag(a, "data-dir"), ctx.env);
      const summary = inspectJournal(resolvePath(dataDir));
      emit(ctx, a, summary, () => [
        `journal ${summary.path} (format v${summary.formatVersion}, ${(summary.sizeBytes / 1024).toFixed(0)} KiB)`,
        ...Object.entries(summary.byState).map(([state, n]) => `  ${state.padEnd(10)} ${n}`),
        summary.oldestQueued ? `oldest unfinished: ${summary.oldestQueued.id} (${summary.oldestQueued.name}) since ${summary.oldestQueued.submittedAt}` : "no unfinished tasks",
      ].join("\n"));
    },
  });
}

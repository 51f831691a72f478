// An app that uses the published JavaScript (dist/js) with a journal, bundled again by `bun build --compile`:
// the writer thread starts from the source inlined at package build time, not from a file path.
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "../..");

test("a compiled app's JournalStore commits on its writer thread", () => {
  const build = Bun.spawnSync(["bun", "scripts/build-package.ts"], { cwd: root, stdout: "pipe", stderr: "pipe" });
  expect(build.exitCode).toBe(0);
  const scratch = mkdtempSync(join(tmpdir(), "fw-compiled-journal-"));
  writeFileSync(join(scratch, "app.ts"), `
import { JournalStore } from ${JSON.stringify(join(root, "dist/js/index.js"))};
const store = new JournalStore(process.argv[2]);
await store.recover(60_000);
await store.accept([{ spec: { id: "compiled-1", name: "add", args: [1, 2] }, priority: "normal", state: "queued", attempts: 0, submittedAt: Date.now() }]);
console.log(store.health().state, store.health().commits);
await store.close();
`);
  const compile = Bun.spawnSync(["bun", "build", "--compile", "app.ts", "--outfile", "app"], { cwd: scratch, stdout: "pipe", stderr: "pipe" });
  expect(compile.exitCode).toBe(0);
  const dataDir = join(scratch, "data");
  const run = Bun.spawnSync([join(scratch, "app"), dataDir], { cwd: scratch, stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  expect(run.stderr.toString()).toBe("");
  expect(run.stdout.toString().trim()).toBe("ok 1");
  const db = new Database(join(dataDir, "journal.sqlite"), { readonly: true });
  expect(db.query<{ id: string }, []>("SELECT id FROM tasks").all()).toEqual([{ id: "compiled-1" }]);
  db.close();
});

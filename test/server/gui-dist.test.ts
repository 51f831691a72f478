// The committed GUI build must match its sources: edit gui/ and forget `bun run build:gui`, and this fails.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { computeGuiSourceHash } from "../../gui/source-hash.ts";
import { ROOT } from "./fixture.ts";

const GUI = join(ROOT, "gui");
const DIST = join(GUI, "dist");

describe("gui/dist", () => {
  test("was built from the current gui sources (gui/dist/.source-hash)", () => {
    const recorded = readFileSync(join(DIST, ".source-hash"), "utf8").trim();
    expect(recorded, "gui/ changed since gui/dist was built: run `bun run build:gui` and commit gui/dist").toBe(computeGuiSourceHash(GUI));
  });

  test("index.html points at assets that exist, relative to the page (so it also works under a prefix)", () => {
    const html = readFileSync(join(DIST, "index.html"), "utf8");
    expect(html).not.toMatch(/(?:src|href)="\//);
    const refs = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.some((r) => r.endsWith(".js"))).toBe(true);
    expect(refs.some((r) => r.endsWith(".css"))).toBe(true);
    for (const ref of refs) expect(existsSync(join(DIST, ref)), ref).toBe(true);
  });

  test("git does not ignore any file of it (the root .gitignore ignores dist/ elsewhere)", () => {
    const ignored = Bun.spawnSync(["git", "ls-files", "--others", "--ignored", "--exclude-standard", "gui/dist"], { cwd: ROOT });
    expect(ignored.exitCode).toBe(0);
    expect(ignored.stdout.toString().trim()).toBe("");
  });
});

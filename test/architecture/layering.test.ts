// The layer order (test/architecture/layers.ts, shown in docs/architecture.md) as a tested rule:
// every import in src/ and bin/ points down it, no folders import each other in a cycle, and the
// checker demonstrably fails on an upward import.
import { describe, expect, test } from "bun:test";
import { Glob } from "bun";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { checkLayers, folderOf, formatViolation, type LayerRules, type SourceFile } from "./check-layers.ts";
import { scanImports } from "./imports.ts";
import { EXCEPTIONS, LAYERS, OUTSIDE_SOURCES } from "./layers.ts";

const ROOT = join(import.meta.dir, "..", "..");

function sourceFiles(): SourceFile[] {
  const files: SourceFile[] = [];
  for (const pattern of ["src/**/*.ts", "bin/*.ts"]) {
    for (const path of new Glob(pattern).scanSync({ cwd: ROOT })) {
      files.push({ path: path.replaceAll("\\", "/"), text: readFileSync(join(ROOT, path), "utf8") });
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/**
 * "fastworker", "fastworker/elysia", ... (package.json "exports") resolved the way Bun resolves
 * them from inside src/: a self-import is an import like any other.
 */
function selfReferences(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; exports: Record<string, unknown> };
  const refs: Record<string, string> = {};
  for (const key of Object.keys(pkg.exports)) {
    if (key.endsWith(".json")) continue;
    const specifier = key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`;
    const target = relative(ROOT, Bun.resolveSync(specifier, join(ROOT, "src"))).replaceAll("\\", "/");
    if (target.startsWith("src/")) refs[specifier] = target;
  }
  return refs;
}

const RULES: LayerRules = { layers: LAYERS, exceptions: EXCEPTIONS, outside: OUTSIDE_SOURCES, selfReferences: selfReferences() };
const FILES = sourceFiles();

describe("layering", () => {
  test("every import in src/ and bin/ points down the layer order, with no cycle between folders", () => {
    const report = checkLayers(FILES, RULES);
    expect(report.violations.map(formatViolation)).toEqual([]);
  });

  test("self-imports are resolved to the source (both package entries)", () => {
    expect(RULES.selfReferences).toEqual({ fastworker: "src/index.ts", "fastworker/elysia": "src/elysia/elysia-plugin.ts" });
  });

  test("every exception is still needed (delete it once its violation is fixed)", () => {
    expect(checkLayers(FILES, RULES).unusedExceptions).toEqual([]);
  });

  test("every folder and file directly in src/ has a place in the table", () => {
    const placed = new Set(LAYERS.flatMap((layer) => layer.folders));
    const present = readdirSync(join(ROOT, "src"), { withFileTypes: true }).map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
    expect(present.filter((name) => !placed.has(name))).toEqual([]);
    expect([...placed].filter((name) => name !== "bin/" && !present.includes(name))).toEqual([]);
    // A folder in two rows would make its rank ambiguous.
    expect(placed.size).toBe(LAYERS.flatMap((layer) => layer.folders).length);
  });

  test("the scanner sees every import Bun's own parser sees (so none escapes the check)", () => {
    const transpiler = new Bun.Transpiler({ loader: "ts" });
    const missed: string[] = [];
    let checked = 0;
    for (const file of FILES) {
      if (file.path.endsWith(".d.ts")) continue;
      const ours = new Set(scanImports(file.text).map((i) => i.specifier));
      // Bun's parser takes a shebang only through its runtime loader, not scanImports: blank it.
      for (const theirs of transpiler.scanImports(file.text.replace(/^#!.*/, ""))) {
        checked++;
        if (!ours.has(theirs.path)) missed.push(`${file.path}: ${theirs.path}`);
      }
    }
    expect(missed).toEqual([]);
    expect(checked).toBeGreaterThan(300);
  });

  test("docs/architecture.md shows the same order, bottom to top", () => {
    const doc = readFileSync(join(ROOT, "docs", "architecture.md"), "utf8");
    const section = doc.split(/^## /m).find((s) => s.startsWith("Layers"));
    expect(section).toBeDefined();
    const rows = (section ?? "").split("\n").filter((line) => /^\|\s*\d+\s*\|/.test(line));
    const documented = rows.map((row) => {
      const cells = row.split("|").map((cell) => cell.trim());
      return { layer: Number(cells[1]), folders: [...(cells[2] ?? "").matchAll(/`([^`]+)`/g)].map((m) => (m[1] as string).replace(/^src\//, "")) };
    });
    expect(documented).toEqual(LAYERS.map((layer, index) => ({ layer: index, folders: [...layer.folders] })));
  });

  test("the task-author API a task module gets is the package root's own objects", async () => {
    const author: Record<string, unknown> = await import("../../src/tasks/author-api.ts");
    const root: Record<string, unknown> = await import("../../src/index.ts");
    const names = Object.keys(author);
    expect(names).toContain("task");
    expect(names).toContain("RetryLater");
    for (const name of names) expect(root[name]).toBe(author[name]);
  });
});

describe("the checker", () => {
  /** The real tree with `line` appended to `path`; returns the 1-based line it landed on. */
  function withLine(path: string, line: string): { files: SourceFile[]; at: number } {
    const original = FILES.find((f) => f.path === path);
    if (original === undefined) throw new Error(`${path} is not in the tree`);
    const text = `${original.text.replace(/\n?$/, "\n")}${line}\n`;
    return { files: FILES.map((f) => (f === original ? { path, text } : f)), at: text.split("\n").length - 1 };
  }

  test('fails, naming file and line, when src/nng/ gains `import "../control-plane/index.ts"`', () => {
    const { files, at } = withLine("src/nng/index.ts", 'import "../control-plane/index.ts";');
    const { violations } = checkLayers(files, RULES);
    const upward = violations.filter((v) => v.file === "src/nng/index.ts" && v.line === at);
    expect(upward.map((v) => v.specifier)).toContain("../control-plane/index.ts");
    expect(upward.map(formatViolation).join("\n")).toContain(`src/nng/index.ts:${at}: "../control-plane/index.ts" points up: nng/ is layer 2, control-plane/ is layer 5`);
    // control-plane/ imports nng/, so the same line also closes a cycle, reported with both ends.
    const cycle = violations.find((v) => v.message.includes("cycle"));
    expect(cycle?.message).toContain(`src/nng/index.ts:${at}`);
    expect(cycle?.message).toMatch(/src\/control-plane\/[\w-]+\.ts:\d+/);
  });

  const rules: LayerRules = {
    layers: [{ folders: ["errors.ts"], role: "" }, { folders: ["a/", "b/"], role: "" }, { folders: ["c/"], role: "" }],
    exceptions: [],
    outside: ["package.json"],
    selfReferences: { fastworker: "src/index.ts" },
  };
  const check = (files: Record<string, string>, over: Partial<LayerRules> = {}) =>
    checkLayers(Object.entries(files).map(([path, text]) => ({ path, text })), { ...rules, ...over });

  test("sees every import form, on the line of its specifier", () => {
    const { violations } = check({
      "src/a/x.ts": [
        "// import { nope } from \"../c/commented.ts\";",
        "import {",
        "  one,",
        "} from \"../c/static.ts\";",
        "export { two } from \"../c/reexport.ts\";",
        "export type { T } from \"../c/type-only.ts\";",
        "const m = await import(\"../c/dynamic.ts\");",
        "import \"../c/side-effect.ts\";",
        "const s = `import \"../c/in-a-template.ts\"`;",
        "import { fine } from \"../errors.ts\";",
      ].join("\n"),
    });
    expect(violations.map((v) => `${v.line} ${v.specifier}`)).toEqual([
      "4 ../c/static.ts", "5 ../c/reexport.ts", "6 ../c/type-only.ts", "7 ../c/dynamic.ts", "8 ../c/side-effect.ts",
    ]);
  });

  test("peers may not import each other; lower layers, own folder and packages are fine", () => {
    const { violations } = check({
      "src/a/x.ts": 'import { y } from "./y.ts";\nimport { E } from "../errors.ts";\nimport * as v from "valibot";\nimport { b } from "../b/b.ts";',
    });
    expect(violations.map(formatViolation)).toEqual([
      'src/a/x.ts:4: "../b/b.ts" a/ and b/ are peers (both layer 1) and must not import each other; imports may only point down the order in docs/architecture.md',
    ]);
  });

  test("a folder missing from the table, a path outside src/ and a self-import are caught", () => {
    const { violations } = check({
      "src/a/x.ts": 'import "../new-folder/y.ts";\nimport "../../test/helpers/ports.ts";\nimport pkg from "../../package.json";\nimport { task } from "fastworker";',
    });
    expect(violations.map((v) => `${v.line} ${v.message.split(" ").slice(0, 4).join(" ")}`)).toEqual([
      "1 new-folder/ is not in",
      "2 imports test/helpers/ports.ts, outside src/",
      "4 index.ts is not in",
    ]);
  });

  test("an exception allows exactly its import, and one no import needs is reported", () => {
    const files = { "src/a/x.ts": 'import "../c/c.ts";' };
    const allowed = check(files, { exceptions: [{ from: "a/", to: "c/", why: "issue 0" }] });
    expect(allowed.violations).toEqual([]);
    expect(allowed.unusedExceptions).toEqual([]);
    const stale = check({ "src/a/x.ts": "" }, { exceptions: [{ from: "a/", to: "c/", why: "issue 0" }] });
    expect(stale.unusedExceptions).toEqual([{ from: "a/", to: "c/", why: "issue 0" }]);
  });

  test("a cycle is reported even when an exception allows one of its imports", () => {
    const { violations } = check(
      { "src/a/x.ts": 'import "../c/c.ts";', "src/c/c.ts": '\n\nimport "../a/x.ts";' },
      { exceptions: [{ from: "a/", to: "c/", why: "issue 0" }] },
    );
    expect(violations.map((v) => v.message)).toEqual([
      'folders form a cycle a/ → c/ → a/: src/a/x.ts:1 (a/ → c/, "../c/c.ts"); src/c/c.ts:3 (c/ → a/, "../a/x.ts")',
    ]);
  });

  test("folderOf: folders, files directly in src/, bin/", () => {
    expect(folderOf("src/nng/socket.ts")).toBe("nng/");
    expect(folderOf("src/server/routes/tasks.ts")).toBe("server/");
    expect(folderOf("src/errors.ts")).toBe("errors.ts");
    expect(folderOf("bin/fastworker.ts")).toBe("bin/");
    expect(folderOf("native/shim.c")).toBeUndefined();
  });
});

/**
 * Checks a set of source files against the layer order: every import must point to the
 * importer's own folder or to a lower layer, and no folders may import each other in a cycle.
 * Pure (files in, violations out) so the test can run it over the real tree and over a copy
 * with a violation planted in it.
 */
import { posix } from "node:path";
import { scanImports } from "./imports.ts";
import type { Layer, LayerException } from "./layers.ts";

export interface SourceFile {
  /** Path from the repository root, with forward slashes: "src/nng/socket.ts". */
  readonly path: string;
  readonly text: string;
}

export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly message: string;
}

export interface LayerRules {
  readonly layers: readonly Layer[];
  readonly exceptions: readonly LayerException[];
  /** Paths outside src/ and bin/ that may be imported (prefixes, from the repository root). */
  readonly outside: readonly string[];
  /** Bare specifiers that mean the package itself ("fastworker" → "src/index.ts"), from package.json "exports". */
  readonly selfReferences: Readonly<Record<string, string>>;
}

export interface LayerReport {
  readonly violations: Violation[];
  /** Exceptions no import needed: a fixed violation whose exception should now be deleted. */
  readonly unusedExceptions: LayerException[];
}

/** `name/` for a file in a folder of src/, `name.ts` for one directly in src/, `bin/` for bin/; undefined elsewhere. */
export function folderOf(path: string): string | undefined {
  const parts = path.split("/");
  if (parts[0] === "bin" && parts.length > 1) return "bin/";
  if (parts[0] !== "src" || parts.length < 2) return undefined;
  return parts.length === 2 ? (parts[1] as string) : `${parts[1]}/`;
}

/** Where `specifier`, imported by `from`, points (a path from the repository root), or undefined for a package. */
export function resolveImport(from: string, specifier: string, selfReferences: LayerRules["selfReferences"]): string | undefined {
  const self = selfReferences[specifier];
  if (self !== undefined) return self;
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return undefined;
  return posix.normalize(posix.join(posix.dirname(from), specifier));
}

interface Edge {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
}

export function checkLayers(files: readonly SourceFile[], rules: LayerRules): LayerReport {
  const rank = new Map<string, number>();
  rules.layers.forEach((layer, index) => layer.folders.forEach((folder) => rank.set(folder, index)));
  const violations: Violation[] = [];
  const used = new Set<LayerException>();
  // Folder → folder → the first import that makes that edge, for the cycle report.
  const graph = new Map<string, Map<string, Edge>>();

  for (const file of files) {
    const from = folderOf(file.path);
    if (from === undefined) continue;
    for (const found of scanImports(file.text)) {
      const at = { file: file.path, line: found.line, specifier: found.specifier };
      const target = resolveImport(file.path, found.specifier, rules.selfReferences);
      if (target === undefined) continue;
      const to = folderOf(target);
      if (to === undefined) {
        if (!rules.outside.some((prefix) => target === prefix || target.startsWith(prefix))) {
          violations.push({ ...at, message: `imports ${target}, outside src/ (allowed outside: ${rules.outside.join(", ")})` });
        }
        continue;
      }
      if (to === from) continue;
      const fromRank = rank.get(from);
      const toRank = rank.get(to);
      if (fromRank === undefined || toRank === undefined) {
        const missing = fromRank === undefined ? from : to;
        violations.push({ ...at, message: `${missing} is not in the layer table (test/architecture/layers.ts and docs/architecture.md)` });
        continue;
      }
      let edges = graph.get(from);
      if (edges === undefined) graph.set(from, (edges = new Map()));
      if (!edges.has(to)) edges.set(to, at);
      if (toRank < fromRank) continue;
      const exception = rules.exceptions.find((e) => e.from === from && e.to === to);
      if (exception !== undefined) {
        used.add(exception);
        continue;
      }
      const why = toRank > fromRank
        ? `points up: ${from} is layer ${fromRank}, ${to} is layer ${toRank}`
        : `${from} and ${to} are peers (both layer ${fromRank}) and must not import each other`;
      violations.push({ ...at, message: `${why}; imports may only point down the order in docs/architecture.md` });
    }
  }

  violations.push(...cycles(graph));
  return { violations, unusedExceptions: rules.exceptions.filter((e) => !used.has(e)) };
}

/**
 * One violation per group of folders that import each other in a cycle (a strongly connected
 * component), showing its shortest cycle through the group's first folder, import by import.
 */
function cycles(graph: ReadonlyMap<string, ReadonlyMap<string, Edge>>): Violation[] {
  const found: Violation[] = [];
  const covered = new Set<string>();
  for (const start of [...graph.keys()].sort()) {
    if (covered.has(start)) continue;
    const path = shortestPathBack(graph, start);
    if (path === undefined) continue;
    const ahead = reachable(graph, start);
    const group = [...ahead].filter((folder) => reachable(graph, folder).has(start)).sort();
    for (const folder of group) covered.add(folder);
    const steps = path.map((folder, i) => {
      const next = path[(i + 1) % path.length] as string;
      return { edge: graph.get(folder)?.get(next) as Edge, folder, next };
    });
    const first = steps[0]!.edge;
    const ring = [...path, start].join(" → ");
    const detail = steps.map((s) => `${s.edge.file}:${s.edge.line} (${s.folder} → ${s.next}, "${s.edge.specifier}")`).join("; ");
    const members = group.length > path.length ? ` (${group.join(", ")} all import each other through cycles)` : "";
    found.push({ file: first.file, line: first.line, specifier: first.specifier, message: `folders form a cycle ${ring}: ${detail}${members}` });
  }
  return found;
}

/** Every folder `start` leads to, itself included. */
function reachable(graph: ReadonlyMap<string, ReadonlyMap<string, Edge>>, start: string): Set<string> {
  const seen = new Set([start]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const next of graph.get(queue[i] as string)?.keys() ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

/** The shortest list of folders start → … that leads back to start, or undefined. */
function shortestPathBack(graph: ReadonlyMap<string, ReadonlyMap<string, Edge>>, start: string): string[] | undefined {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const folder = queue[i] as string;
    for (const next of graph.get(folder)?.keys() ?? []) {
      if (next === start) {
        const path = [folder];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0] as string) as string);
        return path;
      }
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, folder);
      queue.push(next);
    }
  }
  return undefined;
}

export function formatViolation(v: Violation): string {
  return `${v.file}:${v.line}: "${v.specifier}" ${v.message}`;
}

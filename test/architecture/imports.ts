/**
 * Finds every module specifier a TypeScript source file imports, with the line it is on.
 *
 * Bun's own parser (`Bun.Transpiler.scanImports`) is exact but reports no lines and drops
 * type-only imports, which still couple one layer to another. So this scanner blanks out
 * comments and non-specifier string/template contents (keeping every newline, so offsets map
 * to the same lines), then matches the four import forms on what is left. The layering test
 * cross-checks it against Bun's parser so a form this scanner misses cannot pass unnoticed.
 */

export type ImportKind = "import" | "export-from" | "side-effect" | "dynamic";

export interface FoundImport {
  specifier: string;
  line: number;
  kind: ImportKind;
}

/** Replaces comments with spaces and string bodies with `_`, newlines kept, quotes kept. */
export function blankCommentsAndStrings(source: string): string {
  const out: string[] = [];
  let i = 0;
  const blank = (ch: string): string => (ch === "\n" ? "\n" : " ");
  while (i < source.length) {
    const ch = source[i] as string;
    const next = source[i + 1];
    if (ch === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") {
        out.push(" ");
        i++;
      }
    } else if (ch === "/" && next === "*") {
      out.push("  ");
      i += 2;
      while (i < source.length && !(source[i] === "*" && source[i + 1] === "/")) {
        out.push(blank(source[i] as string));
        i++;
      }
      out.push("  ");
      i += 2;
    } else if (ch === '"' || ch === "'") {
      // String contents are kept: a specifier is a string. Only escapes are neutralised.
      out.push(ch);
      i++;
      while (i < source.length && source[i] !== ch && source[i] !== "\n") {
        if (source[i] === "\\") {
          out.push("__");
          i += 2;
          continue;
        }
        out.push(source[i] as string);
        i++;
      }
      out.push(ch);
      i++;
    } else if (ch === "`") {
      // Template literals never hold a literal specifier; blank them so text inside
      // (generated code, docs) cannot look like an import. `${…}` nesting is tracked.
      out.push(" ");
      i++;
      let depth = 0;
      while (i < source.length) {
        const c = source[i] as string;
        if (c === "\\") {
          out.push("  ");
          i += 2;
          continue;
        }
        if (depth === 0 && c === "`") break;
        if (c === "$" && source[i + 1] === "{") depth++;
        else if (c === "}" && depth > 0) depth--;
        out.push(blank(c));
        i++;
      }
      out.push(" ");
      i++;
    } else {
      out.push(ch);
      i++;
    }
  }
  return out.join("");
}

const FORMS: ReadonlyArray<{ kind: ImportKind; pattern: RegExp }> = [
  // import x from "a"; import { a, b } from "a"; import type { T } from "a"; import * as n from "a"
  { kind: "import", pattern: /(?<![\w$.])import\s+(?!\()[^;"'`]*?\sfrom\s*(["'])([^"'\n]+)\1/g },
  // export { a } from "a"; export * from "a"; export type { T } from "a"
  { kind: "export-from", pattern: /(?<![\w$.])export\s+[^;"'`]*?\sfrom\s*(["'])([^"'\n]+)\1/g },
  // import "a";
  { kind: "side-effect", pattern: /(?<![\w$.])import\s*(["'])([^"'\n]+)\1/g },
  // import("a"), await import("a") — only literal specifiers can be checked
  { kind: "dynamic", pattern: /(?<![\w$.])import\s*\(\s*(["'])([^"'\n]+)\1\s*[,)]/g },
];

export function scanImports(source: string): FoundImport[] {
  const text = blankCommentsAndStrings(source);
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const found: FoundImport[] = [];
  for (const { kind, pattern } of FORMS) {
    for (const match of text.matchAll(pattern)) {
      const specifier = match[2] as string;
      // The line of the specifier itself, so a multi-line `import { … } from "x"` points at "x".
      const at = (match.index ?? 0) + match[0].lastIndexOf(specifier);
      found.push({ specifier, line: lineOf(at), kind });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

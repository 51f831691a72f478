// The commands an example documents in its header comment, so the tests run exactly those.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../server/fixture.ts";

/** The default control-plane address the headers name; tests swap in a free one. */
export const DEFAULT_CP_ADDRESS = "tcp://127.0.0.1:5555";

/**
 * Every `//   bun ...` line of the file's leading comment, split into words (single quotes
 * group, a trailing `# ...` is a remark). Lines with a <placeholder> are left out: they need
 * a value only the reader has.
 */
export function documentedCommands(file: string, substitutions: Record<string, string> = {}): string[][] {
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  const header: string[] = [];
  for (const line of lines) {
    if (!line.startsWith("//")) break;
    header.push(line.slice(2));
  }
  const commands: string[][] = [];
  for (const line of header) {
    const match = /^\s+(bun \S.*)$/.exec(line);
    if (!match || match[1]!.includes("<")) continue;
    let command = stripRemark(match[1]!);
    for (const [from, to] of Object.entries(substitutions)) command = command.split(from).join(to);
    commands.push(shellWords(command));
  }
  if (commands.length === 0) throw new Error(`${file} documents no command to run`);
  return commands;
}

/** The command documented in `file` whose words start with `prefix`. */
export function documented(file: string, prefix: string[], substitutions: Record<string, string> = {}): string[] {
  const found = documentedCommands(file, substitutions).find((words) => prefix.every((p, i) => words[i] === p));
  if (!found) throw new Error(`${file} documents no command starting with "${prefix.join(" ")}"`);
  return found;
}

function stripRemark(command: string): string {
  let quoted = false;
  for (let i = 0; i < command.length; i++) {
    if (command[i] === "'") quoted = !quoted;
    if (!quoted && command[i] === "#" && /\s/.test(command[i - 1] ?? " ")) return command.slice(0, i).trim();
  }
  return command.trim();
}

/** Words of a shell command with only single quotes (all the headers use). */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = "";
  let quoted = false;
  let started = false;
  for (const ch of command) {
    if (ch === "'") {
      quoted = !quoted;
      started = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (started) words.push(word);
      word = "";
      started = false;
    } else {
      word += ch;
      started = true;
    }
  }
  if (quoted) throw new Error(`unbalanced quote in: ${command}`);
  if (started) words.push(word);
  return words;
}

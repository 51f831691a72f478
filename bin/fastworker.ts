#!/usr/bin/env bun
// The entry point: the only place that wires signals and calls process.exit.
import { runCli } from "../src/cli/main.ts";

const shutdown = new Promise<string>((resolve) => {
  process.once("SIGINT", () => resolve("SIGINT"));
  process.once("SIGTERM", () => resolve("SIGTERM"));
});

const code = await runCli(process.argv.slice(2), {
  shutdown,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  isTTY: Boolean(process.stdout.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  env: process.env,
});
process.exit(code);

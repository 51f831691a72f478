/** The strict command line: every mistake is exit 2 with one line saying what to type instead. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startControlPlane } from "../helpers/control-plane.ts";
import { cli } from "../helpers/cli.ts";
import { killAll } from "../helpers/processes.ts";
import { ProgressBar } from "../../src/cli/progress.ts";

let address: string;
const ANSI = /\x1b\[/;

beforeAll(async () => {
  ({ address } = await startControlPlane(["--concurrency", "1"], "test/fixtures/core-tasks.ts,test/fixtures/cli/words.ts"));
});
afterAll(killAll);

const at = () => ["--control-plane-address", address];

describe("unknown flags and commands", () => {
  test("a mistyped flag is refused with a suggestion, before anything is sent", () => {
    const typo = cli(["submit", "--task-name", "add", "--args", "1", "2", "--priorty", "high", ...at()]);
    expect(typo).toMatchObject({ code: 2, out: "", err: "fastworker: unknown option --priorty (did you mean --priority?); see fastworker submit --help" });
    expect(cli(["list", "--bogus"])).toMatchObject({ code: 2, err: "fastworker: unknown option --bogus; see fastworker list --help" });
    expect(cli(["status", "-x"]).code).toBe(2);
  });

  test("a mistyped command gets a suggestion; no command prints help with exit 2; --version and --help work", () => {
    expect(cli(["sumbit"])).toMatchObject({ code: 2, err: 'fastworker: unknown command "sumbit" (did you mean submit?); see fastworker --help' });
    expect(cli(["frobnicate"])).toMatchObject({ code: 2, err: 'fastworker: unknown command "frobnicate"; see fastworker --help' });
    expect(cli([]).code).toBe(2);
    expect(cli(["--version"]).out).toMatch(/^fastworker \d+\.\d+\.\d+$/);
    const help = cli(["submit", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("--task-name");
  });

  test("a string flag without its value is a usage error, not a request with an empty value", () => {
    expect(cli(["status", "--task-id", ...at()])).toMatchObject({ code: 2 });
    expect(cli(["status", "--task-id"]).err).toBe("fastworker: --task-id needs a value; see fastworker status --help");
    expect(cli(["status", "--task-id", "--json"]).code).toBe(2);
    const json = cli(["status", "--task-id", "--json"]);
    expect(JSON.parse(json.err)).toEqual({ error: { code: "E_USAGE", message: "--task-id needs a value; see fastworker status --help" } });
  });
});

describe("task arguments", () => {
  test("--args takes every word up to the next flag, and --args=x works as submit --help shows", () => {
    expect(cli(["submit", "--task-name", "words", "--args", "hello", "world", "--json", ...at()]).out).toContain('"result":["hello","world"]');
    expect(cli(["submit", "--task-name", "add", "--args=40", "2", ...at()])).toMatchObject({ code: 0, out: "42" });
    expect(cli(["submit", "--task-name", "words", "--args", "-5", '{"a":1}', "[1,2]", '"7"', "--json", ...at()]).out).toContain('"result":[-5,{"a":1},[1,2],"7"]');
  });

  test("malformed JSON is a usage error; a stray word outside --args is refused, not dropped", () => {
    const bad = cli(["submit", "--task-name", "words", "--args", "{2", "3", ...at()]);
    expect(bad.code).toBe(2);
    expect(bad.err).toStartWith('fastworker: --args: "{2" looks like JSON but does not parse');
    expect(cli(["submit", "--task-name", "words", "--kwargs", "{oops", ...at()]).code).toBe(2);
    const stray = cli(["submit", "--task-name", "words", "hello", ...at()]);
    expect(stray.code).toBe(2);
    expect(stray.err).toContain('unexpected argument "hello" (--task-name takes one value)');
  });
});

describe("output", () => {
  test("submit --json prints the task id with the result; --count --json the ids and counts", () => {
    const one = JSON.parse(cli(["submit", "--task-name", "add", "--args", "1", "2", "--json", ...at()]).out);
    expect(one).toMatchObject({ status: "success", result: 3 });
    expect(one.taskId).toMatch(/^[0-9a-f-]{36}$/);
    const failed = cli(["submit", "--task-name", "hard", "--json", ...at()]);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.err).error).toMatchObject({ code: "E_TASK_FAILED", taskId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const many = cli(["submit", "--task-name", "add", "--args", "1", "1", "--count", "3", "--json", ...at()]);
    const summary = JSON.parse(many.out);
    expect(summary).toMatchObject({ count: 3, succeeded: 3, failed: 0 });
    expect(summary.taskIds).toHaveLength(3);
    expect(new Set(summary.taskIds).size).toBe(3);
    // stderr is a pipe here: no progress bar drawn into it.
    expect(many.err).toBe("");
  });

  test("the progress bar shows done/total, rate and time left", () => {
    const drawn: string[] = [];
    const bar = new ProgressBar(10, (t) => drawn.push(t), false);
    expect(bar.render(0)).toBe("[------------------------------] 0/10 0.0/s ETA --");
    for (let i = 0; i < 4; i++) bar.tick(i !== 0);
    expect(bar.render(2000)).toBe("[############------------------] 4/10 (1 failed) 2.0/s ETA 3s");
    bar.start();
    bar.finish();
    expect(drawn).toEqual([]); // not a terminal: nothing drawn
  });

  test("no ANSI codes in help or errors when piped (FORCE_COLOR colours only the status lines: see migration.test.ts)", () => {
    const plain = { FORCE_COLOR: undefined, NO_COLOR: undefined };
    expect(cli(["submit", "--help"], plain).out).not.toMatch(ANSI);
    expect(cli(["--help"], plain).out).not.toMatch(ANSI);
    expect(cli(["submit", "--task-name"], plain).err).not.toMatch(ANSI);
  });
});

describe("task modules", () => {
  test("a module that exports no task is warned about; a syntax error names file:line:column", async () => {
    const empty = cli(["list", "--task-modules", "test/fixtures/cli/no-tasks.ts"]);
    expect(empty.code).toBe(0);
    expect(empty.err).toContain("no-tasks.ts exports no task definitions");
    expect(empty.err).toContain("no tasks are registered");
    const dir = `${process.env.TMPDIR ?? "/tmp"}/fastworker-syntax-${process.pid}`;
    await Bun.write(`${dir}/broken.ts`, 'export const x = 1;\nexport const y = (;\n');
    const broken = cli(["list", "--task-modules", `${dir}/broken.ts`]);
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(new RegExp(`syntax error at ${dir}/broken\\.ts:2:\\d+: `));
  });

  test("--task-modules a b (space-separated, as the original) loads both", () => {
    const both = cli(["list", "--task-modules", "test/fixtures/core-tasks.ts", "test/fixtures/cli/words.ts", "--json"]);
    const names = JSON.parse(both.out).tasks.map((t: { name: string }) => t.name);
    expect(names).toContain("add");
    expect(names).toContain("words");
  });

  test("list without --task-modules asks the running control plane", () => {
    const remote = cli(["list", ...at(), "--json"]);
    expect(remote.code).toBe(0);
    const listed = JSON.parse(remote.out);
    expect(listed.tasks.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(["add", "words", "slow"]));
    expect(cli(["list", ...at(), "--tree"])).toMatchObject({ code: 2, err: "fastworker: --tree needs --task-modules: the control plane reports task names only" });
  });
});

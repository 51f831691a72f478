/** checkArgv against citty `args` objects: flags any module declares the usual way are understood. */
import { describe, expect, test } from "bun:test";
import type { ArgsDef } from "citty";
import { checkArgv, UsageError } from "../../src/cli/strict-args.ts";

const declared: ArgsDef = {
  "task-name": { type: "string" },
  args: { type: "string" },
  "task-modules": { type: "string" },
  json: { type: "boolean" },
  "no-gui": { type: "boolean" },
  // As another module would add it: kebab-case, with an alias.
  "tls-ca": { type: "string", alias: "ca" },
};

const usage = (argv: string[]) => {
  try {
    checkArgv(argv, declared);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`accepted: ${argv.join(" ")}`);
};

describe("checkArgv", () => {
  test("declared flags in every spelling citty accepts pass through unchanged", () => {
    const argv = ["--task-name", "t", "--json", "--no-json", "--json=false", "--no-gui", "--tls-ca", "ca.pem", "--tlsCa=x", "--ca", "y"];
    expect(checkArgv(argv, declared)).toEqual({ argv: ["--task-name", "t", "--json", "--no-json", "--json=false", "--no-gui", "--tls-ca", "ca.pem", "--tls-ca=x", "--tls-ca", "y"], taskArgs: [] });
  });

  test("--args and --task-modules collect every value up to the next flag", () => {
    expect(checkArgv(["--args=1", "2", "--task-modules", "a.ts", "b.ts", "--args", "-3", "--json"], declared)).toEqual({
      argv: ["--json", "--task-modules", "a.ts,b.ts"],
      taskArgs: ["1", "2", "-3"],
    });
  });

  test("mistakes are usage errors that say what to type", () => {
    expect(usage(["--task-nme", "t"])).toBe("unknown option --task-nme (did you mean --task-name?)");
    expect(usage(["--tls-cq", "x"])).toBe("unknown option --tls-cq (did you mean --tls-ca?)");
    expect(usage(["--task-name"])).toBe("--task-name needs a value");
    expect(usage(["--task-name", "--json"])).toBe("--task-name needs a value");
    expect(usage(["--args"])).toBe("--args needs at least one value");
    expect(usage(["--json=maybe"])).toContain("--json is a switch");
    expect(usage(["--task-name", "a", "b"])).toStartWith('unexpected argument "b" (--task-name takes one value)');
    expect(usage(["-t"])).toBe("unknown option -t");
    expect(usage(["--"])).toContain('unexpected "--"');
  });
});

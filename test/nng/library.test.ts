import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { locateLibnng, nng, preferredEngine } from "../../src/nng/index.ts";
import { killAll, startProcess } from "../helpers/processes.ts";

afterAll(killAll);

/** The install command the error must name on this machine, worked out independently of installHint(). */
function expectedInstallCommand(): string | undefined {
  if (process.platform === "darwin") return "brew install nng";
  const osRelease = existsSync("/etc/os-release") ? readFileSync("/etc/os-release", "utf8") : "";
  if (/^ID(_LIKE)?=.*\b(debian|ubuntu)\b/m.test(osRelease)) return "apt-get install libnng1";
  if (/^ID(_LIKE)?=.*\b(fedora|rhel|centos)\b/m.test(osRelease)) return "dnf install nng";
  return undefined;
}

interface Outcome {
  name?: string;
  code?: string;
  message?: string;
  loaded?: boolean;
}

/** Runs `body` in a fresh process (libnng is loaded once per process) and returns what it printed as JSON. */
async function inChild(body: string, env: Record<string, string>): Promise<Outcome> {
  const script = `
    import { nng, ReqSocket } from "./src/nng/index.ts";
    try { ${body}; console.log(JSON.stringify({ loaded: true })); }
    catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }
  `;
  const child = startProcess(["-e", script], { env });
  const exitCode = await child.proc.exited;
  const line = child.output().trim().split("\n").at(-1) ?? "";
  expect({ exitCode, line }).toMatchObject({ exitCode: 0 });
  return JSON.parse(line) as Outcome;
}

describe("a missing libnng is a typed error that says how to install it", () => {
  const missing = { FASTWORKER_LIBNNG: "/nonexistent/libnng.so.1" };

  test("nng() with FASTWORKER_LIBNNG pointing nowhere", async () => {
    const outcome = await inChild("nng()", missing);
    expect(outcome).toMatchObject({ name: "LibraryError", code: "E_LIBNNG_NOT_FOUND" });
    expect(outcome.message).toContain("/nonexistent/libnng.so.1");
    const command = expectedInstallCommand();
    if (command) expect(outcome.message).toContain(command);
    else expect(outcome.message).toMatch(/install/i);
  });

  test("opening a socket fails the same way (no dlopen stack trace)", async () => {
    const outcome = await inChild("new ReqSocket()", missing);
    expect(outcome).toMatchObject({ name: "LibraryError", code: "E_LIBNNG_NOT_FOUND" });
  });

  test("FASTWORKER_LIBNNG pointing at a file that is not a library", async () => {
    const outcome = await inChild("nng()", { FASTWORKER_LIBNNG: `${import.meta.dir}/../../package.json` });
    expect(outcome).toMatchObject({ name: "LibraryError", code: "E_LIBNNG_NOT_FOUND" });
    expect(outcome.message).toContain("could not load libnng");
  });

  test("FASTWORKER_LIBNNG pointing at the real library loads it", async () => {
    expect(await inChild("nng()", { FASTWORKER_LIBNNG: locateLibnng({}) })).toEqual({ loaded: true });
  });
});

describe("library lookup on this machine", () => {
  test("locateLibnng() finds libnng by absolute path without any override", () => {
    const path = locateLibnng({});
    expect(isAbsolute(path)).toBe(true);
    expect(existsSync(path)).toBe(true);
  });

  test("the loaded library is libnng 1.x, from that path", () => {
    const loaded = nng();
    expect(loaded.version).toMatch(/^1\.\d+\.\d+/);
    expect(loaded.path).toBe(locateLibnng());
  });

  test("FASTWORKER_NNG_ENGINE accepts shim, js or nothing, and rejects anything else with E_CONFIG", () => {
    expect(preferredEngine({ FASTWORKER_NNG_ENGINE: "js" })).toBe("js");
    expect(["shim", "js"]).toContain(preferredEngine({}));
    expect(() => preferredEngine({ FASTWORKER_NNG_ENGINE: "fast" })).toThrow(expect.objectContaining({ code: "E_CONFIG" }));
  });
});

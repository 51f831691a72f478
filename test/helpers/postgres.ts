/**
 * A throw-away PostgreSQL server for tests and the bench: initdb in a temp dir, a free port on
 * 127.0.0.1, its unix socket in that dir, password (SCRAM) authentication over TCP. As root it
 * runs as `nobody` (PostgreSQL refuses to run as root). stop() kills the postmaster by its PID and
 * removes the dir. When it cannot start, startPostgres() throws: a test that needs it fails
 * (never skips) and says how to install PostgreSQL.
 */
import { SQL } from "bun";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.ts";
import { waitFor, WaitTimeoutError } from "./wait-for.ts";

export interface Postgres {
  /** postgres://fwtest:…@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  dataDir: string;
  /** The postmaster's PID (changes on restart). */
  readonly pid: number;
  /** A fresh, empty database on this server; returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl restart -m fast`: every connection is cut, the server is back when this resolves. */
  restart(): Promise<void>;
  /** `pg_ctl stop -m fast` without removing anything (start() brings it back on the same port). */
  halt(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const USER = "fwtest";
const NOBODY = 65534;
const servers = new Set<Postgres>();

/** Where initdb, pg_ctl and postgres are: FASTWORKER_PG_BIN, Debian's and RHEL's versioned dirs, then PATH. */
export function postgresBinDir(): string {
  const candidates: string[] = [];
  if (process.env.FASTWORKER_PG_BIN) candidates.push(process.env.FASTWORKER_PG_BIN);
  for (const root of ["/usr/lib/postgresql", "/usr/local/pgsql"]) {
    if (!existsSync(root)) continue;
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) candidates.push(join(root, version, "bin"));
    candidates.push(join(root, "bin"));
  }
  for (const entry of existsSync("/usr") ? readdirSync("/usr").filter((d) => /^pgsql-\d+$/.test(d)) : []) candidates.push(join("/usr", entry, "bin"));
  const onPath = Bun.which("initdb");
  if (onPath) candidates.push(join(onPath, ".."));
  const found = candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")));
  if (found === undefined) throw new Error("PostgreSQL is not installed (no initdb found): run `bin/setup --for-tests`, or set FASTWORKER_PG_BIN to the folder holding initdb and pg_ctl");
  return found;
}

const asRoot = process.getuid?.() === 0;

async function run(argv: string[], what: string, timeoutMs = 60_000): Promise<string> {
  const proc = Bun.spawn(argv, {
    stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, LC_ALL: "C", LANG: "C" },
    ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs); // the bound on a hung initdb / pg_ctl
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${what} failed (exit ${code}): ${(err || out).trim().split("\n").slice(-5).join(" | ")}`);
  return out;
}

function postmasterPid(dataDir: string): number {
  const first = readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0];
  const pid = Number(first);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`postmaster.pid in ${dataDir} holds no PID`);
  return pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: the process is gone, which is what the caller asks
  }
}

/** Initialises and starts a server; rejects (with what to do) when PostgreSQL is missing or does not start. */
export async function startPostgres(options: { settings?: Record<string, string> } = {}): Promise<Postgres> {
  const bin = postgresBinDir();
  const root = mkdtempSync(join(tmpdir(), "fw-pg-"));
  const dataDir = join(root, "data");
  const password = `pw-${crypto.randomUUID()}`;
  const pwFile = join(root, "pwfile");
  writeFileSync(pwFile, `${password}\n`);
  if (asRoot) {
    chownSync(root, NOBODY, NOBODY);
    chownSync(pwFile, NOBODY, NOBODY);
  }
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1", port: String(port), unix_socket_directories: root,
    max_connections: "40", shared_buffers: "32MB", logging_collector: "off", ...options.settings,
  };
  const postgresOptions = Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`).join(" ");
  const logFile = join(root, "server.log");
  const pgCtl = (...args: string[]) => run([join(bin, "pg_ctl"), "-D", dataDir, "-l", logFile, "-w", "-t", "60", ...args], `pg_ctl ${args[0]}`);
  try {
    await run([join(bin, "initdb"), "-D", dataDir, "-U", USER, `--pwfile=${pwFile}`, "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-instructions"], "initdb");
    await pgCtl("start", "-o", postgresOptions);
  } catch (error) {
    const log = existsSync(logFile) ? readFileSync(logFile, "utf8").trim().split("\n").slice(-5).join(" | ") : "";
    rmSync(root, { recursive: true, force: true });
    throw new Error(`the test PostgreSQL server could not start: ${error instanceof Error ? error.message : String(error)}${log ? ` (server log: ${log})` : ""}`);
  }
  const base = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  let pid = postmasterPid(dataDir);
  const waitGone = (which: number) =>
    waitFor(() => !alive(which), { timeoutMs: 5_000, intervalMs: 25, message: `the postmaster (PID ${which}) to exit` });
  /** Whether the postmaster exits within the grace time: false (it timed out) tells stop() to SIGKILL it. */
  const goneInTime = (which: number) =>
    waitGone(which).then(() => true, (error: unknown) => {
      if (error instanceof WaitTimeoutError) return false;
      throw error;
    });
  const server: Postgres = {
    url: `${base}/postgres`, port, dataDir,
    get pid() {
      return pid;
    },
    async createDatabase(name) {
      const admin = new SQL({ url: `${base}/postgres`, max: 1 });
      try {
        await admin.unsafe(`CREATE DATABASE "${name.replace(/"/g, "")}"`);
      } finally {
        await admin.close();
      }
      return `${base}/${name}`;
    },
    async restart() {
      await pgCtl("restart", "-m", "fast", "-o", postgresOptions);
      pid = postmasterPid(dataDir);
    },
    async halt() {
      await pgCtl("stop", "-m", "fast");
      await waitGone(pid);
    },
    async start() {
      await pgCtl("start", "-o", postgresOptions);
      pid = postmasterPid(dataDir);
    },
    async stop() {
      servers.delete(server);
      if (alive(pid)) {
        process.kill(pid, "SIGINT"); // fast shutdown: backends are told to end, then the postmaster exits
        if (!(await goneInTime(pid))) {
          process.kill(pid, "SIGKILL");
          await waitGone(pid);
        }
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  servers.add(server);
  if (servers.size === 1) process.once("exit", leftovers);
  return server;
}

/**
 * Last resort when a test process ends without afterAll (a crash, an uncaught error): an immediate
 * shutdown (SIGQUIT ends the backends too) of each server still running, and its dir removed.
 */
function leftovers(): void {
  for (const server of servers) {
    try {
      process.kill(server.pid, "SIGQUIT");
    } catch {
      // already gone: nothing to stop
    }
    // Synchronous (an exit handler cannot await): up to 2 s for it to stop writing into its dir.
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 200 && alive(server.pid); i++) Atomics.wait(pause, 0, 0, 10);
    rmSync(join(server.dataDir, ".."), { recursive: true, force: true });
  }
  servers.clear();
}

/** Stops every server this file started (for afterAll). */
export async function stopAllPostgres(): Promise<void> {
  await Promise.all([...servers].map((s) => s.stop()));
}

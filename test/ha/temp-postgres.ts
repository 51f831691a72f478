/**
 * A throw-away PostgreSQL server for the lease tests, until the pg helper (test/helpers/postgres.ts)
 * lands in main; then these tests import that one and this file goes. Same shape: initdb in a temp
 * dir, a free port on 127.0.0.1, run as `nobody` when we are root, killed by PID and removed by stop().
 */
import { SQL } from "bun";
import { chownSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../helpers/ports.ts";

export interface Postgres {
  url: string;
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

const BIN = process.env.FASTWORKER_PG_BIN ?? "/usr/lib/postgresql/15/bin";
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

async function run(argv: string[]): Promise<void> {
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", env: { ...process.env, LC_ALL: "C" }, ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}) });
  const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${argv[0]} failed (exit ${code}): ${err.trim()}`);
}

export async function startPostgres(): Promise<Postgres> {
  const root = mkdtempSync(join(tmpdir(), "fw-ha-pg-"));
  if (asRoot) chownSync(root, NOBODY, NOBODY);
  const dataDir = join(root, "data");
  const port = await freePort();
  await run([join(BIN, "initdb"), "-D", dataDir, "-U", "fwtest", "--auth=trust", "-E", "UTF8", "--no-instructions"]);
  await run([join(BIN, "pg_ctl"), "-D", dataDir, "-l", join(root, "log"), "-w", "-o", `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${root} -c max_connections=40`, "start"]);
  const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const base = `postgres://fwtest@127.0.0.1:${port}`;
  return {
    url: `${base}/postgres`,
    async createDatabase(name) {
      const admin = new SQL({ url: `${base}/postgres`, max: 1 });
      try {
        await admin.unsafe(`CREATE DATABASE "${name}"`);
      } finally {
        await admin.close();
      }
      return `${base}/${name}`;
    },
    async stop() {
      process.kill(pid, "SIGINT");
      for (let i = 0; i < 200; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break; // ESRCH: the postmaster is gone
        }
        await Bun.sleep(25);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

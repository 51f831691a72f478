import { afterAll, describe, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { createCommands, createControlPlane, createView } from "../../src/control-plane/index.ts";
import { silentLogger } from "../../src/log.ts";
import { ReqSocket } from "../../src/nng/index.ts";
import { decodeReply, encodeFrame, type Request } from "../../src/protocol/index.ts";
import { createDashboardApp } from "../../src/server/index.ts";
import { cli } from "../helpers/cli.ts";
import { startControlPlane } from "../helpers/control-plane.ts";
import { freeAddress } from "../helpers/ports.ts";
import { killAll } from "../helpers/processes.ts";

afterAll(killAll);

/** Registers `count` fake subworkers (capacity 1) through one raw REQ socket, 200 hellos in flight at a time. */
async function fakeSubworkers(raw: ReqSocket, count: number): Promise<void> {
  for (let start = 0; start < count; start += 200) {
    await Promise.all(Array.from({ length: Math.min(200, count - start) }, async (_, i) => {
      const hello: Request = { v: 1, type: "hello", workerId: `fake-${start + i}`, capacity: 1, tasks: ["add"], protocol: 1, host: "h".repeat(40) };
      const reply = decodeReply(await raw.request(encodeFrame(hello), { timeoutMs: 10_000 }));
      if (reply.type !== "welcome") throw new Error(`hello ${start + i} was answered ${JSON.stringify(reply)}`);
    }));
  }
}

describe("status pages its workers", () => {
  test("3 000 registered subworkers: the status reply lists 500 and says workersTotal; pages are asked by offset and limit; the CLI says how many more", async () => {
    const { address } = await startControlPlane(["--concurrency", "1", "--log-level", "warn", "--worker-timeout", "60000"]);
    const raw = new ReqSocket().dial(address);
    await fakeSubworkers(raw, 3000);
    const ask = async (frame: Request) => {
      const bytes = await raw.request(encodeFrame(frame), { timeoutMs: 10_000 });
      return { size: bytes.byteLength, reply: decodeReply(bytes) };
    };

    const first = await ask({ v: 1, type: "status" });
    if (first.reply.type !== "status_reply") throw new Error(first.reply.type);
    expect(first.reply.workers.length).toBe(500);
    expect(first.reply.workersTotal).toBe(3001); // and the local pool
    expect(first.size).toBeLessThan(250_000); // unpaged, the same reply was over 1 MB
    const last = await ask({ v: 1, type: "status", workersOffset: 2950, workersLimit: 5000 });
    if (last.reply.type !== "status_reply") throw new Error(last.reply.type);
    expect(last.reply.workers.length).toBe(51);
    expect(new Set([...first.reply.workers, ...last.reply.workers].map((w) => w.id)).size).toBe(551);
    // Beyond the bound: a typed refusal, never a huge reply.
    expect((await ask({ v: 1, type: "status", workersLimit: 5001 } as Request)).reply).toMatchObject({ type: "error", error: { code: "E_INVALID_FRAME" } });

    const client = await new Client({ address, connectTimeoutMs: 5000 }).start();
    expect(await client.workerCount()).toBe(3001); // across every page
    await client.stop();
    await raw.close();

    const run = cli(["status", "--control-plane-address", address, "--connect-timeout", "5"]);
    expect(run.code).toBe(0);
    expect(run.out).toContain("… and 2501 more");
    expect(run.out.split("\n").filter((line) => line.includes("[subworker]")).length).toBe(499);
    const json = JSON.parse(cli(["status", "--control-plane-address", address, "--connect-timeout", "5", "--json"]).out) as { workers: unknown[]; workersTotal: number };
    expect([json.workers.length, json.workersTotal]).toEqual([500, 3001]);
  });

  test("GET /api/status lists one page of workers (workersOffset, workersLimit) with workersTotal; a limit past 5 000 is a 400", async () => {
    const address = await freeAddress();
    const cp = await createControlPlane({ taskModules: ["test/fixtures/core-tasks.ts"], cwd: `${import.meta.dir}/../..`, address, discoveryAddress: null, concurrency: 1, log: silentLogger });
    const raw = new ReqSocket().dial(address);
    try {
      await fakeSubworkers(raw, 30);
      const app = createDashboardApp(createView(cp), createCommands(cp), { log: silentLogger });
      const get = async (query: string) => {
        const response = await app.handle(new Request(`http://127.0.0.1/api/status${query}`));
        return { status: response.status, body: (await response.json()) as { workersTotal: number; workersOffset: number; workersLimit: number; workerList: Array<{ id: string }> } };
      };
      const plain = await get("");
      expect(plain.status).toBe(200);
      expect([plain.body.workersTotal, plain.body.workersOffset, plain.body.workersLimit, plain.body.workerList.length]).toEqual([31, 0, 500, 31]);
      const page = await get("?workersOffset=10&workersLimit=5");
      expect(page.body.workerList.map((w) => w.id)).toEqual(cp.workers().slice(10, 15).map((w) => w.id));
      expect((await get("?workersLimit=5001")).status).toBe(400);
      // The in-process snapshot is paged the same way.
      expect(cp.snapshot({ workersOffset: 30 }).workers.length).toBe(1);
    } finally {
      await raw.close();
      await cp.stop();
    }
  });
});

import { afterAll, describe, expect, test } from "bun:test";
import { NngError } from "../../src/errors.ts";
import { RepSocket, ReqSocket, type EngineKind } from "../../src/nng/index.ts";
import { freeAddress } from "../helpers/ports.ts";
import { killAll, startProcess } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

afterAll(killAll);

const enc = new TextEncoder();
const dec = new TextDecoder();

for (const engine of ["shim", "js"] as EngineKind[]) {
  describe(`REQ/REP over the ${engine} I/O core`, () => {
    test("1 000 requests in flight on one REQ socket, each settled by its own reply (REP in another process replies out of order)", async () => {
      const address = await freeAddress();
      const server = startProcess(["test/fixtures/rep-echo-server.ts", address], { env: { FASTWORKER_NNG_ENGINE: engine } });
      expect(await server.waitFor(/ready (shim|js)/)).toBe(`ready ${engine}`);
      const req = new ReqSocket({ engine }).dial(address);
      expect(req.engineKind).toBe(engine);
      const replies = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => req.request(enc.encode(`request-${i}`)).then((b) => dec.decode(b))),
      );
      replies.forEach((reply, i) => expect(reply).toBe(`request-${i}`));
      await req.close();
      await server.stop();
    });

    test("REP with contexts runs handlers concurrently", async () => {
      const address = await freeAddress();
      let concurrent = 0;
      let peak = 0;
      const rep = new RepSocket({ engine }).listen(address).serve(async (r) => {
        peak = Math.max(peak, ++concurrent);
        await Bun.sleep(50); // deliberate: a slow handler, so the concurrency under test can build up
        concurrent--;
        return r;
      });
      const req = new ReqSocket({ engine }).dial(address);
      await Promise.all(Array.from({ length: 40 }, () => req.request(enc.encode("x"))));
      expect(peak).toBeGreaterThanOrEqual(20);
      await req.close();
      await rep.close();
    });

    test("close() with requests in flight settles every one of them with E_CLOSED", async () => {
      const address = await freeAddress();
      let received = 0;
      const rep = new RepSocket({ engine }).listen(address).serve(() => {
        received++;
        return new Promise<Uint8Array>(() => {});
      });
      const req = new ReqSocket({ engine }).dial(address);
      const pending = Array.from({ length: 100 }, () => req.request(enc.encode("never answered")));
      await waitFor(() => received === 100, { timeoutMs: 5_000, message: () => `all 100 requests to reach the server (${received} so far)` });
      const closed = req.close();
      const outcomes = await Promise.allSettled(pending);
      await closed;
      expect(outcomes.every((o) => o.status === "rejected" && (o.reason as NngError).code === "E_CLOSED")).toBe(true);
      await expect(req.request(enc.encode("after close"))).rejects.toMatchObject({ code: "E_CLOSED" });
      expect(req.close()).toBe(closed); // idempotent
      await rep.close();
    });

    test("a request to an address nobody listens on times out with a typed error", async () => {
      const req = new ReqSocket({ engine }).dial(await freeAddress());
      const error = await req.request(enc.encode("hello?"), { timeoutMs: 200 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NngError);
      expect((error as NngError).code).toBe("E_TIMEOUT");
      expect((error as NngError).nngName).toBe("NNG_ETIMEDOUT");
      await req.close();
    });

    test("listening twice on one address fails with E_ADDRINUSE", async () => {
      const address = await freeAddress();
      const a = new RepSocket({ engine }).listen(address);
      const b = new RepSocket({ engine });
      expect(() => b.listen(address)).toThrow(expect.objectContaining({ code: "E_ADDRINUSE" }));
      await a.close();
      await b.close();
    });

    test("ipc:// transport works", async () => {
      const address = `ipc:///tmp/fastworker-test-${process.pid}-${engine}.ipc`;
      const rep = new RepSocket({ engine }).listen(address).serve((r) => r);
      const req = new ReqSocket({ engine }).dial(address);
      expect(dec.decode(await req.request(enc.encode("over ipc")))).toBe("over ipc");
      await req.close();
      await rep.close();
    });
  });
}

// One bad task never fails another: rows are validated and serialised per task before the group commit.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FastWorkerError } from "../../src/errors.ts";
import { ReqSocket } from "../../src/nng/index.ts";
import { decodeReply, MAX_JSON_DEPTH } from "../../src/protocol/index.ts";
import { connect } from "../helpers/control-plane.ts";
import { killAll } from "../helpers/processes.ts";
import { startDurable } from "./journal-cp.ts";

afterAll(killAll);

/** A submit frame whose arguments nest `depth` deep: written by hand, since JSON.stringify itself would overflow. */
function poisonFrame(id: string, depth: number): Uint8Array {
  return new TextEncoder().encode(`{"v":1,"type":"submit","tasks":[{"id":"${id}","name":"add","args":[${"[".repeat(depth)}${"]".repeat(depth)}]}]}`);
}

describe("isolation in the group commit", () => {
  test("a task nesting 100 000 deep among concurrent legitimate submissions is refused alone with E_INVALID_ARGS, no stack or path; the others complete", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fw-isolation-"));
    const { cp, address, status } = await startDurable(dataDir);
    const client = await connect(address);
    const socket = new ReqSocket({ requestTimeoutMs: 20_000 }).dial(address);
    try {
      // Legitimate submissions in flight in the same macrotasks as the poisoned one.
      const legit = Array.from({ length: 50 }, (_, i) => client.submit("add", [i, 1]));
      const poisoned = socket.request(poisonFrame("poison-1", 100_000));
      const more = Array.from({ length: 50 }, (_, i) => client.submit("add", [i, 2]));
      const raw = new TextDecoder().decode(await poisoned);
      expect(await Promise.all(legit)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await Promise.all(more)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
      const reply = decodeReply(new TextEncoder().encode(raw));
      // Refused while the frame is decoded (the protocol's nesting bound), so it never reaches the journal;
      // the journal's own MAX_JOURNAL_DEPTH guard stays for tasks that do not come over the wire.
      expect(reply.type).toBe("error");
      const refused = reply.type === "error" ? reply.error : undefined;
      expect(refused?.code).toBe("E_INVALID_ARGS");
      expect(refused?.message).toContain(`${MAX_JSON_DEPTH} levels`);
      expect(raw).not.toContain("stack");
      expect(raw).not.toContain(dataDir);
      expect(raw).not.toContain(import.meta.dir.split("/test/")[0]!);
      // The journal did not degrade and keeps accepting.
      expect((await status()).journal?.state).toBe("ok");
      expect(await client.submit("add", [20, 22])).toBe(42);
      const error = await client.result("poison-1").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FastWorkerError);
      expect(cp.output()).not.toContain("journal degraded");
    } finally {
      await socket.close();
      await client.stop();
      await cp.stop();
    }
  });
});

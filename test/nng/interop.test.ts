import { afterAll, describe, expect, test } from "bun:test";
import { RepSocket, ReqSocket } from "../../src/nng/index.ts";
import { freeAddress } from "../helpers/ports.ts";

// nngcat (Debian's nng-utils) is a real, independent NNG peer written in C.
const nngcat = Bun.which("nngcat");
const started: Array<{ kill: () => void; exited: Promise<number> }> = [];
afterAll(async () => {
  for (const p of started) p.kill();
  await Promise.all(started.map((p) => p.exited));
});

describe.if(nngcat !== null)("interop with nngcat", () => {
  test("nngcat --req against our REP", async () => {
    const address = await freeAddress();
    const rep = new RepSocket().listen(address).serve((r) => new TextEncoder().encode(`pong:${new TextDecoder().decode(r)}`));
    const replies: string[] = [];
    for (const word of ["ping", "pang", "pong"]) {
      const run = Bun.spawn([nngcat!, "--req", "--dial", address, "--data", word, "--ascii"], { stdout: "pipe" });
      started.push(run);
      replies.push((await new Response(run.stdout).text()).trim());
      expect(await run.exited).toBe(0);
    }
    expect(replies).toEqual(["pong:ping", "pong:pang", "pong:pong"]);
    await rep.close();
  });

  test("our REQ against nngcat --rep", async () => {
    const address = await freeAddress();
    const run = Bun.spawn([nngcat!, "--rep", "--listen", address, "--data", "from-nngcat"], { stdout: "ignore", stderr: "ignore" });
    started.push(run);
    const req = new ReqSocket().dial(address);
    const replies = await Promise.all([1, 2, 3].map(() => req.request(new TextEncoder().encode("hi"), { timeoutMs: 5000 })));
    expect(replies.map((r) => new TextDecoder().decode(r))).toEqual(["from-nngcat", "from-nngcat", "from-nngcat"]);
    await req.close();
  });
});

test("nngcat is installed (CI installs nng-utils)", () => {
  expect(nngcat).not.toBeNull();
});

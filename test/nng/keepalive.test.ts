import { afterAll, expect, test } from "bun:test";
import { freeAddress } from "../helpers/ports.ts";
import { killAll, startProcess } from "../helpers/processes.ts";

afterAll(killAll);

/**
 * NNG completions reach JS through thread-safe JSCallbacks, which do not keep Bun alive. These
 * scripts start an operation without awaiting anything: unless the socket holds the process
 * while the operation is outstanding, Bun exits at once and the outcome is never printed.
 */
async function run(script: string): Promise<{ exitCode: number; output: string }> {
  const child = startProcess(["-e", `import { ReqSocket, MessageSocket } from "./src/nng/index.ts";\n${script}`]);
  const exitCode = await child.proc.exited;
  return { exitCode, output: child.output() };
}

test("a pending request keeps the process alive until it settles, then lets it exit", async () => {
  const address = await freeAddress(); // nobody listens: the request can only time out
  const { exitCode, output } = await run(`
    const req = new ReqSocket().dial("${address}");
    req.request(new Uint8Array([1]), { timeoutMs: 200 }).catch((e) => console.log("settled", e.code)).then(() => req.close());
  `);
  expect({ exitCode, output: output.trim() }).toEqual({ exitCode: 0, output: "settled E_TIMEOUT" });
});

test("a pending receive keeps the process alive until it settles", async () => {
  const address = await freeAddress();
  const { exitCode, output } = await run(`
    const pair = MessageSocket.pair().dial("${address}");
    pair.recv({ timeoutMs: 200 }).catch((e) => console.log("settled", e.code)).then(() => pair.close());
  `);
  expect({ exitCode, output: output.trim() }).toEqual({ exitCode: 0, output: "settled E_TIMEOUT" });
});

test("a socket with nothing outstanding does not hold the process", async () => {
  const address = await freeAddress();
  const { exitCode, output } = await run(`
    new ReqSocket().dial("${address}");
    console.log("done");
  `);
  expect({ exitCode, output: output.trim() }).toEqual({ exitCode: 0, output: "done" });
});

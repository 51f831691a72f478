import { createServer } from "node:net";

/** Ports this process was given already: a test that asks for two before binding either must get two. */
const handedOut = new Set<number>();

/**
 * A TCP port that was free a moment ago on 127.0.0.1 (the OS picks it), never one this process was
 * given before: the OS may offer a port it just released again, and a test that took three addresses
 * before starting anything then had two control planes on one (seen in test/ha/cluster-status).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await osFreePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error("no TCP port on 127.0.0.1 that this test process was not given before, in 100 tries");
}

function osFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function freeAddress(): Promise<string> {
  return `tcp://127.0.0.1:${await freePort()}`;
}

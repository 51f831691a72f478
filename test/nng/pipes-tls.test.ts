import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { NngError } from "../../src/errors.ts";
import { RepSocket, ReqSocket, type EngineKind } from "../../src/nng/index.ts";
import { makeTestCa } from "../helpers/certs.ts";
import { freePort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait-for.ts";

const ca = makeTestCa("nng");
const otherCa = makeTestCa("other");
afterAll(() => {
  ca.remove();
  otherCa.remove();
});

const enc = new TextEncoder();
const dec = new TextDecoder();
const pem = (path: string) => readFileSync(path, "utf8");

for (const engine of ["shim", "js"] as EngineKind[]) {
  describe(`pipes over the ${engine} I/O core`, () => {
    test("each request carries the id of its connection; a closed connection is reported by id", async () => {
      const address = `tcp://127.0.0.1:${await freePort()}`;
      const removed: number[] = [];
      const rep = new RepSocket({ engine }).listen(address).onPipeRemoved((pipe) => removed.push(pipe));
      rep.serve((request, pipe) => enc.encode(`${dec.decode(request)}@${pipe}`));
      const a = new ReqSocket({ engine }).dial(address);
      const b = new ReqSocket({ engine }).dial(address);
      const pipeOf = async (req: ReqSocket, text: string) => Number(dec.decode(await req.request(enc.encode(text))).split("@")[1]);
      const a1 = await pipeOf(a, "a1");
      const a2 = await pipeOf(a, "a2");
      const b1 = await pipeOf(b, "b1");
      expect(a1).toBeGreaterThan(0);
      expect(a2).toBe(a1);
      expect(b1).not.toBe(a1);
      await a.close();
      await waitFor(() => removed.includes(a1), { timeoutMs: 2_000, message: () => `pipe ${a1} to be reported removed (got ${removed.join(", ") || "none"})` });
      expect(removed).toEqual([a1]);
      await b.close();
      await rep.close();
    });
  });
}

describe("TLS through libnng", () => {
  const serverTls = { certPem: pem(ca.serverCert), keyPem: pem(ca.serverKey) };

  test("a dialer trusting the right CA talks to a tls+tcp listener", async () => {
    const address = `tls+tcp://127.0.0.1:${await freePort()}`;
    const rep = new RepSocket().listen(address, { tls: serverTls }).serve((r) => r);
    const req = new ReqSocket({ requestTimeoutMs: 5000 }).dial(address, { tls: { caPem: pem(ca.caCert) } });
    expect(dec.decode(await req.request(enc.encode("over tls")))).toBe("over tls");
    await req.close();
    await rep.close();
  });

  test("a dialer trusting another CA never gets a connection", async () => {
    const address = `tls+tcp://127.0.0.1:${await freePort()}`;
    const rep = new RepSocket().listen(address, { tls: serverTls }).serve((r) => r);
    const req = new ReqSocket({ requestTimeoutMs: 1500 }).dial(address, { tls: { caPem: pem(otherCa.caCert) } });
    const error = await req.request(enc.encode("x")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NngError);
    expect((error as NngError).code).toBe("E_TIMEOUT");
    await req.close();
    await rep.close();
  });

  test("mutual TLS: a dialer without a client certificate is refused, one with it is served", async () => {
    const address = `tls+tcp://127.0.0.1:${await freePort()}`;
    const rep = new RepSocket().listen(address, { tls: { ...serverTls, caPem: pem(ca.caCert), clientAuth: "required" } }).serve((r) => r);
    const anonymous = new ReqSocket({ requestTimeoutMs: 1500 }).dial(address, { tls: { caPem: pem(ca.caCert) } });
    expect(((await anonymous.request(enc.encode("x")).catch((e: unknown) => e)) as NngError).code).toBe("E_TIMEOUT");
    const holder = new ReqSocket({ requestTimeoutMs: 5000 }).dial(address, {
      tls: { caPem: pem(ca.caCert), certPem: pem(ca.clientCert), keyPem: pem(ca.clientKey) },
    });
    expect(dec.decode(await holder.request(enc.encode("mutual")))).toBe("mutual");
    await anonymous.close();
    await holder.close();
    await rep.close();
  });

  test("listening on tls+tcp without a certificate is a configuration error", async () => {
    const address = `tls+tcp://127.0.0.1:${await freePort()}`;
    const rep = new RepSocket();
    expect(() => rep.listen(address)).toThrow(/needs a TLS certificate and key/);
    await rep.close();
  });
});

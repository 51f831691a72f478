import { afterEach, describe, expect, test } from "bun:test";
import { NngError } from "../../src/errors.ts";
import { MessageSocket, type EngineKind } from "../../src/nng/index.ts";
import { freeAddress } from "../helpers/ports.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

let open: MessageSocket[] = [];
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()));
  open = [];
});

function track(socket: MessageSocket): MessageSocket {
  open.push(socket);
  return socket;
}

/**
 * BUS and PUB drop messages while no peer is connected, and a dial connects in the background.
 * Sends `tag` until the receiver sees one, proving the link is up; waits as long as the machine
 * needs. Copies of `tag` still in flight arrive later: read past them with nextReal().
 */
async function syncLink(from: MessageSocket, to: MessageSocket, tag: string): Promise<void> {
  for (;;) {
    await from.send(enc.encode(tag));
    const got = await to.recv({ timeoutMs: 50 }).catch((error: NngError) => {
      if (error.code !== "E_TIMEOUT") throw error;
      return undefined;
    });
    if (got) return;
  }
}

/** Receives the next message that is not a leftover sync message. */
async function nextReal(socket: MessageSocket, syncTag: string): Promise<string> {
  for (;;) {
    const text = dec.decode(await socket.recv());
    if (text !== syncTag) return text;
  }
}

for (const engine of ["shim", "js"] as EngineKind[]) {
  describe(`message sockets over the ${engine} I/O core`, () => {
    test("BUS: two peers see each other's messages", async () => {
      const address = await freeAddress();
      const a = track(MessageSocket.bus({ engine })).listen(address);
      const b = track(MessageSocket.bus({ engine })).dial(address);
      await syncLink(a, b, "sync");
      await syncLink(b, a, "sync");

      await a.send(enc.encode("from a"));
      await b.send(enc.encode("from b"));
      expect(await nextReal(b, "sync")).toBe("from a");
      expect(await nextReal(a, "sync")).toBe("from b");
    });

    test("PAIR: onMessage delivers every message, in order, under a burst", async () => {
      // PAIR pushes back on a busy receiver instead of dropping (BUS and PUB drop), so nothing may go missing.
      const address = await freeAddress();
      const a = track(MessageSocket.pair({ engine })).listen(address);
      const b = track(MessageSocket.pair({ engine })).dial(address);
      const count = 2_000;
      const seen: string[] = [];
      const all = new Promise<void>((resolve) =>
        b.onMessage((m) => {
          seen.push(dec.decode(m));
          if (seen.length === count) resolve();
        }),
      );
      for (let i = 0; i < count; i++) await a.send(enc.encode(`m${i}`), { timeoutMs: 30_000 });
      await all;
      expect(seen).toEqual(Array.from({ length: count }, (_, i) => `m${i}`));
    });

    test("PAIR: messages flow both ways, and a send before the peer connects waits for it", async () => {
      const address = await freeAddress();
      const dialer = track(MessageSocket.pair({ engine })).dial(address);
      // PAIR queues instead of dropping: this send completes once the listener below exists.
      const early = dialer.send(enc.encode("sent before the listener existed"), { timeoutMs: 30_000 });
      const listener = track(MessageSocket.pair({ engine })).listen(address);
      await early;
      expect(dec.decode(await listener.recv())).toBe("sent before the listener existed");

      await listener.send(enc.encode("ping"));
      expect(dec.decode(await dialer.recv())).toBe("ping");
      await dialer.send(enc.encode("pong"));
      expect(dec.decode(await listener.recv())).toBe("pong");
    });

    test("PUB/SUB: a subscriber gets only messages with its prefix, in order", async () => {
      const address = await freeAddress();
      const pub = track(MessageSocket.pub({ engine })).listen(address);
      const sub = track(MessageSocket.sub({ engine })).subscribe("news.").dial(address);
      await syncLink(pub, sub, "news.sync");

      for (const topic of ["weather.1", "news.1", "weather.2", "sports.1", "newsletter.1", "news.2"]) {
        await pub.send(enc.encode(topic));
      }
      // One TCP connection keeps order, so news.1 then news.2 proves everything between was filtered.
      expect(await nextReal(sub, "news.sync")).toBe("news.1");
      expect(await nextReal(sub, "news.sync")).toBe("news.2");
    });

    test("PUB/SUB: an empty prefix subscribes to everything", async () => {
      const address = await freeAddress();
      const pub = track(MessageSocket.pub({ engine })).listen(address);
      const sub = track(MessageSocket.sub({ engine })).subscribe("").dial(address);
      await syncLink(pub, sub, "sync");
      for (const topic of ["weather.1", "news.1"]) await pub.send(enc.encode(topic));
      expect(await nextReal(sub, "sync")).toBe("weather.1");
      expect(await nextReal(sub, "sync")).toBe("news.1");
    });

    test("recv with a timeout rejects with E_TIMEOUT", async () => {
      const socket = track(MessageSocket.pair({ engine })).listen(await freeAddress());
      const error = await socket.recv({ timeoutMs: 50 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NngError);
      expect(error).toMatchObject({ code: "E_TIMEOUT", nngName: "NNG_ETIMEDOUT" });
    });

    test("close settles a pending recv and a pending send with E_CLOSED", async () => {
      const socket = track(MessageSocket.pair({ engine })).dial(await freeAddress());
      const recv = socket.recv().catch((e: unknown) => e);
      const send = socket.send(enc.encode("nobody is listening"), { timeoutMs: 60_000 }).catch((e: unknown) => e);
      await socket.close();
      expect(await recv).toMatchObject({ code: "E_CLOSED" });
      expect(await send).toMatchObject({ code: "E_CLOSED" });
      await expect(socket.recv()).rejects.toMatchObject({ code: "E_CLOSED" });
    });
  });
}

/**
 * Raw SP-over-TCP peers for hostile-peer tests: what NNG itself would never send (a peer that
 * stops reading, a frame cut short, a length beyond the limit). SP/TCP framing: an 8-byte
 * header each way (0, "SP", 0, protocol as big-endian u16, 2 reserved bytes), then messages of
 * an 8-byte big-endian length and the payload; a REQ payload starts with its 4-byte request id
 * whose top bit is set, then the body.
 */
import { readFileSync, readdirSync } from "node:fs";
import { connect as tcpConnect, type Socket } from "node:net";

/** REQ's SP header (protocol 0x30, big-endian, then two reserved bytes): what a peer sends before any frame. */
export const SP_REQ_HEADER = new Uint8Array([0, 0x53, 0x50, 0, 0, 0x30, 0, 0]);

export interface RawPeer {
  socket: Socket;
  /** True once the control plane closed it (or it failed). */
  closed: () => boolean;
}

/** A raw TCP connection that completes the SP handshake (the control plane's 8-byte answer arrives) and then says nothing. */
export function handshaken(address: string): Promise<RawPeer> {
  const { hostname, port } = new URL(address.replace(/^tcp:/, "http:"));
  return new Promise((resolve, reject) => {
    let closed = false;
    let header = 0;
    const socket = tcpConnect({ host: hostname, port: Number(port) }, () => socket.write(SP_REQ_HEADER));
    socket.on("data", (chunk: Buffer) => {
      header += chunk.length;
      if (header >= 8) resolve({ socket, closed: () => closed });
    });
    socket.on("close", () => (closed = true));
    socket.on("error", (error) => { closed = true; reject(error); });
  });
}

/** The 8-byte big-endian length prefix of an SP message of `length` bytes. */
export function spLength(length: number): Uint8Array {
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(length));
  return prefix;
}

/** One complete REQ message: length, request id (top bit set), body. */
export function spRequest(requestId: number, body: Uint8Array): Uint8Array {
  const message = new Uint8Array(8 + 4 + body.length);
  message.set(spLength(4 + body.length), 0);
  new DataView(message.buffer).setUint32(8, (requestId | 0x80000000) >>> 0);
  message.set(body, 12);
  return message;
}

/** Open file descriptors of a process (Linux). */
export function descriptors(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Resident set size of a process, in MB (Linux). */
export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
  if (line === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(line.replace(/\D+/g, "")) / 1024;
}

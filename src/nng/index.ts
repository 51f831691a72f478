export { nng, locateLibnng, installHint } from "./library.ts";
export { ReqSocket, type ReqOptions } from "./req.ts";
export { RepSocket, type RepOptions, type RepHandler } from "./rep.ts";
export { MessageSocket } from "./message-socket.ts";
export { NngSocket, DEFAULT_RECV_MAX_SIZE, type SocketOptions, type Protocol } from "./socket.ts";
export { preferredEngine, type EngineKind } from "./engine.ts";
export { checkShimCompiles } from "./shim-engine.ts";
export { isTlsAddress, type TlsOptions } from "./tls.ts";
export { closePipe, type PipeEvent } from "./pipes.ts";

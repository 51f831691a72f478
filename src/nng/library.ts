import { dlopen, FFIType as T } from "bun:ffi";
import { existsSync, readFileSync } from "node:fs";
import { LibraryError } from "../errors.ts";

/** The libnng entry points FastWorker uses; sockets and contexts are u32 ids passed by value. */
const SYMBOLS = {
  nng_version: { args: [], returns: T.cstring },
  nng_strerror: { args: [T.i32], returns: T.cstring },
  nng_req0_open: { args: [T.ptr], returns: T.i32 },
  nng_rep0_open: { args: [T.ptr], returns: T.i32 },
  nng_bus0_open: { args: [T.ptr], returns: T.i32 },
  nng_pair1_open: { args: [T.ptr], returns: T.i32 },
  nng_pub0_open: { args: [T.ptr], returns: T.i32 },
  nng_sub0_open: { args: [T.ptr], returns: T.i32 },
  nng_close: { args: [T.u32], returns: T.i32 },
  nng_listen: { args: [T.u32, T.cstring, T.ptr, T.i32], returns: T.i32 },
  nng_dial: { args: [T.u32, T.cstring, T.ptr, T.i32], returns: T.i32 },
  nng_socket_set_ms: { args: [T.u32, T.cstring, T.i32], returns: T.i32 },
  nng_socket_set_size: { args: [T.u32, T.cstring, T.u64], returns: T.i32 },
  nng_socket_set_int: { args: [T.u32, T.cstring, T.i32], returns: T.i32 },
  nng_socket_set: { args: [T.u32, T.cstring, T.ptr, T.u64], returns: T.i32 },
  nng_ctx_open: { args: [T.ptr, T.u32], returns: T.i32 },
  nng_ctx_close: { args: [T.u32], returns: T.i32 },
  nng_aio_alloc: { args: [T.ptr, T.ptr, T.ptr], returns: T.i32 },
  nng_aio_free: { args: [T.ptr], returns: T.void },
  nng_aio_stop: { args: [T.ptr], returns: T.void },
  nng_aio_result: { args: [T.ptr], returns: T.i32 },
  nng_aio_get_msg: { args: [T.ptr], returns: T.ptr },
  nng_aio_set_msg: { args: [T.ptr, T.ptr], returns: T.void },
  nng_aio_set_timeout: { args: [T.ptr, T.i32], returns: T.void },
  nng_ctx_send: { args: [T.u32, T.ptr], returns: T.void },
  nng_ctx_recv: { args: [T.u32, T.ptr], returns: T.void },
  nng_send_aio: { args: [T.u32, T.ptr], returns: T.void },
  nng_recv_aio: { args: [T.u32, T.ptr], returns: T.void },
  nng_msg_alloc: { args: [T.ptr, T.u64], returns: T.i32 },
  nng_msg_free: { args: [T.ptr], returns: T.void },
  nng_msg_body: { args: [T.ptr], returns: T.ptr },
  nng_msg_len: { args: [T.ptr], returns: T.u64 },
  // nng_pipe, nng_listener and nng_dialer are `struct { uint32_t id; }`, passed by value like a u32.
  nng_msg_get_pipe: { args: [T.ptr], returns: T.u32 },
  nng_pipe_notify: { args: [T.u32, T.i32, T.ptr, T.ptr], returns: T.i32 },
  nng_pipe_close: { args: [T.u32], returns: T.i32 },
  nng_listener_create: { args: [T.ptr, T.u32, T.cstring], returns: T.i32 },
  nng_listener_set_ptr: { args: [T.u32, T.cstring, T.ptr], returns: T.i32 },
  nng_listener_start: { args: [T.u32, T.i32], returns: T.i32 },
  nng_listener_close: { args: [T.u32], returns: T.i32 },
  nng_dialer_create: { args: [T.ptr, T.u32, T.cstring], returns: T.i32 },
  nng_dialer_set_ptr: { args: [T.u32, T.cstring, T.ptr], returns: T.i32 },
  nng_dialer_start: { args: [T.u32, T.i32], returns: T.i32 },
  nng_dialer_close: { args: [T.u32], returns: T.i32 },
  nng_tls_config_alloc: { args: [T.ptr, T.i32], returns: T.i32 },
  nng_tls_config_free: { args: [T.ptr], returns: T.void },
  nng_tls_config_own_cert: { args: [T.ptr, T.cstring, T.cstring, T.ptr], returns: T.i32 },
  nng_tls_config_ca_chain: { args: [T.ptr, T.cstring, T.ptr], returns: T.i32 },
  nng_tls_config_auth_mode: { args: [T.ptr, T.i32], returns: T.i32 },
  nng_tls_config_server_name: { args: [T.ptr, T.cstring], returns: T.i32 },
  nng_thread_create: { args: [T.ptr, T.ptr, T.ptr], returns: T.i32 },
  nng_thread_destroy: { args: [T.ptr], returns: T.void },
  nng_cv_alloc: { args: [T.ptr, T.ptr], returns: T.i32 },
  nng_cv_free: { args: [T.ptr], returns: T.void },
  nng_cv_wait: { args: [T.ptr], returns: T.void },
  nng_cv_wake1: { args: [T.ptr], returns: T.void },
  nng_mtx_alloc: { args: [T.ptr], returns: T.i32 },
  nng_mtx_free: { args: [T.ptr], returns: T.void },
  nng_mtx_lock: { args: [T.ptr], returns: T.void },
  nng_mtx_unlock: { args: [T.ptr], returns: T.void },
} as const;

function openLibrary(path: string) {
  return dlopen(path, SYMBOLS);
}

export type NngLibrary = ReturnType<typeof openLibrary>;
export type NngSymbols = NngLibrary["symbols"];

export interface LoadedNng {
  path: string;
  version: string;
  symbols: NngSymbols;
}

let loaded: LoadedNng | undefined;

/** Loads libnng once per thread (Bun Workers load their own copy of the symbol table). */
export function nng(): LoadedNng {
  if (loaded) return loaded;
  const path = locateLibnng();
  let lib: NngLibrary;
  try {
    lib = openLibrary(path);
  } catch (error) {
    throw new LibraryError("E_LIBNNG_NOT_FOUND", `could not load libnng from ${path}: ${String(error)}. ${installHint()}`, { cause: error });
  }
  const version = String(lib.symbols.nng_version());
  if (!/^1\./.test(version)) {
    lib.close();
    throw new LibraryError(
      "E_LIBNNG_VERSION",
      `libnng ${version} at ${path} is not supported: FastWorker needs libnng 1.x (NNG 2.x has a different API). ${installHint()}`,
    );
  }
  loaded = { path, version, symbols: lib.symbols };
  return loaded;
}

/**
 * Finds libnng by absolute path. Bare-name dlopen would look in the working directory first,
 * so a stray file there could be loaded instead of the system library.
 */
export function locateLibnng(env: Record<string, string | undefined> = process.env): string {
  const override = env.FASTWORKER_LIBNNG;
  if (override) {
    if (existsSync(override)) return override;
    throw new LibraryError(
      "E_LIBNNG_NOT_FOUND",
      `FASTWORKER_LIBNNG points at ${override}, which does not exist. Unset it, or point it at libnng.so.1. ${installHint()}`,
    );
  }
  const found = fromLdconfig() ?? candidatePaths().find((p) => existsSync(p));
  if (found) return found;
  throw new LibraryError("E_LIBNNG_NOT_FOUND", `libnng 1.x was not found on this machine. ${installHint()}`);
}

function fromLdconfig(): string | undefined {
  if (process.platform !== "linux") return undefined;
  for (const bin of ["/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"]) {
    if (bin.startsWith("/") && !existsSync(bin)) continue;
    const run = Bun.spawnSync([bin, "-p"], { stdout: "pipe", stderr: "ignore" });
    if (!run.success) continue;
    const arch = process.arch === "arm64" ? "AArch64" : "x86-64";
    const lines = run.stdout.toString().split("\n").filter((l) => l.includes("libnng.so.1 "));
    const line = lines.find((l) => l.includes(arch)) ?? lines[0];
    const path = line?.split("=>")[1]?.trim();
    if (path && existsSync(path)) return path;
  }
  return undefined;
}

function candidatePaths(): string[] {
  if (process.platform === "darwin") {
    return ["/opt/homebrew/lib/libnng.dylib", "/usr/local/lib/libnng.dylib", "/opt/local/lib/libnng.dylib"];
  }
  const triplet = process.arch === "arm64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
  return [
    `/usr/lib/${triplet}/libnng.so.1`,
    `/lib/${triplet}/libnng.so.1`,
    "/usr/lib64/libnng.so.1",
    "/usr/local/lib/libnng.so.1",
    "/usr/local/lib64/libnng.so.1",
    "/usr/lib/libnng.so.1",
    "/home/linuxbrew/.linuxbrew/lib/libnng.so.1",
  ];
}

/** The install command for this OS, so the error tells the user what to run. */
export function installHint(): string {
  if (process.platform === "darwin") return "Install it with: brew install nng";
  let id = "";
  try {
    const osRelease = readFileSync("/etc/os-release", "utf8");
    id = (/^ID_LIKE=(.*)$/m.exec(osRelease)?.[1] ?? "") + " " + (/^ID=(.*)$/m.exec(osRelease)?.[1] ?? "");
  } catch (error) {
    // No os-release (containers, BSDs): fall through to the generic hint below.
    id = `unknown (${error instanceof Error ? error.message : String(error)})`;
  }
  if (/fedora|rhel|centos/.test(id)) return "Install it with: sudo dnf install nng";
  if (/arch/.test(id)) return "Install it with: sudo pacman -S nng";
  if (/alpine/.test(id)) return "Install it with: sudo apk add nng";
  if (/debian|ubuntu/.test(id)) return "Install it with: sudo apt-get install libnng1";
  return "Install libnng 1.x (Debian/Ubuntu: apt-get install libnng1; Fedora: dnf install nng; macOS: brew install nng), or set FASTWORKER_LIBNNG to its absolute path.";
}

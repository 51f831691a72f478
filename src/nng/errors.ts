import { NngError, type ErrorCode } from "../errors.ts";

/** NNG's errno values (nng.h, 1.x) with their names and our stable codes. */
const NNG_ERRORS: Record<number, [name: string, code: ErrorCode]> = {
  1: ["NNG_EINTR", "E_NNG"],
  2: ["NNG_ENOMEM", "E_NNG"],
  3: ["NNG_EINVAL", "E_NNG"],
  4: ["NNG_EBUSY", "E_NNG"],
  5: ["NNG_ETIMEDOUT", "E_TIMEOUT"],
  6: ["NNG_ECONNREFUSED", "E_CONNREFUSED"],
  7: ["NNG_ECLOSED", "E_CLOSED"],
  8: ["NNG_EAGAIN", "E_NNG"],
  9: ["NNG_ENOTSUP", "E_NNG"],
  10: ["NNG_EADDRINUSE", "E_ADDRINUSE"],
  11: ["NNG_ESTATE", "E_NNG"],
  12: ["NNG_ENOENT", "E_NNG"],
  13: ["NNG_EPROTO", "E_NNG"],
  14: ["NNG_EUNREACHABLE", "E_UNAVAILABLE"],
  15: ["NNG_EADDRINVAL", "E_ADDRINVAL"],
  16: ["NNG_EPERM", "E_NNG"],
  17: ["NNG_EMSGSIZE", "E_MSGSIZE"],
  18: ["NNG_ECONNABORTED", "E_NNG"],
  19: ["NNG_ECONNRESET", "E_NNG"],
  20: ["NNG_ECANCELED", "E_NNG"],
  21: ["NNG_ENOFILES", "E_NNG"],
  22: ["NNG_ENOSPC", "E_NNG"],
  23: ["NNG_EEXIST", "E_NNG"],
  24: ["NNG_EREADONLY", "E_NNG"],
  25: ["NNG_EWRITEONLY", "E_NNG"],
  26: ["NNG_ECRYPTO", "E_NNG"],
  27: ["NNG_EPEERAUTH", "E_NNG"],
  28: ["NNG_ENOARG", "E_NNG"],
  29: ["NNG_EAMBIGUOUS", "E_NNG"],
  30: ["NNG_EBADTYPE", "E_NNG"],
  31: ["NNG_ECONNSHUT", "E_NNG"],
  1000: ["NNG_EINTERNAL", "E_NNG"],
};

export const NNG_ETIMEDOUT = 5;
export const NNG_ECLOSED = 7;

/** Maps a libnng return value to a typed error; `what` says which call failed. */
export function nngError(errno: number, what: string): NngError {
  const known = NNG_ERRORS[errno];
  const name = known ? known[0] : errno & 0x10000000 ? "NNG_ESYSERR" : errno & 0x20000000 ? "NNG_ETRANERR" : `NNG_E${errno}`;
  const code: ErrorCode = known ? known[1] : "E_NNG";
  return new NngError(code, errno, name, `${what}: ${name} (${describe(errno)})`);
}

function describe(errno: number): string {
  switch (errno) {
    case 5: return "timed out";
    case 6: return "connection refused";
    case 7: return "object closed";
    case 10: return "address in use";
    case 15: return "address invalid";
    case 17: return "message too large";
    default: return `errno ${errno}`;
  }
}

export function check(rv: number, what: string): void {
  if (rv !== 0) throw nngError(rv, what);
}

import { codeCanceled, codeDeadlineExceeded, codeUnimplemented, codeUnknown } from "./contract.js";
import { reportFault } from "./fault.js";

/**
 * errorCode returns the status code grpc-js sends for an error a handler
 * passes to its callback or emits: its integer `code`, else Unknown. It
 * follows grpc-js's own serverErrorToStatus, so the code counted is the one
 * the client sees.
 */
export function errorCode(err: unknown): number {
  try {
    if (typeof err === "object" && err !== null && "code" in err) {
      const code = (err as { code: unknown }).code;
      if (typeof code === "number" && Number.isInteger(code)) return code;
    }
  } catch (e) {
    // An error object whose `code` getter throws: grpc-js reads it too, and decides; we count Unknown.
    reportFault(e);
  }
  return codeUnknown;
}

// A client's deadline and the server's copy of it race on the wire: the
// client resets the stream at its deadline, and the server's copy starts
// when the headers arrive, later under load. A call cancelled this close to
// the server's deadline is counted as having exceeded it.
const deadlineSlackMs = 50;

/** DeadlineCall is the part of a grpc-js server call cancelCode reads. */
export interface DeadlineCall {
  getDeadline(): Date | number;
}

/**
 * cancelCode returns the code of a call that ended before its handler
 * finished: DeadlineExceeded when its deadline has passed, else Canceled.
 */
export function cancelCode(call: DeadlineCall): number {
  const ms = deadlineMs(call);
  return Number.isFinite(ms) && Date.now() >= ms - deadlineSlackMs ? codeDeadlineExceeded : codeCanceled;
}

/** deadlineMs reads a call's deadline in ms since the epoch; Infinity when it has none or cannot be read. */
function deadlineMs(call: DeadlineCall): number {
  try {
    const deadline = call.getDeadline();
    return deadline instanceof Date ? deadline.getTime() : deadline;
  } catch (e) {
    reportFault(e);
    return Number.POSITIVE_INFINITY;
  }
}

/** StatusError is the error shape grpc-js turns into a status: a code and details. */
export interface StatusError {
  readonly code: number;
  readonly details: string;
}

/** unimplementedError is the status grpc-js itself sends for a method an implementation lacks. */
export function unimplementedError(key: string): StatusError {
  return { code: codeUnimplemented, details: `The server does not implement the method ${key}` };
}

/** unknownError is the status grpc-js itself sends for a handler that throws. */
export const unknownError: StatusError = Object.freeze({ code: codeUnknown, details: "Unknown error" });

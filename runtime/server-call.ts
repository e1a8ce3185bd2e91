import { constants, type ServerHttp2Stream } from "node:http2";
import type { Metadata } from "@grpc/grpc-js";
import { CallReporter } from "./call-reporter.js";
import { codeOk, codeUnimplemented } from "./contract.js";
import type { Labels } from "./family.js";
import { reportFault } from "./fault.js";
import {
  onMessageWritten,
  type ServerWire,
  sentStatusCode,
  serverCallBelow,
  serverCallOf,
} from "./grpc-js-internals.js";
import type { MethodRecord } from "./method-record.js";
import { cancelCode, type DeadlineCall } from "./status.js";

// Marks a base call already recorded: an implementation wrapped twice, or
// handed to two wrappers, counts each call once, by the outermost wrapper.
const recorded = Symbol("protoc-gen-grpc-prom recorded");

/**
 * wireOf finds the grpc-js call objects and HTTP/2 stream below a handler's
 * call object (see grpc-js-internals.ts); undefined, reported once, where
 * they are not found.
 */
export function wireOf(call: object): ServerWire | undefined {
  return found(() => serverCallOf(call));
}

/** wireBelow does as wireOf from the call object a server interceptor is given. */
export function wireBelow(next: object): ServerWire | undefined {
  return found(() => serverCallBelow(next));
}

function found(find: () => ServerWire | undefined): ServerWire | undefined {
  try {
    const wire = find();
    if (wire === undefined) reportFault(new Error(unknownStructure));
    return wire;
  } catch (err) {
    reportFault(err);
    return undefined;
  }
}

const unknownStructure =
  "this version of @grpc/grpc-js does not have the server call structure the runtime reads " +
  "(it supports @grpc/grpc-js ^1.10.10); server calls are not recorded";

/**
 * recordServerCall starts recording one server call from what goes over
 * its HTTP/2 stream: started now; each message sent once grpc-js has
 * serialized and written it; handled exactly once, when the stream closes,
 * with the status the caller received. It returns the call's reporter, for
 * the wrapper to count requests with, or undefined when the call is not
 * recorded here (no wire, or an outer wrapper records it).
 */
export function recordServerCall(
  call: DeadlineCall,
  wire: ServerWire | undefined,
  record: MethodRecord,
  oneResponse: boolean,
): CallReporter | undefined {
  if (wire === undefined) return undefined;
  const base = wire.base as { [recorded]?: true };
  if (base[recorded]) return undefined;
  base[recorded] = true;
  let rec = record;
  let exemplar: Labels | undefined;
  // Read only with context labels or exemplars on: with neither, a call pays nothing for them.
  if (record.context !== undefined || record.exemplars !== undefined) {
    const metadata = metadataOf(call);
    // With context labels, the call's record is the one of its values.
    if (record.context !== undefined) rec = record.context.of({ path: record.path, metadata });
    exemplar = rec.exemplars?.({ path: rec.path, metadata });
  }
  const r = new CallReporter(rec, exemplar);
  let written = 0;
  try {
    onMessageWritten(wire.base, () => {
      written++;
      if (!r.finished) r.sentMessage();
    });
    const { stream } = wire;
    // Whether the caller's input ended before the server sent a status: see endCode.
    let inputEndedFirst = stream.readableEnded;
    // "end" and "close" come once each: on(), not once(), whose wrapper costs more.
    if (!inputEndedFirst) stream.on("end", () => (inputEndedFirst = sentStatusCode(stream) === undefined));
    const end = () => r.handled(endCode(call, stream, inputEndedFirst, oneResponse && written === 0));
    // A stream already destroyed may have emitted "close" before the handler ran.
    if (stream.destroyed) setImmediate(end);
    else stream.on("close", end);
  } catch (err) {
    reportFault(err);
  }
  return r;
}

/** metadataOf reads the request metadata of a handler's call object; the object a server interceptor is given has none yet. */
function metadataOf(call: object): Metadata | undefined {
  const md = (call as { metadata?: unknown }).metadata;
  return typeof md === "object" && md !== null ? (md as Metadata) : undefined;
}

/**
 * endCode is the status the caller of a closed stream received: the one
 * the server sent, unless the caller gave up first. A stream closed with
 * none sent is one the caller abandoned (it reset the stream, at its
 * deadline or by cancelling). A caller whose input ended before the server
 * sent its status, and that then reset the stream with CANCEL, gave up
 * before that status left: had it gone out, the stream would have closed
 * cleanly, both sides ended. (That is how a grpc-js client cancels: it ends
 * its input, then resets.) Such a caller saw Canceled, or DeadlineExceeded,
 * whatever the server sent after. A peer that resets a stream whose status
 * it has received, as grpc-go does when it had not ended its own input, got
 * that status. A one-response call that ended OK without its response is
 * reported to its caller as Unimplemented by gRPC clients, and so counted.
 */
function endCode(call: DeadlineCall, stream: ServerHttp2Stream, inputEndedFirst: boolean, noResponse: boolean): number {
  const gaveUp = inputEndedFirst && stream.rstCode === constants.NGHTTP2_CANCEL;
  const code = (gaveUp ? undefined : sentStatusCode(stream)) ?? cancelCode(call);
  return noResponse && code === codeOk ? codeUnimplemented : code;
}

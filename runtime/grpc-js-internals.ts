// The one place the runtime reads grpc-js's private structure, and why.
//
// grpc-js itself ends many calls without the handler: a request it cannot
// decode or that is over grpc.max_receive_message_length, a response that
// fails to serialize or is over grpc.max_send_message_length, a deadline, an
// interceptor's answer. It sends those statuses from its innermost call
// object (BaseServerInterceptingCall) straight to the HTTP/2 stream, past
// every interceptor and every event a handler or a public server interceptor
// sees: both see only that the call ended ("cancelled", onCancel). What went
// over the wire is known only on the HTTP/2 stream, and a message is known
// to be written only by the callback of that object's sendMessage. So the
// server side reads, from the call object grpc-js hands a handler:
//
// - `call.call`: the ServerInterceptingCallInterface the handler's call
//   object wraps (the outermost interceptor, or the base call); a server
//   interceptor is given the next of these objects, publicly;
// - `.nextCall`, from each ServerInterceptingCall to the next, down to the
//   base call, which has
// - `.stream`: the http2.ServerHttp2Stream of the call, whose public Node.js
//   API (`sentHeaders`, `sentTrailers`, `rstCode`, "close") tells what went out;
// - `sendMessage(message, callback)`: a method of grpc-js's public
//   ServerInterceptingCallInterface, replaced on that one object so that each
//   message is counted when grpc-js has serialized it and written it.
//
// These have been the same from grpc-js 1.10.0, where this call structure
// came with server interceptors, to 1.14.7; CI runs the server tests on the
// lowest, a middle and the highest version the peer range admits. Where they
// are not found, serverCallOf returns undefined and the call is not recorded
// (reported once as a process warning), rather than recorded wrongly.

import type { ServerHttp2Stream } from "node:http2";
import type { ServerInterceptingCallInterface } from "@grpc/grpc-js";

/** ServerWire is what the runtime reads of one server call below its handler. */
export interface ServerWire {
  /** stream is the call's HTTP/2 stream. */
  readonly stream: ServerHttp2Stream;
  /** top is the outermost call object: what the handler's own answers go through, interceptors included. */
  readonly top: ServerInterceptingCallInterface;
  /** base is grpc-js's innermost call object, the one that writes to the stream. */
  readonly base: BaseCall;
}

/** BaseCall is the part of grpc-js's BaseServerInterceptingCall the runtime uses. */
interface BaseCall {
  sendMessage(message: unknown, callback: () => void): void;
}

// Interceptors beyond this are not a chain any server has; the bound stops a cycle.
const maxDepth = 64;

/**
 * serverCallOf finds, from the call object grpc-js hands a handler, the
 * HTTP/2 stream and grpc-js's own call objects; undefined where grpc-js's
 * structure is not the one this runtime knows.
 */
export function serverCallOf(call: object): ServerWire | undefined {
  return serverCallBelow((call as { call?: unknown }).call);
}

/**
 * serverCallBelow finds the HTTP/2 stream and grpc-js's base call below
 * one of its server call objects (the one a server interceptor is given,
 * or the one a handler's call object wraps), following `.nextCall`.
 */
export function serverCallBelow(top: unknown): ServerWire | undefined {
  if (!isObject(top)) return undefined;
  let c: unknown = top;
  for (let i = 0; i < maxDepth && isObject(c); i++) {
    const stream = (c as { stream?: unknown }).stream;
    if (isStream(stream)) {
      if (typeof (c as Partial<BaseCall>).sendMessage !== "function") return undefined;
      return { stream, top: top as ServerInterceptingCallInterface, base: c as BaseCall };
    }
    c = (c as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

/**
 * onMessageWritten calls written each time grpc-js has serialized a message
 * of this call and the stream has accepted it, just before grpc-js's own
 * callback. A message that fails to serialize, is too large, or whose write
 * fails is not reported: grpc-js never calls back for it.
 */
export function onMessageWritten(base: BaseCall, written: () => void): void {
  const send = base.sendMessage;
  base.sendMessage = function (this: BaseCall, message: unknown, callback: () => void): void {
    send.call(this, message, () => {
      written();
      callback();
    });
  };
}

/** sentStatusCode reads the grpc-status the server sent on a stream: in its trailers, or a trailers-only response; undefined if none. */
export function sentStatusCode(stream: ServerHttp2Stream): number | undefined {
  const raw = stream.sentTrailers?.["grpc-status"] ?? stream.sentHeaders?.["grpc-status"];
  if (raw === undefined) return undefined;
  const code = Number(raw);
  return Number.isInteger(code) ? code : undefined;
}

function isObject(v: unknown): v is object {
  return typeof v === "object" && v !== null;
}

function isStream(v: unknown): v is ServerHttp2Stream {
  return isObject(v) && typeof (v as ServerHttp2Stream).once === "function" && "rstCode" in v && "sentHeaders" in v;
}

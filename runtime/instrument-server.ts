import { types } from "node:util";
import type {
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  ServiceError,
  sendUnaryData,
} from "@grpc/grpc-js";
import type { CallReporter } from "./call-reporter.js";
import type { GrpcType } from "./contract.js";
import { reportFault } from "./fault.js";
import type { ServerWire } from "./grpc-js-internals.js";
import type { MethodRecord } from "./method-record.js";
import type { MethodTable } from "./method-table.js";
import { recordServerCall, wireOf } from "./server-call.js";
import { defaultServerMetrics, ServerMetrics } from "./server-metrics.js";
import { type StatusError, unimplementedError, unknownError } from "./status.js";

type Handler = (call: never, callback?: never) => unknown;
type Wrapped = (call: never, callback: never) => void;

/**
 * instrumentServer wraps every method of a grpc-js service implementation
 * named in the table, returning the object to hand to `server.addService()`.
 * Generated `instrumentXServer()` functions call it; what a client sees is
 * unchanged, except that a handler whose promise rejects ends its call with
 * Unknown instead of leaving it open, and a method the implementation lacks
 * answers Unimplemented as grpc-js would, and is counted.
 */
export function instrumentServer<Impl extends object>(
  table: MethodTable,
  impl: Impl,
  metrics: ServerMetrics = defaultServerMetrics(),
): Impl {
  if (!(metrics instanceof ServerMetrics)) {
    throw new TypeError("instrumentServer: metrics must be a ServerMetrics");
  }
  if (impl === null || (typeof impl !== "object" && typeof impl !== "function")) {
    throw new TypeError("instrumentServer: the implementation must be an object of handlers");
  }
  const out: Record<string, Wrapped> = {};
  for (const key of Object.keys(table)) {
    const labels = table[key]!;
    const fn = handlerOf(impl, key);
    if (fn !== undefined && typeof fn !== "function") {
      throw new TypeError(
        `instrumentServer: ${labels.grpcService}/${labels.grpcMethod}: implementation.${key} is a ${typeof fn}, not a function`,
      );
    }
    // grpc-js calls handlers bound to the implementation; so do we.
    const handler = fn === undefined ? undefined : (fn as Handler).bind(impl);
    // defineProperty, not assignment: a key such as "__proto__" must stay an own property.
    Object.defineProperty(out, key, {
      value: wrap(labels.grpcType, key, handler, metrics.method(labels)),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out as Impl;
}

/**
 * handlerOf reads the handler of a method from an implementation, as grpc-js
 * would, except that what every object inherits (Object.prototype's
 * `constructor`, `toString`, `__proto__`, ...) or a class instance's
 * `constructor` is no handler: a method of that name left unimplemented
 * answers Unimplemented instead of calling something that never answers.
 */
function handlerOf(impl: object, key: string): unknown {
  for (let o: object | null = impl; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    const d = Object.getOwnPropertyDescriptor(o, key);
    if (d === undefined) continue;
    // A class's prototype holds the class itself as `constructor`.
    if (key === "constructor" && o !== impl) return undefined;
    return "value" in d ? d.value : d.get?.call(impl);
  }
  return undefined;
}

function wrap(type: GrpcType, key: string, handler: Handler | undefined, record: MethodRecord): Wrapped {
  switch (type) {
    case "unary":
      return wrapUnary(key, handler, record) as Wrapped;
    case "client_stream":
      return wrapClientStream(key, handler, record) as Wrapped;
    case "server_stream":
      return wrapServerStream(key, handler, record) as Wrapped;
    case "bidi_stream":
      return wrapBidiStream(key, handler, record) as Wrapped;
    default:
      throw new TypeError(`instrumentServer: method ${key} has an unknown grpc_type ${String(type)}`);
  }
}

function wrapUnary(key: string, handler: Handler | undefined, record: MethodRecord) {
  return wrapOneResponse(key, handler, record, (_call, r) => r.receivedMessage());
}

function wrapClientStream(key: string, handler: Handler | undefined, record: MethodRecord) {
  return wrapOneResponse(key, handler, record, countReceived);
}

/** wrapOneResponse wraps a unary or client-streaming handler; they differ only in how requests are counted. */
function wrapOneResponse<Call extends ServerUnaryCall<unknown, unknown> | ServerReadableStream<unknown, unknown>>(
  key: string,
  handler: Handler | undefined,
  record: MethodRecord,
  countRequests: (call: Call, r: CallReporter) => void,
) {
  return (call: Call, callback: sendUnaryData<unknown>): void => {
    const r = recordServerCall(call, wireOf(call), record, true);
    if (r !== undefined) countRequests(call, r);
    if (handler === undefined) {
      callback(unimplementedError(key) as ServiceError, null);
      return;
    }
    let answered = false;
    const respond: sendUnaryData<unknown> = (err, value, trailer, flags) => {
      answered = true;
      callback(err, value, trailer, flags);
    };
    invoke(handler, call, respond, () => {
      if (!answered) respond(unknownError as ServiceError, null);
    });
  };
}

function wrapServerStream(key: string, handler: Handler | undefined, record: MethodRecord) {
  return wrapStreamingResponse(key, handler, record, (_call, r) => r.receivedMessage());
}

function wrapBidiStream(key: string, handler: Handler | undefined, record: MethodRecord) {
  return wrapStreamingResponse<ServerDuplexStream<unknown, unknown>>(key, handler, record, countReceived);
}

/** wrapStreamingResponse wraps a server-streaming or bidi handler; they differ only in how requests are counted. */
function wrapStreamingResponse<
  Call extends ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
>(
  key: string,
  handler: Handler | undefined,
  record: MethodRecord,
  countRequests: (call: Call, r: CallReporter) => void,
) {
  return (call: Call): void => {
    const wire = wireOf(call);
    const r = recordServerCall(call, wire, record, false);
    if (r !== undefined) countRequests(call, r);
    if (handler === undefined) call.emit("error", unimplementedError(key));
    else invoke(handler, call, undefined, () => failStream(call, wire));
  };
}

const isPromise = types.isPromise;
const promiseThen = Promise.prototype.then;

/**
 * invoke runs the user's handler; a throw goes to grpc-js, which answers it
 * with Unknown, as without us. A returned promise that rejects goes to
 * `rejected`, which ends the call if nothing else has. Only a real promise
 * is looked at, through Promise.prototype.then: anything else a handler
 * returns (a query builder's lazy thenable, say) is left alone, untouched.
 */
function invoke(
  handler: Handler,
  call: object,
  callback: sendUnaryData<unknown> | undefined,
  rejected: () => void,
): void {
  const result = (handler as (call: object, callback?: sendUnaryData<unknown>) => unknown)(call, callback);
  if (isPromise(result)) promiseThen.call(result, undefined, rejected);
}

/** countReceived counts each request message as grpc-js hands it to the stream. */
function countReceived(
  call: ServerReadableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
  r: CallReporter,
): void {
  const push = call.push;
  call.push = function (this: typeof call, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null) r.receivedMessage();
    return push.call(this, chunk, encoding);
  };
}

/**
 * failStream ends a stream whose handler rejected with Unknown, unless the
 * handler already ended it. A stream the handler's `for await` loop
 * destroyed as it threw can no longer send its status through the stream:
 * it goes out through grpc-js's call objects, interceptors included.
 */
function failStream(
  call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
  wire: ServerWire | undefined,
): void {
  if (call.writableEnded) return;
  if (!call.destroyed) {
    call.emit("error", unknownError satisfies StatusError);
    return;
  }
  try {
    wire?.top.sendStatus({ ...unknownError, metadata: null });
  } catch (err) {
    reportFault(err);
  }
}

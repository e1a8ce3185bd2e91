import type {
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  ServiceError,
  sendUnaryData,
} from "@grpc/grpc-js";
import { CallReporter } from "./call-reporter.js";
import { codeOk, codeUnknown, type GrpcType } from "./contract.js";
import type { MethodRecord } from "./method-record.js";
import type { MethodTable } from "./method-table.js";
import { defaultServerMetrics, ServerMetrics } from "./server-metrics.js";
import { answerCode, cancelCode, errorCode, type StatusError, unimplementedError, unknownError } from "./status.js";

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
    const r = new CallReporter(record);
    countRequests(call, r);
    const end = unaryEnd(call, r, callback);
    if (handler === undefined) end.respond(unimplementedError(key) as ServiceError);
    else invoke(handler, call, end.respond, end.threw, end.rejected);
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
    const r = new CallReporter(record);
    countRequests(call, r);
    watchWritable(call, r);
    if (handler === undefined) call.emit("error", unimplementedError(key));
    else
      invoke(
        handler,
        call,
        undefined,
        () => r.handled(codeUnknown),
        () => failStream(call),
      );
  };
}

/**
 * invoke runs the user's handler. A throw is passed to `threw` and rethrown
 * for grpc-js to answer, as it does without us; a returned promise that
 * rejects goes to `rejected`, which ends the call if nothing else has.
 */
function invoke(
  handler: Handler,
  call: object,
  callback: sendUnaryData<unknown> | undefined,
  threw: () => void,
  rejected: () => void,
): void {
  let result: unknown;
  try {
    result = (handler as (call: object, callback?: sendUnaryData<unknown>) => unknown)(call, callback);
  } catch (err) {
    threw();
    throw err;
  }
  if (typeof result === "object" && result !== null && typeof (result as PromiseLike<unknown>).then === "function") {
    (result as PromiseLike<unknown>).then(undefined, rejected);
  }
}

/**
 * unaryEnd follows a call with one response (unary, client-streaming) to its
 * end. grpc-js sends an error answer's status at once, but a value's only
 * once the value is written, so a second answer, or a throw, can still
 * replace a first value: the code that went out is known when grpc-js emits
 * "cancelled", which it does after every call, and the call is counted then.
 * A call that ended with no answer was cancelled, or ran out of time.
 */
function unaryEnd(call: CancellableCall, r: CallReporter, callback: sendUnaryData<unknown>) {
  let answer: number | undefined;
  const answered = (code: number) => {
    // The first error is final; a value stands until an error replaces it.
    if (answer === undefined || (answer === codeOk && code !== codeOk)) answer = code;
  };
  call.on("cancelled", () => {
    if (answer === undefined) {
      r.handled(cancelCode(call));
    } else if (r.handled(answer) && answer === codeOk) {
      r.sentMessage();
    }
  });
  const respond: sendUnaryData<unknown> = (err, value, trailer, flags) => {
    if (!r.finished) answered(answerCode(call, err ? errorCode(err) : codeOk));
    callback(err, value, trailer, flags);
  };
  return {
    respond,
    threw: () => answered(codeUnknown),
    rejected: () => {
      if (answer === undefined && !r.finished) respond(unknownError as ServiceError);
    },
  };
}

/** CancellableCall is the part of every grpc-js server call the wrappers watch for its end. */
interface CancellableCall {
  on(event: "cancelled", listener: () => void): unknown;
  getDeadline(): Date | number;
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
 * watchWritable follows a server-streaming or bidi call to its end: each
 * message as the stream hands it to grpc-js is counted as sent; the status is
 * the one grpc-js sends when the stream finishes, OK unless an error was
 * emitted (the last one wins, as in grpc-js).
 */
function watchWritable(
  call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
  r: CallReporter,
): void {
  let code = codeOk;
  // Prepended: grpc-js's own listener ends the stream, and ours must see the code first.
  call.prependListener("error", (err: unknown) => {
    code = errorCode(err);
  });
  call.on("prefinish", () => r.handled(answerCode(call, code)));
  // grpc-js emits "cancelled" after every call; one that finished first is counted already.
  call.on("cancelled", () => r.handled(cancelCode(call)));
  const write = call._write;
  call._write = function (
    this: typeof call,
    chunk: unknown,
    encoding: BufferEncoding,
    cb: (error?: Error | null) => void,
  ): void {
    if (!r.finished) r.sentMessage();
    write.call(this, chunk, encoding, cb);
  };
}

/** failStream ends a stream whose handler rejected with Unknown, unless the handler already ended it. */
function failStream(call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>): void {
  if (!call.writableEnded) call.emit("error", unknownError satisfies StatusError);
}

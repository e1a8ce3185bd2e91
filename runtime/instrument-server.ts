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
import { recordServerCall, wireOf } from "./server-call.js";
import { defaultServerMetrics, ServerMetrics } from "./server-metrics.js";
import { methodEntries, type ServiceMethods } from "./service-definition.js";
import { type StatusError, unimplementedError, unknownError } from "./status.js";

type Handler = (call: never, callback?: never) => unknown;
type Wrapped = (call: never, callback: never) => void;

// Marks the handlers instrumentServer returns, so that wrapping them again fails.
const wrapped = Symbol("protoc-gen-grpc-prom instrumented");

/** Method is what a wrapper knows of the method it serves. */
interface Method {
  readonly key: string;
  readonly handler: Handler | undefined;
  readonly record: MethodRecord;
  /** warned: a call on another path was reported already. */
  warned: boolean;
}

/**
 * instrumentServer wraps every method of a grpc-js service implementation,
 * returning the object to hand to `server.addService()`. The service's
 * methods come from a generated method table (generated
 * `instrumentXServer()` functions pass theirs) or from the service's grpc-js
 * `ServiceDefinition`, the object given to `server.addService()`, whoever
 * made it: proto-loader, grpc-tools, protobuf-ts or ts-proto. Handlers are
 * looked up as grpc-js looks them up: by the method's key, then by the
 * definition's `originalName`. What a client sees is unchanged, except that
 * a handler whose promise rejects ends its call with Unknown instead of
 * leaving it open, and a method the implementation lacks answers
 * Unimplemented as grpc-js would, and is counted.
 */
export function instrumentServer<Impl extends object>(
  service: ServiceMethods,
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
  for (const entry of methodEntries(service, "instrumentServer")) {
    const { key, originalName } = entry;
    let name = key;
    let fn = handlerOf(impl, key);
    if (fn === undefined && originalName !== undefined) {
      name = originalName;
      fn = handlerOf(impl, originalName);
    }
    if (fn !== undefined && typeof fn !== "function") {
      throw new TypeError(
        `instrumentServer: ${entry.grpcService}/${entry.grpcMethod}: implementation.${name} is a ${typeof fn}, not a function`,
      );
    }
    if (typeof fn === "function" && wrapped in fn) {
      throw new TypeError(
        `instrumentServer: ${entry.grpcService}/${entry.grpcMethod}: implementation.${name} is instrumented already; ` +
          "pass the plain implementation, and wrap it once",
      );
    }
    // grpc-js calls handlers bound to the implementation; so do we.
    const handler = fn === undefined ? undefined : (fn as Handler).bind(impl);
    const method: Method = { key, handler, record: metrics.method(entry), warned: false };
    const w = wrap(entry.grpcType, method);
    Object.defineProperty(w, wrapped, { value: true });
    // defineProperty, not assignment: a key such as "__proto__" must stay an own property.
    Object.defineProperty(out, key, { value: w, enumerable: true, writable: true, configurable: true });
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

function wrap(type: GrpcType, m: Method): Wrapped {
  switch (type) {
    case "unary":
      return wrapOneResponse(m, (_call, r) => r.receivedMessage()) as Wrapped;
    case "client_stream":
      return wrapOneResponse(m, countReceived) as Wrapped;
    case "server_stream":
      return wrapStreamingResponse(m, (_call, r) => r.receivedMessage()) as Wrapped;
    case "bidi_stream":
      return wrapStreamingResponse<ServerDuplexStream<unknown, unknown>>(m, countReceived) as Wrapped;
    default:
      throw new TypeError(`instrumentServer: method ${m.key} has an unknown grpc_type ${String(type)}`);
  }
}

/**
 * onPath says whether a call came for the method a wrapper was made for. A
 * wrapper handed to `server.addService()` with another service's
 * definition serves that service's paths: its calls are not counted, as
 * counting them under this method's labels would be wrong, and the first is
 * reported, once per method, as a process warning that says how to fix it.
 */
function onPath(call: { getPath?(): string }, m: Method): boolean {
  let path: string | undefined;
  try {
    path = call.getPath?.();
  } catch (err) {
    reportFault(err);
    return true;
  }
  if (path === undefined || path === m.record.path) return true;
  if (!m.warned) {
    m.warned = true;
    try {
      process.emitWarning(
        `the instrumented handler of ${m.record.path} serves ${path}: the implementation instrumentXServer() wrapped was ` +
          "handed to server.addService() with another service's definition; its calls are not counted",
        { code: "GRPC_PROM_WRONG_SERVICE", type: "protoc-gen-grpc-prom" },
      );
    } catch {
      // A warning that cannot be emitted must not fail the call.
    }
  }
  return false;
}

/** wrapOneResponse wraps a unary or client-streaming handler; they differ only in how requests are counted. */
function wrapOneResponse<Call extends ServerUnaryCall<unknown, unknown> | ServerReadableStream<unknown, unknown>>(
  m: Method,
  countRequests: (call: Call, r: CallReporter) => void,
) {
  const { key, handler, record } = m;
  return (call: Call, callback: sendUnaryData<unknown>): void => {
    const r = onPath(call, m) ? recordServerCall(call, wireOf(call), record, true) : undefined;
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

/** wrapStreamingResponse wraps a server-streaming or bidi handler; they differ only in how requests are counted. */
function wrapStreamingResponse<
  Call extends ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
>(m: Method, countRequests: (call: Call, r: CallReporter) => void) {
  const { key, handler, record } = m;
  return (call: Call): void => {
    const wire = wireOf(call);
    const r = onPath(call, m) ? recordServerCall(call, wire, record, false) : undefined;
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

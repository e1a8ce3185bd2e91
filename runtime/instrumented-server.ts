import { Server, ServerInterceptingCall, type ServerInterceptor, type ServerOptions } from "@grpc/grpc-js";
import type { CallReporter } from "./call-reporter.js";
import type { MethodRecord } from "./method-record.js";
import { recordServerCall, wireBelow } from "./server-call.js";
import { defaultServerMetrics, ServerMetrics } from "./server-metrics.js";
import { methodOfPath } from "./service-definition.js";

/**
 * InstrumentedServer is grpc-js's `Server`, recording the grpc_server_*
 * metrics of go-grpc-prometheus for every service added to it, whoever
 * generated it: ts-proto, proto-loader, grpc-tools, protobuf-ts, and the
 * services packages add themselves (grpc-health-check, @grpc/reflection).
 * One step per server: `new InstrumentedServer(options?, metrics?)` where
 * `new Server(options?)` was.
 *
 * Every method added (by `addService` or `register`) gets its label sets
 * at zero as it is added, before any call; label values come from the
 * method's path and flags, never from a request. Each call is counted by a
 * server interceptor placed first among the server's interceptors, which
 * grpc-js makes as the call arrives, before it reads the request: so a call
 * whose request grpc-js cannot read is counted too, with the status it
 * sent. A call is counted once, whatever else records it: an implementation
 * also wrapped by instrumentServer() is counted here, with the same labels.
 */
export class InstrumentedServer extends Server {
  /** metrics receives the counts of every call of this server. */
  readonly metrics: ServerMetrics;
  private readonly records: Map<string, MethodRecord>;

  constructor(options?: ServerOptions, metrics: ServerMetrics = defaultServerMetrics()) {
    if (!(metrics instanceof ServerMetrics)) {
      throw new TypeError("InstrumentedServer: the second argument must be a ServerMetrics");
    }
    const records = new Map<string, MethodRecord>();
    // First in the array: grpc-js makes the first interceptor innermost, next to its own call object.
    super({ ...options, interceptors: [metricsInterceptor(records), ...(options?.interceptors ?? [])] });
    this.metrics = metrics;
    this.records = records;
  }

  /**
   * register is grpc-js's (addService calls it for each method); a method
   * added here gets its series, at zero, and its calls are counted. A method
   * whose path is not a gRPC method path ("/package.Service/Method") is
   * served but not counted, and a process warning says so.
   */
  override register<RequestType, ResponseType>(
    ...args: Parameters<typeof Server.prototype.register<RequestType, ResponseType>>
  ): boolean {
    const added = super.register(...args);
    if (added) this.declare(args[0], args[4]);
    return added;
  }

  private declare(path: string, type: string): void {
    const flags = handlerTypes[type];
    const labels = flags && methodOfPath(path, flags[0], flags[1]);
    if (labels === undefined) {
      warnUncounted(path, type);
      return;
    }
    this.records.set(path, this.metrics.method(labels));
  }
}

// grpc-js's handler types, as requestStream and responseStream.
const handlerTypes: Readonly<Record<string, readonly [boolean, boolean]>> = {
  unary: [false, false],
  clientStream: [true, false],
  serverStream: [false, true],
  bidi: [true, true],
};

/**
 * metricsInterceptor counts each call of a method that has a record: from
 * its HTTP/2 stream, below it, as instrumentServer() does (see
 * server-call.ts), and each request message as grpc-js decodes it and
 * passes it on. A call already recorded (a second InstrumentedServer
 * interceptor on the chain) passes untouched.
 */
function metricsInterceptor(records: ReadonlyMap<string, MethodRecord>): ServerInterceptor {
  return (descriptor, next) => {
    const record = records.get(descriptor.path);
    const oneResponse = !descriptor.responseStream;
    if (record === undefined) return new ServerInterceptingCall(next);
    const { exemplars, path, context } = record;
    if (context !== undefined) return withContextLabels(next, record, context, oneResponse);
    const r = recordServerCall(next, wireBelow(next), record, oneResponse);
    if (r === undefined) return new ServerInterceptingCall(next);
    return new ServerInterceptingCall(next, {
      start(startNext) {
        startNext({
          // The exemplar's labels, from the request metadata, which arrives after the call starts.
          ...(exemplars && {
            onReceiveMetadata(metadata, metadataNext) {
              r.exemplar = exemplars({ path, metadata });
              metadataNext(metadata);
            },
          }),
          onReceiveMessage(message, receivedNext) {
            r.receivedMessage();
            receivedNext(message);
          },
        });
      },
    });
  };
}

/**
 * withContextLabels records a call whose context labels come from its
 * request metadata: grpc-js hands the metadata to the interceptor as it
 * starts the call (before it reads any message), so the call is counted
 * from there, under the record of its values.
 */
function withContextLabels(
  next: Parameters<ServerInterceptor>[1],
  record: MethodRecord,
  context: NonNullable<MethodRecord["context"]>,
  oneResponse: boolean,
): ServerInterceptingCall {
  let r: CallReporter | undefined;
  return new ServerInterceptingCall(next, {
    start(startNext) {
      startNext({
        onReceiveMetadata(metadata, metadataNext) {
          const rec = context.of({ path: record.path, metadata });
          r = recordServerCall(next, wireBelow(next), rec, oneResponse);
          if (r !== undefined && rec.exemplars !== undefined) r.exemplar = rec.exemplars({ path: rec.path, metadata });
          metadataNext(metadata);
        },
        onReceiveMessage(message, receivedNext) {
          r?.receivedMessage();
          receivedNext(message);
        },
      });
    },
  });
}

const warned = new Set<string>();

function warnUncounted(path: string, type: string): void {
  if (warned.has(path)) return;
  warned.add(path);
  try {
    process.emitWarning(
      `InstrumentedServer: method ${JSON.stringify(path)} (${type}) is served but not counted: ` +
        'its path is not a gRPC method path ("/package.Service/Method")',
      { code: "GRPC_PROM_UNCOUNTED_METHOD", type: "protoc-gen-grpc-prom" },
    );
  } catch {
    // A warning that cannot be emitted must not fail the registration.
  }
}

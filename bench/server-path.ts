// The server child of the instructions measure (bench/instructions.ts).
//
// "plain", "plain-again" and "ours" hand n unary calls to the service's ping
// handler, plain or wrapped by instrumentTestServiceServer, in process: each
// call is an object with what grpc-js's server call offers a unary handler,
// over a stand-in for grpc-js's own call objects and HTTP/2 stream (what
// runtime/grpc-js-internals.ts reads): the answer is written through the
// base call's sendMessage, its status set as the stream's trailers, and the
// stream closes on the next tick, as over the network. What the wrapper adds
// to a call is all that differs. "plain-loopback" serves the
// plain service on 127.0.0.1 (its port on stdout) until n calls are answered:
// the whole server side of a real call, to set the others against;
// "ours-loopback" serves it wrapped by instrumentServer, and
// "instrumented-server-loopback" unwrapped on an InstrumentedServer (its
// server interceptor), each with the same real calls.
//
//   node --import tsx bench/server-path.ts <kind> <n>
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { Metadata, Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import {
  type PingRequest,
  type PingResponse,
  type TestServiceServer,
  TestServiceService,
} from "../testdata/gen/test.js";
import { TestServiceMethods } from "../testdata/gen/test_grpc_prom.js";

// The runtime as it ships (see bookkeeping.ts).
const require = createRequire(import.meta.url);
const { ServerMetrics, instrumentServer, InstrumentedServer } =
  require("../dist/runtime/index.js") as typeof import("../runtime/index.js");

export const serverPathKinds = [
  "plain",
  "plain-again",
  "ours",
  "plain-loopback",
  "ours-loopback",
  "instrumented-server-loopback",
] as const;
export type ServerPathKind = (typeof serverPathKinds)[number];

type Ping = (call: ServerUnaryCall<PingRequest, PingResponse>, callback: sendUnaryData<PingResponse>) => void;

/** AnsweredStream stands in for a call's HTTP/2 stream: what was sent on it, and "close". */
class AnsweredStream extends EventEmitter {
  readonly rstCode = 0;
  // A unary handler runs once grpc-js has read the request and its end.
  readonly readableEnded = true;
  readonly sentHeaders = {};
  sentTrailers: Record<string, number> | undefined = undefined;
  readonly destroyed = false;
}

/** BaseCall stands in for grpc-js's innermost server call: it writes to the stream at once. */
class BaseCall {
  readonly stream = new AnsweredStream();
  sendMessage(_message: unknown, callback: () => void): void {
    callback();
  }
}

/** AnsweredCall is a unary server call as its handler sees it, without the network. */
class AnsweredCall extends EventEmitter {
  readonly metadata = new Metadata();
  cancelled = false;
  readonly call = new BaseCall();
  constructor(readonly request: PingRequest) {
    super();
  }
  getDeadline(): number {
    return Number.POSITIVE_INFINITY;
  }
  getPeer(): string {
    return "answered";
  }
  getPath(): string {
    return "/mwitkow.testproto.TestService/Ping";
  }
  sendMetadata(): void {}
}

/** answerCalls hands n calls to ping, 32 at a time, each ended on the next tick as grpc-js ends a call. */
async function answerCalls(ping: Ping, n: number): Promise<void> {
  const request: PingRequest = { value: "v", sleepTimeMs: 0, errorCodeReturned: 0 };
  let answered = 0;
  for (let made = 0; made < n; ) {
    for (let i = 0; i < 32 && made < n; i++, made++) {
      const call = new AnsweredCall(request);
      const base = call.call;
      // As grpc-js's own callback: write the answer, then send OK as the trailers.
      const callback: sendUnaryData<PingResponse> = (err, value) => {
        if (err) throw err;
        base.sendMessage(value, () => {
          base.stream.sentTrailers = { "grpc-status": 0 };
          answered++;
        });
      };
      ping(call as unknown as ServerUnaryCall<PingRequest, PingResponse>, callback);
      process.nextTick(() => {
        base.stream.emit("close");
        call.emit("cancelled");
      });
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (answered !== n) throw new Error(`server-path: ${answered} of ${n} calls answered`);
}

/** pingService answers Ping with its request's value: the service every plain contender runs. */
const pingService = {
  ping: ((call, callback) => callback(null, { Value: call.request.value, counter: 1 })) as Ping,
} as Partial<TestServiceServer> as TestServiceServer;

/**
 * servePlain serves pingService on 127.0.0.1, calling answered after each
 * answer, and resolves with the server and its port: uninstrumented, or, as
 * `how` says, wrapped by instrumentServer, or on an InstrumentedServer.
 */
export async function servePlain(
  answered: () => void = () => {},
  how: "plain" | "wrapped" | "instrumented-server" = "plain",
): Promise<{ server: Server; port: number }> {
  const metrics =
    how === "plain" ? undefined : new ServerMetrics({ registry: new Registry(), handlingTimeHistogram: true });
  const server = how === "instrumented-server" ? new InstrumentedServer({}, metrics) : new Server();
  const impl: TestServiceServer = {
    ...pingService,
    ping: (call: ServerUnaryCall<PingRequest, PingResponse>, callback: sendUnaryData<PingResponse>) =>
      pingService.ping(call, (err, value) => {
        callback(err, value);
        answered();
      }),
  };
  server.addService(TestServiceService, how === "wrapped" ? instrumentServer(TestServiceMethods, impl, metrics) : impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server, port };
}

if (process.argv[1]?.endsWith("server-path.ts")) {
  const [kind, n] = [process.argv[2] as ServerPathKind, Number(process.argv[3])];
  if (!serverPathKinds.includes(kind) || !Number.isInteger(n) || n < 1) {
    throw new Error(`usage: server-path.ts <${serverPathKinds.join("|")}> <calls>`);
  }
  if (kind.endsWith("-loopback")) {
    // Serve until n calls are answered, then leave: callgrind reports as the process exits.
    let answered = 0;
    const how = kind === "plain-loopback" ? "plain" : kind === "ours-loopback" ? "wrapped" : "instrumented-server";
    const { server, port } = await servePlain(() => {
      if (++answered === n) setImmediate(() => server.tryShutdown(() => process.exit(0)));
    }, how);
    process.stdout.write(`${port}\n`);
  } else {
    const registry = new Registry();
    const metrics = new ServerMetrics({ registry, handlingTimeHistogram: true });
    const ping =
      kind === "ours" ? (instrumentServer(TestServiceMethods, pingService, metrics).ping as Ping) : pingService.ping;
    await answerCalls(ping, n);
    // The wrapper counted every call: else the count would be of something else.
    const handled = (await registry.metrics())
      .split("\n")
      .find(
        (l) =>
          l.startsWith("grpc_server_handled_total{") &&
          l.includes('grpc_code="OK"') &&
          l.includes('grpc_method="Ping"'),
      )
      ?.split(" ")[1];
    if (kind === "ours" && Number(handled) !== n) throw new Error(`server-path: counted ${handled} calls, not ${n}`);
  }
}

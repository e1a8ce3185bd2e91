// The server child of measure 2 (bench/e2e.ts): serves mwitkow.testproto.TestService
// on 127.0.0.1, on a port the OS picks, with the stack named by its argument,
// and answers the parent's CPU readings until told to exit.
//
//   node --import tsx bench/e2e-server.ts <ServerKind>
import type { ServiceImplementation } from "nice-grpc";
import type { Empty, PingRequest, PingResponse, TestServiceService } from "../testdata/gen/test.js";
import { startProfile, stopProfile } from "./e2e-profiler.js";
import { messagesPerStream, type ServerKind, sendToParent, serverKinds, type ToServer } from "./e2e-protocol.js";

/**
 * niceService is test/support/test-service.ts's behaviour for the paths the
 * benchmark takes (no sleeps, no errors asked for), written as nice-grpc
 * handlers over the same grpc-js service definition and ts-proto codecs.
 */
const niceService: ServiceImplementation<typeof TestServiceService> = {
  async pingEmpty(_request: Empty): Promise<PingResponse> {
    return { Value: "I like kittens.", counter: 42 };
  },
  async ping(request: PingRequest): Promise<PingResponse> {
    return { Value: request.value, counter: 42 };
  },
  async pingError(): Promise<Empty> {
    return {};
  },
  async *pingList(request: PingRequest): AsyncGenerator<PingResponse> {
    for (let i = 0; i < messagesPerStream; i++) yield { Value: request.value, counter: i };
  },
  async pingClientStream(requests: AsyncIterable<PingRequest>): Promise<PingResponse> {
    let counter = 0;
    for await (const _ of requests) counter++;
    return { Value: "", counter };
  },
  async *pingStream(requests: AsyncIterable<PingRequest>): AsyncGenerator<PingResponse> {
    let counter = 0;
    for await (const request of requests) yield { Value: request.value, counter: counter++ };
  },
};

/** listen starts the server of kind and returns its port and how to stop it; each kind imports only what it uses. */
async function listen(kind: ServerKind): Promise<{ port: number; stop: () => void }> {
  const { TestServiceService } = await import("../testdata/gen/test.js");
  switch (kind) {
    case "grpc-js":
    case "grpc-js + ours":
    case "grpc-js + ours, by definition":
    case "grpc-js + InstrumentedServer": {
      const { Server, ServerCredentials } = await import("@grpc/grpc-js");
      const { testService } = await import("../test/support/test-service.js");
      let impl = testService;
      let server = new Server();
      if (kind !== "grpc-js") {
        const runtime = await import("protoc-gen-grpc-prom/runtime");
        const metrics = new runtime.ServerMetrics({ handlingTimeHistogram: true });
        if (kind === "grpc-js + ours") {
          const { instrumentTestServiceServer } = await import("../testdata/gen/test_grpc_prom.js");
          impl = instrumentTestServiceServer(testService, metrics);
        } else if (kind === "grpc-js + ours, by definition") {
          impl = runtime.instrumentServer(TestServiceService, testService, metrics);
        } else server = new runtime.InstrumentedServer({}, metrics);
      }
      server.addService(TestServiceService, impl);
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) =>
          err ? reject(err) : resolve(p),
        ),
      );
      return { port, stop: () => server.forceShutdown() };
    }
    case "nice-grpc":
    case "nice-grpc + prometheus": {
      const { createServer } = await import("nice-grpc");
      const server =
        kind === "nice-grpc"
          ? createServer()
          : createServer().use((await import("nice-grpc-prometheus")).prometheusServerMiddleware());
      server.add(TestServiceService, niceService);
      const port = await server.listen("127.0.0.1:0");
      return { port, stop: () => void server.forceShutdown() };
    }
  }
}

const kind = process.argv[2] as ServerKind;
if (!serverKinds.includes(kind)) throw new Error(`bench/e2e-server: unknown server kind ${JSON.stringify(kind)}`);
const { port, stop } = await listen(kind);
process.on("message", (m: ToServer) => {
  if (m.type === "cpu") sendToParent({ type: "cpu", cpu: process.cpuUsage() });
  else if (m.type === "profile")
    void startProfile(m.dir, "server", kind).then(() => sendToParent({ type: "profiling" }));
  else if (m.type === "exit") {
    stop();
    void stopProfile().then(() => process.exit(0));
  }
});
// The parent gone (killed, crashed): do not linger holding a port and a core.
process.on("disconnect", () => process.exit(0));
sendToParent({ type: "listening", port });

import { credentials, Metadata, type StatusObject } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { describe, expect, it, onTestFinished } from "vitest";
import { ClientMetrics, grpcCodeNames, ServerMetrics } from "../runtime/index.js";
import { type PingRequest, type TestServiceClient, TestServiceService } from "../testdata/gen/test.js";
import { InstrumentedTestServiceClient, instrumentTestServiceServer } from "../testdata/gen/test_grpc_prom.js";
import { codesOf, type Exposition, key, scrape, settled } from "./support/exposition.js";
import { faultyService } from "./support/faulty-service.js";
import { labels, type MethodName } from "./support/harness.js";
import { deadline, startServer } from "./support/server.js";
import { sleep, waitFor } from "./support/wait.js";

const req = (value: string, sleepTimeMs = 0): PingRequest => ({ value, sleepTimeMs, errorCodeReturned: 0 });
const md = () => new Metadata();

interface Ends {
  readonly client: TestServiceClient;
  /** serverStarted waits until the server has started the call. */
  serverStarted(method: MethodName): Promise<void>;
  shutdown(): void;
}

/** statusOf resolves with the status of a call, whatever kind it is. */
function statusOf(call: {
  on(event: "status", l: (s: StatusObject) => void): unknown;
  on(event: "error", l: () => void): unknown;
}) {
  return new Promise<StatusObject>((resolve) => {
    call.on("error", () => {});
    call.on("status", resolve);
  });
}

/** Path is one way a call can end, on the method it uses, with the code each side must count. */
interface Path {
  readonly name: string;
  readonly method: MethodName;
  readonly server: string | ((client: string) => boolean);
  readonly client: string | ((code: string) => boolean);
  run(e: Ends): Promise<StatusObject>;
}

const paths: Path[] = [
  {
    name: "success",
    method: "Ping",
    server: "OK",
    client: "OK",
    run: (e) => statusOf(e.client.ping(req("ok"), md(), { deadline: deadline() }, () => {})),
  },
  {
    name: "error with a code",
    method: "Ping",
    server: "NotFound",
    client: "NotFound",
    run: (e) => statusOf(e.client.ping(req("code"), md(), { deadline: deadline() }, () => {})),
  },
  {
    name: "error without a code",
    method: "Ping",
    server: "Unknown",
    client: "Unknown",
    run: (e) => statusOf(e.client.ping(req("no-code"), md(), { deadline: deadline() }, () => {})),
  },
  {
    name: "handler throws",
    method: "Ping",
    server: "Unknown",
    client: "Unknown",
    run: (e) => statusOf(e.client.ping(req("throw"), md(), { deadline: deadline() }, () => {})),
  },
  {
    name: "async handler rejects",
    method: "Ping",
    server: "Unknown",
    client: "Unknown",
    run: (e) => statusOf(e.client.ping(req("reject"), md(), { deadline: deadline() }, () => {})),
  },
  {
    // grpc-js sends a value's OK only once the value is written; the second answer's error goes out first.
    name: "handler calls back twice",
    method: "Ping",
    server: "Internal",
    client: "Internal",
    run: (e) => statusOf(e.client.ping(req("twice"), md(), { deadline: deadline() }, () => {})),
  },
  {
    name: "unary deadline before the answer",
    method: "Ping",
    server: "DeadlineExceeded",
    client: "DeadlineExceeded",
    run: (e) => statusOf(e.client.ping(req("slow", 300), md(), { deadline: deadline(50) }, () => {})),
  },
  {
    name: "unary cancel before the answer",
    method: "Ping",
    server: "Canceled",
    client: "Canceled",
    async run(e) {
      const call = e.client.ping(req("slow", 2_000), md(), { deadline: deadline() }, () => {});
      const s = statusOf(call);
      await e.serverStarted("Ping");
      call.cancel();
      return s;
    },
  },
  {
    name: "stream cancelled before its first message",
    method: "PingList",
    server: "Canceled",
    client: "Canceled",
    async run(e) {
      const call = e.client.pingList(req("stream", 2_000), md(), { deadline: deadline() });
      const s = statusOf(call);
      await e.serverStarted("PingList");
      call.cancel();
      return s;
    },
  },
  {
    name: "stream cancelled after its first message",
    method: "PingList",
    server: "Canceled",
    client: "Canceled",
    run(e) {
      const call = e.client.pingList(req("stream"), md(), { deadline: deadline() });
      call.once("data", () => call.cancel());
      return statusOf(call);
    },
  },
  {
    name: "deadline before the stream's first message",
    method: "PingList",
    server: "DeadlineExceeded",
    client: "DeadlineExceeded",
    run: (e) => statusOf(e.client.pingList(req("stream", 300), md(), { deadline: deadline(50) })),
  },
  {
    name: "deadline during the stream",
    method: "PingList",
    server: "DeadlineExceeded",
    client: "DeadlineExceeded",
    run(e) {
      const call = e.client.pingList(req("stream"), md(), { deadline: deadline(100) });
      call.on("data", () => {});
      return statusOf(call);
    },
  },
  {
    // The server's view of a connection torn down under a call is a cancellation; the client's is its own.
    name: "server shut down mid-stream",
    method: "PingList",
    server: "Canceled",
    client: (code) => ["Unavailable", "Canceled", "Internal"].includes(code),
    run(e) {
      const call = e.client.pingList(req("stream"), md(), { deadline: deadline() });
      call.once("data", () => e.shutdown());
      return statusOf(call);
    },
  },
  {
    // A write after end destroys grpc-js's stream before it sends any status: the client waits out its
    // deadline, and both sides count that.
    name: "handler writes after end",
    method: "PingList",
    server: "DeadlineExceeded",
    client: "DeadlineExceeded",
    run(e) {
      const call = e.client.pingList(req("write-after-end"), md(), { deadline: deadline(300) });
      call.on("data", () => {});
      return statusOf(call);
    },
  },
  {
    name: "handler emits two errors",
    method: "PingList",
    server: (client) => client === "FailedPrecondition" || client === "Aborted",
    client: (code) => code === "FailedPrecondition" || code === "Aborted",
    run(e) {
      const call = e.client.pingList(req("error-twice"), md(), { deadline: deadline() });
      call.on("data", () => {});
      return statusOf(call);
    },
  },
  {
    name: "handler emits an error after end",
    method: "PingList",
    server: (client) => client === "OK" || client === "Aborted",
    client: (code) => code === "OK" || code === "Aborted",
    run(e) {
      const call = e.client.pingList(req("end-then-error"), md(), { deadline: deadline() });
      call.on("data", () => {});
      return statusOf(call);
    },
  },
  {
    name: "client stream cancelled before its first message",
    method: "PingClientStream",
    server: "Canceled",
    client: "Canceled",
    async run(e) {
      const call = e.client.pingClientStream(md(), { deadline: deadline() }, () => {});
      const s = statusOf(call);
      await e.serverStarted("PingClientStream");
      call.cancel();
      return s;
    },
  },
  {
    name: "client stream deadline during the stream",
    method: "PingClientStream",
    server: "DeadlineExceeded",
    client: "DeadlineExceeded",
    run(e) {
      const call = e.client.pingClientStream(md(), { deadline: deadline(100) }, () => {});
      call.write(req("x"));
      return statusOf(call);
    },
  },
  {
    name: "bidi cancelled after its first message",
    method: "PingStream",
    server: "Canceled",
    client: "Canceled",
    run(e) {
      const call = e.client.pingStream(md(), { deadline: deadline() });
      call.write(req("x"));
      call.once("data", () => call.cancel());
      return statusOf(call);
    },
  },
  {
    name: "bidi deadline before any message",
    method: "PingStream",
    server: "DeadlineExceeded",
    client: "DeadlineExceeded",
    run: (e) => statusOf(e.client.pingStream(md(), { deadline: deadline(100) })),
  },
  {
    name: "bidi handler emits two errors",
    method: "PingStream",
    server: (client) => client === "FailedPrecondition" || client === "Aborted",
    client: (code) => code === "FailedPrecondition" || code === "Aborted",
    run(e) {
      const call = e.client.pingStream(md(), { deadline: deadline() });
      call.write(req("twice-error"));
      return statusOf(call);
    },
  },
];

/** once asserts that a side counted the call exactly once, handled and observed, and returns the code it counted. */
function once(e: Exposition, side: "server" | "client", method: MethodName): string {
  const codes = codesOf(e, `grpc_${side}_handled_total`, method);
  expect(e.series.get(key(`grpc_${side}_started_total`, labels(method))), `${side} started`).toBe(1);
  expect(Object.values(codes), `${side} handled ${JSON.stringify(codes)}`).toEqual([1]);
  expect(e.series.get(key(`grpc_${side}_handling_seconds_count`, labels(method))), `${side} observed`).toBe(1);
  return Object.keys(codes)[0]!;
}

// The server side counted by the generated wrapper; and by an InstrumentedServer's interceptor with
// the wrapper too, each call seen by both and counted once, with the same codes.
const servers = [
  { name: "wrapper", serverWide: false },
  { name: "InstrumentedServer and wrapper", serverWide: true },
] as const;

describe.each(servers)(
  "every terminal path is counted exactly once, on server and client ($name)",
  ({ serverWide }) => {
    it.each(paths)("$name", async (path) => {
      const [serverRegistry, clientRegistry] = [new Registry(), new Registry()];
      const serverMetrics = new ServerMetrics({ registry: serverRegistry, handlingTimeHistogram: true });
      const clientMetrics = new ClientMetrics({ registry: clientRegistry, handlingTimeHistogram: true });
      const running = await startServer(
        (s) => s.addService(TestServiceService, instrumentTestServiceServer(faultyService, serverMetrics)),
        {},
        serverWide ? serverMetrics : undefined,
      );
      const client = new InstrumentedTestServiceClient(
        running.address,
        credentials.createInsecure(),
        {},
        clientMetrics,
      );
      onTestFinished(async () => {
        client.close();
        await running.close();
      });
      const ends: Ends = {
        client,
        shutdown: () => running.server.forceShutdown(),
        async serverStarted(method) {
          const k = key("grpc_server_started_total", labels(method));
          await waitFor(async () => (await scrape(serverRegistry)).series.get(k) === 1, {
            timeoutMs: 5_000,
            intervalMs: 5,
            what: "the server never started the call",
          });
        },
      };
      const seen = await path.run(ends);
      const clientCode = once(await scrape(clientRegistry), "client", path.method);
      const serverCode = once(await settled(() => scrape(serverRegistry)), "server", path.method);
      // Let anything late (a second callback, a timer of the handler) happen, then count again.
      await sleep(100);
      expect(once(await scrape(clientRegistry), "client", path.method)).toBe(clientCode);
      expect(once(await scrape(serverRegistry), "server", path.method)).toBe(serverCode);
      if (typeof path.client === "string") expect(clientCode).toBe(path.client);
      else expect(path.client(clientCode), clientCode).toBe(true);
      if (typeof path.server === "string") expect(serverCode).toBe(path.server);
      else expect(path.server(clientCode), `server ${serverCode}, client ${clientCode}`).toBe(true);
      // What the client's code saw is what the client's metrics say.
      expect(seen.code).toBe(grpcCodeNames.indexOf(clientCode as (typeof grpcCodeNames)[number]));
    });
  },
);

import {
  Metadata,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import { Registry, register } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { defaultServerMetrics, ServerMetrics } from "../runtime/index.js";
import {
  AlphaClient,
  type AlphaServer,
  AlphaService,
  type BetaServer,
  BetaService,
  type Req,
  type Res,
} from "../testdata/gen/multi.js";
import { instrumentAlphaServer, instrumentBetaServer } from "../testdata/gen/multi_grpc_prom.js";
import type { PingRequest, PingResponse, TestServiceServer } from "../testdata/gen/test.js";
import { TestServiceClient, TestServiceService } from "../testdata/gen/test.js";
import { instrumentTestServiceServer } from "../testdata/gen/test_grpc_prom.js";
import { drain, summary, unary } from "./support/calls.js";
import { key, scrape } from "./support/exposition.js";
import { connect, deadline, type Running, startServer } from "./support/server.js";
import { testService } from "./support/test-service.js";

const toClose: { close(): unknown }[] = [];
afterEach(async () => {
  for (const c of toClose.splice(0)) await c.close();
});

async function serve(setup: Parameters<typeof startServer>[0]): Promise<Running> {
  const running = await startServer(setup);
  toClose.push(running);
  return running;
}

function client<C extends { close(): void }>(c: C): C {
  toClose.push(c);
  return c;
}

const ping = (over: Partial<PingRequest> = {}): PingRequest => ({
  value: "v",
  sleepTimeMs: 0,
  errorCodeReturned: 0,
  ...over,
});
const started = (service: string, method: string, type: string) =>
  key("grpc_server_started_total", { grpc_method: method, grpc_service: service, grpc_type: type });

const alpha: AlphaServer = {
  getHttpStatus(call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) {
    cb(null, { id: call.request.id });
  },
  getFooBar(_call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) {
    cb({ code: status.NOT_FOUND, details: "no foo" } as ServiceError);
  },
  watch(call: ServerWritableStream<Req, Res>) {
    call.end();
  },
};

describe("one ServerMetrics, several services and servers", () => {
  it("serves two services of one file from one ServerMetrics, each method under its own labels", async () => {
    const registry = new Registry();
    const metrics = new ServerMetrics({ registry });
    const running = await serve((s) => {
      s.addService(AlphaService, instrumentAlphaServer(alpha, metrics));
      s.addService(BetaService, instrumentBetaServer({} as BetaServer, metrics));
      s.addService(TestServiceService, instrumentTestServiceServer(testService, metrics));
    });
    const c = client(connect(AlphaClient, running.address));
    await unary<Res>((m, o, cb) => c.getHttpStatus({ id: "1" }, m, o, cb));
    await unary<Res>((m, o, cb) => c.getFooBar({ id: "1" }, m, o, cb));
    const e = await scrape(registry);
    expect(e.series.get(started("acme.multi.Alpha", "GetHTTPStatus", "unary"))).toBe(1);
    expect(e.series.get(started("acme.multi.Alpha", "get_foo_bar", "unary"))).toBe(1);
    expect(e.series.get(started("acme.multi.Alpha", "Watch", "server_stream"))).toBe(0);
    expect(e.series.get(started("acme.multi.Beta", "Upload", "client_stream"))).toBe(0);
    expect(e.series.get(started("acme.multi.Beta", "Chat", "bidi_stream"))).toBe(0);
    expect(e.series.get(started("mwitkow.testproto.TestService", "Ping", "unary"))).toBe(0);
    expect(
      e.series.get(
        key("grpc_server_handled_total", {
          grpc_code: "NotFound",
          grpc_method: "get_foo_bar",
          grpc_service: "acme.multi.Alpha",
          grpc_type: "unary",
        }),
      ),
    ).toBe(1);
    // 11 methods, 17 codes each.
    expect([...e.series.keys()].filter((k) => k.startsWith("grpc_server_handled_total")).length).toBe(11 * 17);
  });

  it("adds up two servers that share one ServerMetrics on the same series", async () => {
    const registry = new Registry();
    const metrics = new ServerMetrics({ registry });
    const a = await serve((s) => s.addService(TestServiceService, instrumentTestServiceServer(testService, metrics)));
    const b = await serve((s) => s.addService(TestServiceService, instrumentTestServiceServer(testService, metrics)));
    for (const address of [a.address, b.address, b.address]) {
      const c = client(connect(TestServiceClient, address));
      await unary<PingResponse>((m, o, cb) => c.ping(ping(), m, o, cb));
    }
    const e = await scrape(registry);
    expect(e.series.get(started("mwitkow.testproto.TestService", "Ping", "unary"))).toBe(3);
    expect([...e.series.keys()].filter((k) => k.startsWith("grpc_server_started_total")).length).toBe(6);
  });

  it("keeps two ServerMetrics on two registries apart", async () => {
    const [r1, r2] = [new Registry(), new Registry()];
    const [m1, m2] = [new ServerMetrics({ registry: r1 }), new ServerMetrics({ registry: r2 })];
    const a = await serve((s) => s.addService(TestServiceService, instrumentTestServiceServer(testService, m1)));
    const b = await serve((s) => s.addService(TestServiceService, instrumentTestServiceServer(testService, m2)));
    const ca = client(connect(TestServiceClient, a.address));
    const cb = client(connect(TestServiceClient, b.address));
    await unary<PingResponse>((m, o, done) => ca.ping(ping(), m, o, done));
    await unary<PingResponse>((m, o, done) => cb.ping(ping(), m, o, done));
    await unary<PingResponse>((m, o, done) => cb.ping(ping(), m, o, done));
    expect((await scrape(r1)).series.get(started("mwitkow.testproto.TestService", "Ping", "unary"))).toBe(1);
    expect((await scrape(r2)).series.get(started("mwitkow.testproto.TestService", "Ping", "unary"))).toBe(2);
  });
});

describe("construction", () => {
  it("fails at construction, saying what to do, when the registry already has the metrics", () => {
    const registry = new Registry();
    new ServerMetrics({ registry });
    expect(() => new ServerMetrics({ registry })).toThrow(
      "ServerMetrics: the registry already has a metric named grpc_server_started_total. Create one ServerMetrics per registry and share it, or give each its own Registry.",
    );
  });

  it("rejects unknown options, bad buckets and bad constLabels with a message naming them", () => {
    const registry = new Registry();
    expect(() => new ServerMetrics({ registry, histogram: true } as never)).toThrow(
      'ServerMetrics: unknown option "histogram"; the options are registry, handlingTimeHistogram, constLabels, namespace, subsystem, preregisteredCodes',
    );
    expect(() => new ServerMetrics({ registry, handlingTimeHistogram: { buckets: [1, 0.5] } })).toThrow(
      "ServerMetrics handlingTimeHistogram: buckets must be strictly increasing, but 0.5 follows 1",
    );
    expect(() => new ServerMetrics({ registry, handlingTimeHistogram: { buckets: [] } })).toThrow(
      "at least one finite upper bound",
    );
    expect(() => new ServerMetrics({ registry, constLabels: { "bad-name": "x" } })).toThrow(
      'ServerMetrics: constLabels: "bad-name" is not a valid Prometheus label name',
    );
    expect(() => new ServerMetrics({ registry, constLabels: { grpc_code: "x" } })).toThrow(
      "is a label of the gRPC metrics themselves",
    );
    expect(() => new ServerMetrics({ registry, constLabels: { zone: 1 as never } })).toThrow(
      'the value of "zone" must be a string',
    );
    // Nothing was registered by the failed constructions.
    expect(registry.getMetricsAsArray()).toEqual([]);
  });

  it("rejects an implementation whose method is not a function when wrapping, not at call time", () => {
    const metrics = new ServerMetrics({ registry: new Registry() });
    expect(() => instrumentTestServiceServer({ ping: 42 } as unknown as TestServiceServer, metrics)).toThrow(
      "instrumentServer: mwitkow.testproto.TestService/Ping: implementation.ping is a number, not a function",
    );
  });
});

describe("the default ServerMetrics", () => {
  afterEach(() => register.clear());

  it("is made on prom-client's global register on first use, not at import", async () => {
    expect(register.getSingleMetric("grpc_server_started_total")).toBeUndefined();
    const running = await serve((s) => s.addService(TestServiceService, instrumentTestServiceServer(testService)));
    expect(register.getSingleMetric("grpc_server_started_total")).toBeDefined();
    expect(defaultServerMetrics().registry).toBe(register);
    const c = client(connect(TestServiceClient, running.address));
    await unary<PingResponse>((m, o, cb) => c.ping(ping(), m, o, cb));
    expect((await scrape(register)).series.get(started("mwitkow.testproto.TestService", "Ping", "unary"))).toBe(1);
  });
});

describe("what a client sees", () => {
  /** A service that uses every channel a client can observe: messages, header metadata, trailers, status details. */
  const rich: Partial<TestServiceServer> = {
    ping(call: ServerUnaryCall<PingRequest, PingResponse>, cb: sendUnaryData<PingResponse>) {
      const headers = new Metadata();
      headers.set("x-head", "h1");
      call.sendMetadata(headers);
      const trailers = new Metadata();
      trailers.set("x-trail", "t1");
      if (call.request.errorCodeReturned) {
        cb({ code: call.request.errorCodeReturned, details: "nope", metadata: trailers } as ServiceError);
      } else {
        cb(null, { Value: call.request.value, counter: 7 }, trailers);
      }
    },
    pingList(call: ServerWritableStream<PingRequest, PingResponse>) {
      const headers = new Metadata();
      headers.set("x-head", "h2");
      call.sendMetadata(headers);
      call.write({ Value: "a", counter: 1 });
      call.write({ Value: "b", counter: 2 });
      const trailers = new Metadata();
      trailers.set("x-trail", "t2");
      if (call.request.errorCodeReturned) {
        call.emit("error", { code: call.request.errorCodeReturned, details: "stream nope", metadata: trailers });
      } else {
        call.end(trailers);
      }
    },
  };

  it("sees the same messages, status, details, headers and trailers with and without instrumentation", async () => {
    const metrics = new ServerMetrics({ registry: new Registry() });
    const plain = await serve((s) => s.addService(TestServiceService, rich as TestServiceServer));
    const instrumented = await serve((s) =>
      s.addService(TestServiceService, instrumentTestServiceServer(rich as TestServiceServer, metrics)),
    );
    const observe = async (address: string) => {
      const c = client(connect(TestServiceClient, address));
      return [
        summary(await unary<PingResponse>((m, o, cb) => c.ping(ping(), m, o, cb))),
        summary(await unary<PingResponse>((m, o, cb) => c.ping(ping({ errorCodeReturned: 7 }), m, o, cb))),
        summary(await drain(c.pingList(ping(), new Metadata(), { deadline: deadline() }))),
        summary(await drain(c.pingList(ping({ errorCodeReturned: 3 }), new Metadata(), { deadline: deadline() }))),
        summary(await unary<PingResponse>((m, o, cb) => c.pingEmpty({}, m, o, cb))),
      ];
    };
    const want = await observe(plain.address);
    expect(want[0]!.trailers).toMatchObject({ "x-trail": "t1" });
    expect(want[3]!.code).toBe(3);
    expect(await observe(instrumented.address)).toEqual(want);
  });
});

// Mistakes that would give silently wrong metrics fail loudly instead.
import { credentials, makeGenericClientConstructor, type ServiceDefinition } from "@grpc/grpc-js";
import { Registry, register } from "prom-client";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { ClientMetrics, ServerMetrics } from "../runtime/index.js";
import { type PingResponse, type TestServiceClient, TestServiceService } from "../testdata/gen/test.js";
import { InstrumentedTestServiceClient, instrumentTestServiceServer } from "../testdata/gen/test_grpc_prom.js";
import { unary } from "./support/calls.js";
import { key, scrape } from "./support/exposition.js";
import { labels } from "./support/harness.js";
import { startServer } from "./support/server.js";
import { testService } from "./support/test-service.js";

const req = { value: "v", sleepTimeMs: 0, errorCodeReturned: 0 };

/** otherService is the conformance service's definition under another name: the same methods, other paths. */
const otherService = Object.fromEntries(
  Object.entries(TestServiceService).map(([k, d]) => [
    k,
    { ...d, path: d.path.replace("mwitkow.testproto.TestService", "other.v1.Other") },
  ]),
) as unknown as ServiceDefinition;

describe("an instrumented implementation handed to addService with another service's definition", () => {
  it("serves its calls as before, counts none of them under its own labels, and warns once", async () => {
    const registry = new Registry();
    const metrics = new ServerMetrics({ registry });
    const running = await startServer((s) =>
      s.addService(otherService, instrumentTestServiceServer(testService, metrics) as never),
    );
    onTestFinished(() => running.close());
    const Other = makeGenericClientConstructor(otherService, "other.v1.Other");
    const client = new Other(running.address, credentials.createInsecure()) as unknown as TestServiceClient;
    onTestFinished(() => client.close());
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    onTestFinished(() => {
      process.off("warning", onWarning);
    });

    for (let i = 0; i < 2; i++) {
      const o = await unary<PingResponse>((m, opt, cb) => client.ping(req, m, opt, cb));
      expect([o.status.code, o.messages]).toEqual([0, [{ Value: "v", counter: 42 }]]);
    }
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    const e = await scrape(registry);
    expect(e.series.get(key("grpc_server_started_total", labels("Ping")))).toBe(0);
    expect(warnings.map((w) => [(w as { code?: string }).code, w.message])).toEqual([
      [
        "GRPC_PROM_WRONG_SERVICE",
        "the instrumented handler of /mwitkow.testproto.TestService/Ping serves /other.v1.Other/Ping: the implementation " +
          "instrumentXServer() wrapped was handed to server.addService() with another service's definition; its calls are not counted",
      ],
    ]);
  });
});

describe("an implementation wrapped twice", () => {
  it("fails at the second wrap, naming the method", () => {
    const metrics = new ServerMetrics({ registry: new Registry() });
    const once = instrumentTestServiceServer(testService, metrics);
    expect(() => instrumentTestServiceServer(once, metrics)).toThrow(
      "instrumentServer: mwitkow.testproto.TestService/PingEmpty: implementation.pingEmpty is instrumented already; " +
        "pass the plain implementation, and wrap it once",
    );
  });
});

describe("metrics made after the implicit default on the global register", () => {
  afterEach(() => register.clear());

  it("fail saying the default made the names, and what to do", () => {
    instrumentTestServiceServer(testService);
    expect(() => new ServerMetrics()).toThrow(
      "ServerMetrics: the registry already has a metric named grpc_server_started_total, registered by the default " +
        "ServerMetrics, which instrumentXServer() made on prom-client's global register when called without one. " +
        "Pass this ServerMetrics to every wrapper and client from the first one on, or give it its own Registry.",
    );
  });

  it("fail so on the client side too", () => {
    const c = new InstrumentedTestServiceClient("127.0.0.1:1", credentials.createInsecure());
    c.close();
    expect(() => new ClientMetrics()).toThrow(
      "ClientMetrics: the registry already has a metric named grpc_client_started_total, registered by the default " +
        "ClientMetrics, which an InstrumentedXClient made on prom-client's global register when constructed without one. ",
    );
  });
});

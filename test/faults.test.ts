import { credentials, Metadata } from "@grpc/grpc-js";
import { type OpenMetricsContentType, Registry } from "prom-client";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { Cells } from "../runtime/histogram.js";
import { ClientMetrics, ServerMetrics } from "../runtime/index.js";
import { type Empty, type PingResponse, TestServiceClient, TestServiceService } from "../testdata/gen/test.js";
import {
  InstrumentedTestServiceClient,
  instrumentTestServiceServer,
  TestServiceMethods,
} from "../testdata/gen/test_grpc_prom.js";
import { drain, summary, unary } from "./support/calls.js";
import { key, scrape, settled } from "./support/exposition.js";
import { labels } from "./support/harness.js";
import { deadline, startServer } from "./support/server.js";
import { testService } from "./support/test-service.js";
import { waitFor } from "./support/wait.js";

const req = { value: "v", sleepTimeMs: 0, errorCodeReturned: 0 };

afterEach(() => vi.restoreAllMocks());

/** pair serves the conformance service instrumented, with an instrumented client, on fresh registries. */
async function pair() {
  const [serverRegistry, clientRegistry] = [new Registry(), new Registry()];
  const serverMetrics = new ServerMetrics({ registry: serverRegistry, handlingTimeHistogram: true });
  const clientMetrics = new ClientMetrics({
    registry: clientRegistry,
    handlingTimeHistogram: true,
    streamReceiveTimeHistogram: true,
    streamSendTimeHistogram: true,
  });
  const running = await startServer((s) =>
    s.addService(TestServiceService, instrumentTestServiceServer(testService, serverMetrics)),
  );
  const client = new InstrumentedTestServiceClient(running.address, credentials.createInsecure(), {}, clientMetrics);
  onTestFinished(async () => {
    client.close();
    await running.close();
  });
  /** calls makes a unary, an erroring and a streaming call and returns what the client saw. */
  const calls = async () => [
    summary(await unary<PingResponse>((m, o, cb) => client.ping(req, m, o, cb))),
    summary(await unary<Empty>((m, o, cb) => client.pingError({ ...req, errorCodeReturned: 5 }, m, o, cb))),
    summary(await drain(client.pingList(req, new Metadata(), { deadline: deadline() }))),
  ];
  return { serverRegistry, clientRegistry, serverMetrics, clientMetrics, running, calls };
}

/** plainCalls is what a client sees of the same calls with no instrumentation on either side. */
async function plainCalls() {
  const running = await startServer((s) => s.addService(TestServiceService, testService));
  const client = new TestServiceClient(running.address, credentials.createInsecure());
  onTestFinished(async () => {
    client.close();
    await running.close();
  });
  return [
    summary(await unary<PingResponse>((m, o, cb) => client.ping(req, m, o, cb))),
    summary(await unary<Empty>((m, o, cb) => client.pingError({ ...req, errorCodeReturned: 5 }, m, o, cb))),
    summary(await drain(client.pingList(req, new Metadata(), { deadline: deadline() }))),
  ];
}

const started = (side: string, method: "Ping" | "PingError" | "PingList", type: string) =>
  key(`grpc_${side}_started_total`, { ...labels(method), grpc_type: type });

// These tests run in order: the first fault in a process is reported, later ones are not.
describe("a fault inside the metrics code", () => {
  it("leaves every call as it would be without us, and is reported once however often it happens", async () => {
    const warnings = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const want = await plainCalls();
    const p = await pair();
    // The histograms break: every call on both sides meets the fault, several times.
    vi.spyOn(Cells.prototype, "observe").mockImplementation(() => {
      throw new Error("histogram broke");
    });
    for (let i = 0; i < 3; i++) expect(await p.calls()).toEqual(want);
    vi.mocked(Cells.prototype.observe).mockRestore();
    expect(warnings).toHaveBeenCalledTimes(1);
    expect(String(warnings.mock.calls[0]![0])).toContain("recording gRPC metrics failed");
    expect(String(warnings.mock.calls[0]![0])).toContain("histogram broke");
    // The counters kept counting; the histograms skipped what they could not record.
    const server = await settled(() => scrape(p.serverRegistry));
    expect(server.series.get(started("server", "Ping", "unary"))).toBe(3);
    expect(server.series.get(key("grpc_server_handling_seconds_count", labels("Ping")))).toBe(0);
    const client = await scrape(p.clientRegistry);
    expect(client.series.get(started("client", "PingList", "server_stream"))).toBe(3);
    expect(client.series.get(key("grpc_client_handled_total", { ...labels("PingError"), grpc_code: "NotFound" }))).toBe(
      3,
    );
  });

  it("leaves calls unchanged when a method's numbers cannot be written at all", async () => {
    const warnings = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const want = await plainCalls();
    const p = await pair();
    // Frozen, every increment throws in strict code: the fault is in the middle of recording.
    Object.freeze(p.serverMetrics.method(TestServiceMethods.ping));
    Object.freeze(p.clientMetrics.method(TestServiceMethods.pingList));
    expect(await p.calls()).toEqual(want);
    // Already reported by the test before: not again.
    expect(warnings).toHaveBeenCalledTimes(0);
    // The frozen record counted nothing; the others counted as usual.
    await waitFor(
      async () => (await scrape(p.serverRegistry)).series.get(started("server", "PingList", "server_stream")) === 1,
      { timeoutMs: 5_000, intervalMs: 5, what: "the server never counted the PingList call as started" },
    );
    const server = await scrape(p.serverRegistry);
    expect(server.series.get(started("server", "Ping", "unary"))).toBe(0);
    expect(server.series.get(started("server", "PingError", "unary"))).toBe(1);
  });

  it("never touches the registry during a call: one that throws once built changes nothing", async () => {
    const want = await plainCalls();
    const p = await pair();
    for (const r of [p.serverRegistry, p.clientRegistry]) {
      for (const m of ["registerMetric", "getSingleMetric", "metrics", "getMetricsAsJSON", "resetMetrics"] as const) {
        vi.spyOn(r, m).mockImplementation(() => {
          throw new Error(`registry ${m} broke`);
        });
      }
    }
    expect(await p.calls()).toEqual(want);
  });
});

describe("a bad registry or constLabels fails at construction, clearly, and registers nothing", () => {
  it("names the metric a throwing registry failed on, and keeps none of ours on it", () => {
    const registry = new Registry();
    let n = 0;
    const register = registry.registerMetric.bind(registry);
    vi.spyOn(registry, "registerMetric").mockImplementation((m) => {
      if (++n === 3) throw new Error("full");
      register(m);
    });
    expect(() => new ServerMetrics({ registry })).toThrow(
      "ServerMetrics: the registry failed on grpc_server_msg_received_total: full",
    );
    expect(registry.getMetricsAsArray()).toEqual([]);
    expect(() => new ServerMetrics({ registry: {} as Registry })).toThrow(
      "ServerMetrics: registry must be a prom-client or @prometheus-io/client Registry",
    );
  });

  it("names constLabels it cannot read, and ignores changes made to them afterwards", async () => {
    const broken = Object.defineProperty({}, "zone", {
      enumerable: true,
      get() {
        throw new Error("no zone");
      },
    });
    expect(() => new ClientMetrics({ registry: new Registry(), constLabels: broken })).toThrow(
      "ClientMetrics: constLabels could not be read: no zone",
    );
    const constLabels: Record<string, string> = { zone: "a" };
    const registry = new Registry();
    new ServerMetrics({ registry, constLabels });
    constLabels.zone = "b";
    constLabels.extra = "c";
    const keys = [...(await scrape(registry)).series.keys()];
    expect(keys.every((k) => k.includes('zone="a"') && !k.includes("extra"))).toBe(true);
  });

  it("rejects buckets that are not increasing finite numbers", () => {
    const registry = new Registry();
    for (const [buckets, message] of [
      [[0.1, Number.NaN], "bucket 1 is NaN, not a finite number"],
      [[0.1, 0.1], "strictly increasing, but 0.1 follows 0.1"],
      ["0.1,1", "buckets must be an array of numbers"],
      [[Number.POSITIVE_INFINITY], "at least one finite upper bound"],
    ] as const) {
      expect(() => new ServerMetrics({ registry, handlingTimeHistogram: { buckets: buckets as never } })).toThrow(
        message,
      );
    }
    expect(registry.getMetricsAsArray()).toEqual([]);
  });
});

describe("a registry used in other ways", () => {
  it("keeps every series, at zero, through resetMetrics(), and counts on from there", async () => {
    const p = await pair();
    await p.calls();
    const before = await settled(() => scrape(p.serverRegistry));
    p.serverRegistry.resetMetrics();
    p.clientRegistry.resetMetrics();
    const reset = await scrape(p.serverRegistry);
    expect([...reset.series.keys()]).toEqual([...before.series.keys()]);
    expect([...reset.series.values()].every((v) => v === 0)).toBe(true);
    await p.calls();
    const after = await settled(() => scrape(p.serverRegistry));
    expect(after.series.get(started("server", "Ping", "unary"))).toBe(1);
    expect((await scrape(p.clientRegistry)).series.get(started("client", "PingList", "server_stream"))).toBe(1);
  });

  it("goes on serving after registry.clear(), and a new ServerMetrics fits on the cleared registry", async () => {
    const p = await pair();
    p.serverRegistry.clear();
    const want = await plainCalls();
    expect(await p.calls()).toEqual(want);
    expect((await scrape(p.serverRegistry)).series.size).toBe(0);
    const fresh = new ServerMetrics({ registry: p.serverRegistry });
    instrumentTestServiceServer(testService, fresh);
    expect((await scrape(p.serverRegistry)).series.get(started("server", "Ping", "unary"))).toBe(0);
  });

  it("renders through Registry.merge, getMetricsAsJSON and an OpenMetrics registry", async () => {
    const p = await pair();
    await p.calls();
    await settled(() => scrape(p.serverRegistry));
    const merged = Registry.merge([p.serverRegistry, p.clientRegistry]);
    const text = await merged.metrics();
    expect(text).toContain(
      'grpc_server_started_total{grpc_method="Ping",grpc_service="mwitkow.testproto.TestService",grpc_type="unary"} 1',
    );
    expect(text).toContain(
      'grpc_client_started_total{grpc_method="Ping",grpc_service="mwitkow.testproto.TestService",grpc_type="unary"} 1',
    );
    const json = await p.serverRegistry.getMetricsAsJSON();
    const startedJson = json.find((m) => m.name === "grpc_server_started_total")!;
    expect(startedJson.values.find((v) => v.labels.grpc_method === "Ping")).toEqual({
      value: 1,
      labels: { grpc_method: "Ping", grpc_service: "mwitkow.testproto.TestService", grpc_type: "unary" },
    });
    const open = new Registry<OpenMetricsContentType>();
    open.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    instrumentTestServiceServer(testService, new ServerMetrics({ registry: open }));
    const openText = await open.metrics();
    expect(openText).toContain("# TYPE grpc_server_started counter");
    expect(openText).toContain(
      'grpc_server_started_total{grpc_method="Ping",grpc_service="mwitkow.testproto.TestService",grpc_type="unary"} 0',
    );
    expect(openText.endsWith("# EOF\n")).toBe(true);
  });
});

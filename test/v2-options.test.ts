/**
 * Options go-grpc-middleware v2's providers/prometheus has and users of it
 * expect: a namespace and subsystem before every family's name, and
 * grpc_code on the client's handling-time histogram.
 */
import { status } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ClientMetrics, grpcCodeNames, ServerMetrics } from "../runtime/index.js";
import { pingRequest, unary } from "./support/calls.js";
import { clientHarness } from "./support/client-harness.js";
import { key, scrape } from "./support/exposition.js";
import { harness, labels } from "./support/harness.js";
import { testService } from "./support/test-service.js";

const ping = { grpcService: "mwitkow.testproto.TestService", grpcMethod: "Ping", grpcType: "unary" } as const;

describe("namespace and subsystem", () => {
  it("go before every family's name, on both sides, as Go joins them", async () => {
    const registry = new Registry();
    new ServerMetrics({ registry, namespace: "myapp", subsystem: "api", handlingTimeHistogram: true }).method(ping);
    new ClientMetrics({ registry, namespace: "myapp", handlingTimeHistogram: true });
    const names = registry
      .getMetricsAsArray()
      .map((m) => m.name)
      .sort();
    expect(names).toEqual([
      "myapp_api_grpc_server_handled_total",
      "myapp_api_grpc_server_handling_seconds",
      "myapp_api_grpc_server_msg_received_total",
      "myapp_api_grpc_server_msg_sent_total",
      "myapp_api_grpc_server_started_total",
      "myapp_grpc_client_handled_total",
      "myapp_grpc_client_handling_seconds",
      "myapp_grpc_client_msg_received_total",
      "myapp_grpc_client_msg_sent_total",
      "myapp_grpc_client_started_total",
    ]);
  });

  it("count calls under the prefixed names, with the same HELP", async () => {
    const h = await harness(testService, { namespace: "shop" });
    await unary((md, o, cb) => h.client.ping(pingRequest(), md, o, cb));
    // The server counts a call as its stream closes, a moment after the client saw it end.
    await h.waitFor("shop_grpc_server_handled_total", "Ping", { grpc_code: "OK" }, 1);
    const e = await h.scrape();
    expect(e.series.get(key("shop_grpc_server_started_total", labels("Ping")))).toBe(1);
    expect(e.series.get(key("shop_grpc_server_handled_total", { ...labels("Ping"), grpc_code: "OK" }))).toBe(1);
    expect(e.series.get(key("grpc_server_started_total", labels("Ping")))).toBeUndefined();
    expect(e.meta.get("HELP shop_grpc_server_started_total")).toBe("Total number of RPCs started on the server.");
  });

  it.each([
    [{ namespace: "my-app" }, 'namespace "my-app"'],
    [{ namespace: "1app" }, 'namespace "1app"'],
    [{ subsystem: "a:b" }, 'subsystem "a:b"'],
    [{ namespace: 7 }, "namespace 7"],
  ])("a bad one fails at construction, naming it: %j", (options, what) => {
    const message = `${what} is not a valid part of a Prometheus metric name (letters, digits and underscores, not starting with a digit)`;
    expect(() => new ServerMetrics({ registry: new Registry(), ...(options as object) })).toThrow(
      `ServerMetrics: ${message}`,
    );
    expect(() => new ClientMetrics({ registry: new Registry(), ...(options as object) })).toThrow(
      `ClientMetrics: ${message}`,
    );
  });
});

describe("grpc_code on the client's handling-time histogram", () => {
  it("has every code of every method at zero from construction", async () => {
    const c = await clientHarness({ handlingTimeHistogram: { withGrpcCode: true } });
    const e = await c.scrape();
    for (const code of grpcCodeNames) {
      expect(e.series.get(key("grpc_client_handling_seconds_count", { ...labels("Ping"), grpc_code: code }))).toBe(0);
    }
    expect(e.series.get(key("grpc_client_handling_seconds_count", labels("Ping")))).toBeUndefined();
  });

  it("observes each call under the code its caller saw", async () => {
    const c = await clientHarness({ handlingTimeHistogram: { withGrpcCode: true, buckets: [0.5, 5] } });
    await unary((md, o, cb) => c.client.ping(pingRequest(), md, o, cb));
    await unary((md, o, cb) => c.client.ping(pingRequest(), md, o, cb));
    const failed = await unary((md, o, cb) =>
      c.client.pingError(pingRequest({ errorCodeReturned: status.NOT_FOUND }), md, o, cb),
    );
    expect(failed.status.code).toBe(status.NOT_FOUND);
    const e = await c.scrape();
    const count = (method: "Ping" | "PingError", code: string) =>
      e.series.get(key("grpc_client_handling_seconds_count", { ...labels(method), grpc_code: code }));
    expect(count("Ping", "OK")).toBe(2);
    expect(count("Ping", "NotFound")).toBe(0);
    expect(count("PingError", "NotFound")).toBe(1);
    expect(count("PingError", "OK")).toBe(0);
    expect(
      e.series.get(key("grpc_client_handling_seconds_bucket", { ...labels("Ping"), grpc_code: "OK", le: "+Inf" })),
    ).toBe(2);
  });

  it("is refused on the per-message histograms, which have no code", () => {
    expect(
      () =>
        new ClientMetrics({
          registry: new Registry(),
          streamReceiveTimeHistogram: { withGrpcCode: true } as never,
        }),
    ).toThrow('ClientMetrics streamReceiveTimeHistogram: unknown option "withGrpcCode"; the options are buckets');
  });
});

describe("every option off", () => {
  it("keeps go-grpc-prometheus's names and label sets", async () => {
    const registry = new Registry();
    new ClientMetrics({ registry, handlingTimeHistogram: true });
    const e = await scrape(registry);
    expect([...e.meta.keys()].filter((k) => k.startsWith("TYPE")).sort()).toEqual([
      "TYPE grpc_client_handled_total",
      "TYPE grpc_client_handling_seconds",
      "TYPE grpc_client_msg_received_total",
      "TYPE grpc_client_msg_sent_total",
      "TYPE grpc_client_started_total",
    ]);
  });
});

describe("preregisteredCodes", () => {
  const handledOf = (e: Awaited<ReturnType<typeof scrape>>, family: string) =>
    [...e.series].filter(([k]) => k.startsWith(`${family}{`) && k.includes('grpc_method="Ping"'));

  it('"none": no handled series until a code happens, then that one', async () => {
    const h = await harness(testService, { preregisteredCodes: "none", handlingTimeHistogram: { withGrpcCode: true } });
    let e = await h.scrape();
    expect(handledOf(e, "grpc_server_handled_total")).toEqual([]);
    expect(handledOf(e, "grpc_server_handling_seconds_count")).toEqual([]);
    expect(e.series.get(key("grpc_server_started_total", labels("Ping")))).toBe(0);
    await unary((md, o, cb) => h.client.ping(pingRequest(), md, o, cb));
    await h.waitFor("grpc_server_handled_total", "Ping", { grpc_code: "OK" }, 1);
    e = await h.scrape();
    expect(handledOf(e, "grpc_server_handled_total")).toEqual([
      [key("grpc_server_handled_total", { ...labels("Ping"), grpc_code: "OK" }), 1],
    ]);
    expect(handledOf(e, "grpc_server_handling_seconds_count")).toEqual([
      [key("grpc_server_handling_seconds_count", { ...labels("Ping"), grpc_code: "OK" }), 1],
    ]);
  });

  it("a list: those codes at zero, on the server and the client, and any other once it happens", async () => {
    const c = await clientHarness({ preregisteredCodes: ["OK", "Unavailable"] });
    let e = await c.scrape();
    expect(handledOf(e, "grpc_client_handled_total").map(([k, v]) => [/grpc_code="(\w+)"/.exec(k)![1], v])).toEqual([
      ["OK", 0],
      ["Unavailable", 0],
    ]);
    await unary((md, o, cb) => c.client.ping(pingRequest(), md, o, cb));
    await unary((md, o, cb) => c.client.pingError(pingRequest({ errorCodeReturned: status.NOT_FOUND }), md, o, cb));
    e = await c.scrape();
    expect(e.series.get(key("grpc_client_handled_total", { ...labels("Ping"), grpc_code: "OK" }))).toBe(1);
    expect(e.series.get(key("grpc_client_handled_total", { ...labels("PingError"), grpc_code: "NotFound" }))).toBe(1);
    expect(e.series.get(key("grpc_client_handled_total", { ...labels("PingError"), grpc_code: "Unavailable" }))).toBe(
      0,
    );
    expect(
      e.series.get(key("grpc_client_handled_total", { ...labels("PingError"), grpc_code: "Internal" })),
    ).toBeUndefined();
  });

  it("keeps a code that happened after registry.resetMetrics(), at zero", async () => {
    const registry = new Registry();
    const record = new ServerMetrics({ registry, preregisteredCodes: "none" }).method(ping);
    record.finish(status.ABORTED, 0);
    registry.resetMetrics();
    const e = await scrape(registry);
    expect(e.series.get(key("grpc_server_handled_total", { ...labels("Ping"), grpc_code: "Aborted" }))).toBe(0);
    expect([...e.series.keys()].filter((k) => k.startsWith("grpc_server_handled_total{"))).toHaveLength(1);
  });

  it.each([
    ["some", 'preregisteredCodes must be "all", "none" or a list of code names'],
    [["OK", "Cancelled"], 'preregisteredCodes: "Cancelled" is not a code name; the codes are OK, Canceled,'],
  ])("refuses %j at construction", (option, message) => {
    expect(() => new ServerMetrics({ registry: new Registry(), preregisteredCodes: option as never })).toThrow(
      `ServerMetrics: ${message}`,
    );
    expect(() => new ClientMetrics({ registry: new Registry(), preregisteredCodes: option as never })).toThrow(
      `ClientMetrics: ${message}`,
    );
  });
});

/**
 * Exemplars (go-grpc-middleware v2's WithExemplarFromContext): on the
 * handled counter and the histogram buckets, read back from the OpenMetrics
 * text prom-client renders, with a real OpenTelemetry tracer active; the
 * text format unchanged.
 */
import { credentials, Metadata, status } from "@grpc/grpc-js";
import { context, type Span, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClientMetrics, ServerMetrics } from "../runtime/index.js";
import { TestServiceClient, TestServiceService } from "../testdata/gen/test.js";
import { InstrumentedTestServiceClient } from "../testdata/gen/test_grpc_prom.js";
import { pingRequest, unary } from "./support/calls.js";
import { clientHarness } from "./support/client-harness.js";
import { harness } from "./support/harness.js";
import { startServer } from "./support/server.js";
import { testService } from "./support/test-service.js";

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider());
});
afterAll(() => {
  trace.disable();
  context.disable();
});

/** openMetrics renders a registry as OpenMetrics, the format exemplars come in, and puts it back. */
async function openMetrics(registry: Registry): Promise<string[]> {
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
  try {
    return (await registry.metrics()).split("\n");
  } finally {
    registry.setContentType(Registry.PROMETHEUS_CONTENT_TYPE as never);
  }
}

/** linesOf returns the lines of one family and method that carry an exemplar. */
function withExemplar(lines: string[], family: string, method: string): string[] {
  return lines.filter((l) => l.startsWith(`${family}{`) && l.includes(`grpc_method="${method}"`) && l.includes(" # {"));
}

/** inSpan runs f inside a new active span and returns the span's ids with f's result. */
async function inSpan<T>(f: () => Promise<T>): Promise<{ traceId: string; spanId: string; result: T }> {
  return trace.getTracer("exemplars-test").startActiveSpan("call", async (span: Span) => {
    try {
      const result = await f();
      return { ...span.spanContext(), result };
    } finally {
      span.end();
    }
  });
}

describe("exemplars: true, with OpenTelemetry", () => {
  it("puts the caller's active span on the client's handled counter and the bucket its latency fell in", async () => {
    const c = await clientHarness({ exemplars: true, handlingTimeHistogram: { buckets: [5, 10] } });
    const { traceId, spanId, result } = await inSpan(() =>
      unary((md, o, cb) => c.client.ping(pingRequest(), md, o, cb)),
    );
    expect(result.status.code).toBe(status.OK);
    await unary((md, o, cb) => c.client.pingEmpty({}, md, o, cb)); // no active span: no exemplar
    const lines = await openMetrics(c.registry);
    const exemplar = new RegExp(` # \\{trace_id="${traceId}",span_id="${spanId}"\\} ([0-9.e-]+) [0-9.]+$`);
    const handled = withExemplar(lines, "grpc_client_handled_total", "Ping");
    expect(handled).toHaveLength(1);
    expect(handled[0]).toContain('grpc_code="OK"');
    expect(exemplar.exec(handled[0]!)?.[1]).toBe("1");
    const buckets = withExemplar(lines, "grpc_client_handling_seconds_bucket", "Ping");
    expect(buckets).toHaveLength(1);
    expect(buckets[0]).toContain('le="5"');
    expect(Number(exemplar.exec(buckets[0]!)?.[1])).toBeGreaterThan(0);
    expect(withExemplar(lines, "grpc_client_handled_total", "PingEmpty")).toEqual([]);
  });

  it("leaves the text format as it was", async () => {
    const c = await clientHarness({ exemplars: true, handlingTimeHistogram: true });
    await inSpan(() => unary((md, o, cb) => c.client.ping(pingRequest(), md, o, cb)));
    const text = await c.registry.metrics();
    expect(text).toContain('grpc_client_handled_total{grpc_code="OK",grpc_method="Ping"');
    expect(text).not.toContain(" # {");
  });

  it("on a streaming call, through the recording interceptor", async () => {
    const c = await clientHarness({ exemplars: true });
    const { traceId } = await inSpan(
      () =>
        new Promise<void>((resolve) => {
          const s = c.client.pingList(pingRequest(), new Metadata(), { deadline: Date.now() + 5_000 });
          s.on("data", () => {});
          s.on("status", () => resolve());
        }),
    );
    const handled = withExemplar(await openMetrics(c.registry), "grpc_client_handled_total", "PingList");
    expect(handled).toHaveLength(1);
    expect(handled[0]).toContain(`trace_id="${traceId}"`);
  });
});

describe("exemplars from a function of the call", () => {
  const fromHeader = ({ metadata }: { metadata: Metadata | undefined }) => {
    const id = metadata?.get("x-trace-id")[0];
    return id === undefined ? undefined : { trace_id: String(id) };
  };
  const withHeader = (id: string) => {
    const md = new Metadata();
    md.set("x-trace-id", id);
    return md;
  };

  it("on the server's wrapper: the request metadata", async () => {
    const h = await harness(testService, { exemplars: fromHeader, handlingTimeHistogram: true });
    await unary((_md, o, cb) => h.client.ping(pingRequest(), withHeader("abc123"), o, cb));
    await h.waitFor("grpc_server_handled_total", "Ping", { grpc_code: "OK" }, 1);
    const lines = await openMetrics(h.registry);
    const handled = withExemplar(lines, "grpc_server_handled_total", "Ping");
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatch(/grpc_code="OK".* # \{trace_id="abc123"\} 1 [0-9.]+$/);
    expect(withExemplar(lines, "grpc_server_handling_seconds_bucket", "Ping")).toHaveLength(1);
  });

  it("on an InstrumentedServer: the metadata, once it arrives", async () => {
    const registry = new Registry();
    const metrics = new ServerMetrics({ registry, exemplars: fromHeader });
    const running = await startServer((s) => s.addService(TestServiceService, testService), {}, metrics);
    const client = new TestServiceClient(running.address, credentials.createInsecure());
    try {
      const failed = await unary((_md, o, cb) =>
        client.pingError(pingRequest({ errorCodeReturned: status.NOT_FOUND }), withHeader("f00d"), o, cb),
      );
      expect(failed.status.code).toBe(status.NOT_FOUND);
      let handled: string[] = [];
      for (let i = 0; i < 100 && handled.length === 0; i++) {
        handled = withExemplar(await openMetrics(registry), "grpc_server_handled_total", "PingError");
        if (handled.length === 0) await new Promise((r) => setTimeout(r, 10));
      }
      expect(handled).toHaveLength(1);
      expect(handled[0]).toMatch(/grpc_code="NotFound".* # \{trace_id="f00d"\} 1 [0-9.]+$/);
    } finally {
      client.close();
      await running.close();
    }
  });

  it("that throws, or gives labels OpenMetrics refuses: the call goes on, counted, with no exemplar", async () => {
    const registry = new Registry();
    const throwing = new ClientMetrics({
      registry,
      exemplars: () => {
        throw new Error("no trace here");
      },
    });
    const running = await startServer((s) => s.addService(TestServiceService, testService));
    const client = new InstrumentedTestServiceClient(running.address, credentials.createInsecure(), {}, throwing);
    const tooLong = new ClientMetrics({ registry: new Registry(), exemplars: () => ({ trace_id: "x".repeat(200) }) });
    const other = new InstrumentedTestServiceClient(running.address, credentials.createInsecure(), {}, tooLong);
    try {
      expect((await unary((md, o, cb) => client.ping(pingRequest(), md, o, cb))).status.code).toBe(status.OK);
      expect((await unary((md, o, cb) => other.ping(pingRequest(), md, o, cb))).status.code).toBe(status.OK);
      const lines = await openMetrics(registry);
      expect(
        lines.find(
          (l) =>
            l.startsWith("grpc_client_handled_total{") &&
            l.includes('grpc_method="Ping"') &&
            l.includes('grpc_code="OK"'),
        ),
      ).toMatch(/ 1$/);
      expect(withExemplar(lines, "grpc_client_handled_total", "Ping")).toEqual([]);
      expect(
        withExemplar(await openMetrics(tooLong.registry as Registry), "grpc_client_handled_total", "Ping"),
      ).toEqual([]);
    } finally {
      client.close();
      other.close();
      await running.close();
    }
  });
});

describe("the exemplars option", () => {
  it("off: no exemplar in OpenMetrics either", async () => {
    const c = await clientHarness({ handlingTimeHistogram: true });
    await inSpan(() => unary((md, o, cb) => c.client.ping(pingRequest(), md, o, cb)));
    expect((await openMetrics(c.registry)).filter((l) => l.includes(" # {"))).toEqual([]);
  });

  it("refuses what is neither a boolean nor a function", () => {
    expect(() => new ServerMetrics({ registry: new Registry(), exemplars: "yes" as never })).toThrow(
      "ServerMetrics: exemplars must be true, false or a function of the call returning labels",
    );
  });
});

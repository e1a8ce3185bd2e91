/**
 * Context labels (go-grpc-middleware v2's WithContextLabels and
 * WithLabelsFromContext), bounded: values from each call's metadata, at most
 * maxValues distinct values per label and method (then "__overflow__"), the
 * pre-registered series at "", a failing function counted as "".
 */
import { credentials, Metadata, type ServerUnaryCall, type sendUnaryData, status } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ClientMetrics, type ContextLabelsOption, ServerMetrics } from "../runtime/index.js";
import { type PingRequest, type PingResponse, TestServiceClient, TestServiceService } from "../testdata/gen/test.js";
import { InstrumentedTestServiceClient } from "../testdata/gen/test_grpc_prom.js";
import { pingRequest, unary } from "./support/calls.js";
import { type Exposition, key, scrape } from "./support/exposition.js";
import { harness, labels } from "./support/harness.js";
import { startServer } from "./support/server.js";
import { testService } from "./support/test-service.js";
import { waitFor } from "./support/wait.js";

const tenantLabels: ContextLabelsOption = {
  labels: { tenant: { maxValues: 2 } },
  fromCall: ({ metadata }) => ({ tenant: metadata?.get("x-tenant")[0] as string | undefined }),
};

function tenant(id?: string): Metadata {
  const md = new Metadata();
  if (id !== undefined) md.set("x-tenant", id);
  return md;
}

/** byTenant reads one family of one method as tenant → value. */
function byTenant(e: Exposition, name: string, method: string, extra: Record<string, string> = {}) {
  const out: Record<string, number> = {};
  for (const [k, v] of e.series) {
    if (!k.startsWith(`${name}{`) || !k.includes(`grpc_method="${method}"`)) continue;
    if (!Object.entries(extra).every(([n, x]) => k.includes(`${n}="${x}"`))) continue;
    out[/tenant="([^"]*)"/.exec(k)![1]!] = v;
  }
  return out;
}

describe("contextLabels on the server's wrapper", () => {
  it('has every label set at zero with the label at "", then one per value, bounded', async () => {
    const h = await harness(testService, { contextLabels: tenantLabels });
    let e = await h.scrape();
    expect(byTenant(e, "grpc_server_started_total", "Ping")).toEqual({ "": 0 });
    expect(
      e.series.get(key("grpc_server_handled_total", { ...labels("PingList"), grpc_code: "Aborted", tenant: "" })),
    ).toBe(0);
    for (const id of ["a", "b", "c", "a", "d", undefined]) {
      const o = await unary((_md, opts, cb) => h.client.ping(pingRequest(), tenant(id), opts, cb));
      expect(o.status.code).toBe(status.OK);
    }
    await h.waitFor("grpc_server_handled_total", "Ping", { grpc_code: "OK", tenant: "__overflow__" }, 2);
    e = await h.scrape();
    // a and b are the first two values; c and d come past the bound.
    expect(byTenant(e, "grpc_server_started_total", "Ping")).toEqual({ "": 1, a: 2, b: 1, __overflow__: 2 });
    expect(byTenant(e, "grpc_server_handled_total", "Ping", { grpc_code: "OK" })).toEqual({
      "": 1,
      a: 2,
      b: 1,
      __overflow__: 2,
    });
    expect(byTenant(e, "grpc_server_msg_sent_total", "Ping")).toEqual({ "": 1, a: 2, b: 1, __overflow__: 2 });
    // The bound is per method: PingEmpty takes its own first two values.
    await unary((_md, opts, cb) => h.client.pingEmpty({}, tenant("c"), opts, cb));
    await h.waitFor("grpc_server_handled_total", "PingEmpty", { grpc_code: "OK", tenant: "c" }, 1);
  });

  it('counts a call whose function throws as "", and the call goes on', async () => {
    const h = await harness(testService, {
      contextLabels: {
        labels: { tenant: { maxValues: 5 } },
        fromCall: () => {
          throw new Error("no tenant here");
        },
      },
    });
    const o = await unary((_md, opts, cb) => h.client.ping(pingRequest(), tenant("a"), opts, cb));
    expect(o.status.code).toBe(status.OK);
    await h.waitFor("grpc_server_handled_total", "Ping", { grpc_code: "OK", tenant: "" }, 1);
    expect(byTenant(await h.scrape(), "grpc_server_started_total", "Ping")).toEqual({ "": 1 });
  });
});

describe("contextLabels on an InstrumentedServer and on the client", () => {
  it("counts each call under its values, on both sides", async () => {
    const [serverRegistry, clientRegistry] = [new Registry(), new Registry()];
    const running = await startServer(
      (s) => s.addService(TestServiceService, testService),
      {},
      new ServerMetrics({ registry: serverRegistry, contextLabels: tenantLabels }),
    );
    const clientMetrics = new ClientMetrics({ registry: clientRegistry, contextLabels: tenantLabels });
    const client = new InstrumentedTestServiceClient(running.address, credentials.createInsecure(), {}, clientMetrics);
    try {
      expect(byTenant(await scrape(clientRegistry), "grpc_client_started_total", "PingError")).toEqual({ "": 0 });
      for (const id of ["x", "y", "x"]) {
        await unary((_md, opts, cb) =>
          client.pingError(pingRequest({ errorCodeReturned: status.NOT_FOUND }), tenant(id), opts, cb),
        );
      }
      const codes = { grpc_code: "NotFound" };
      expect(byTenant(await scrape(clientRegistry), "grpc_client_handled_total", "PingError", codes)).toEqual({
        "": 0,
        x: 2,
        y: 1,
      });
      let server: Record<string, number> = {};
      await waitFor(
        async () => {
          server = byTenant(await scrape(serverRegistry), "grpc_server_handled_total", "PingError", codes);
          return server.y === 1 && server.x === 2;
        },
        { timeoutMs: 5_000, intervalMs: 10, what: () => `the server counted ${JSON.stringify(server)}` },
      );
      expect(server).toEqual({ "": 0, x: 2, y: 1 });
    } finally {
      client.close();
      await running.close();
    }
  });

  it('leaves calls of a plain client, without the header, at ""', async () => {
    const registry = new Registry();
    const running = await startServer(
      (s) => s.addService(TestServiceService, testService),
      {},
      new ServerMetrics({ registry, contextLabels: tenantLabels }),
    );
    const client = new TestServiceClient(running.address, credentials.createInsecure());
    try {
      await unary((md, opts, cb) => client.ping(pingRequest(), md, opts, cb));
      await waitFor(
        async () =>
          byTenant(await scrape(registry), "grpc_server_handled_total", "Ping", { grpc_code: "OK" })[""] === 1,
        { timeoutMs: 5_000, intervalMs: 10, what: 'the server never counted the call under tenant=""' },
      );
    } finally {
      client.close();
      await running.close();
    }
  });
});

describe("contextLabels and exemplars on the client, from the call's options", () => {
  it("label a call made on behalf of a server call with its parent's tenant, and give the exemplar function the options", async () => {
    const registry = new Registry();
    const backend = await startServer((s) => s.addService(TestServiceService, testService));
    // The inner client's values come from the server call it is made for: callOptions.parent.
    const inner = new InstrumentedTestServiceClient(
      backend.address,
      credentials.createInsecure(),
      {},
      new ClientMetrics({
        registry,
        contextLabels: {
          labels: { tenant: { maxValues: 5 } },
          fromCall: ({ callOptions }) => ({ tenant: callOptions?.parent?.metadata.get("x-tenant")[0] as string }),
        },
        exemplars: ({ callOptions }) => ({ via: callOptions?.parent === undefined ? "direct" : "parent" }),
      }),
    );
    const front = await startServer((s) =>
      s.addService(TestServiceService, {
        ...testService,
        ping: (call: ServerUnaryCall<PingRequest, PingResponse>, callback: sendUnaryData<PingResponse>) =>
          inner.pingEmpty({}, new Metadata(), { parent: call, deadline: Date.now() + 5_000 }, callback),
      }),
    );
    const client = new TestServiceClient(front.address, credentials.createInsecure());
    try {
      for (const id of ["t1", "t2", "t1"]) {
        const { status: s } = await unary((_md, opts, cb) => client.ping(pingRequest(), tenant(id), opts, cb));
        expect(s.code).toBe(status.OK);
      }
      await unary((md, opts, cb) => inner.pingEmpty({}, md, opts, cb));
      expect(byTenant(await scrape(registry), "grpc_client_handled_total", "PingEmpty", { grpc_code: "OK" })).toEqual({
        "": 1,
        t1: 2,
        t2: 1,
      });
      registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
      const exemplars = (await registry.metrics())
        .split("\n")
        .filter((l) => l.startsWith("grpc_client_handled_total{") && l.includes(" # {"))
        .map((l) => `${/tenant="(\w*)"/.exec(l)?.[1]} ${/ # (\{[^}]*\})/.exec(l)?.[1]}`)
        .sort();
      expect(exemplars).toEqual([' {via="direct"}', 't1 {via="parent"}', 't2 {via="parent"}']);
    } finally {
      client.close();
      inner.close();
      await front.close();
      await backend.close();
    }
  });
});

describe("the contextLabels option", () => {
  const fromCall = () => ({});
  it.each([
    [
      { labels: { "te-nant": { maxValues: 1 } }, fromCall },
      'contextLabels: "te-nant" is not a valid Prometheus label name',
    ],
    [
      { labels: { grpc_code: { maxValues: 1 } }, fromCall },
      'contextLabels: "grpc_code" is already a label of the metrics',
    ],
    [{ labels: { region: { maxValues: 1 } }, fromCall }, 'contextLabels: "region" is already a label of the metrics'],
    [
      { labels: { tenant: { maxValues: 0 } }, fromCall },
      'contextLabels: the maxValues of "tenant" must be an integer of at least 1',
    ],
    [{ labels: { tenant: {} }, fromCall }, 'contextLabels: the maxValues of "tenant" must be an integer of at least 1'],
    [{ labels: {}, fromCall }, "contextLabels.labels names no label"],
    [{ labels: { tenant: { maxValues: 1 } } }, "contextLabels.fromCall must be a function"],
    ["tenant", "contextLabels must be { labels: { NAME: { maxValues } }, fromCall }"],
  ])("refuses %j at construction", (option, message) => {
    const options = { registry: new Registry(), constLabels: { region: "eu" }, contextLabels: option as never };
    expect(() => new ServerMetrics(options)).toThrow(`ServerMetrics: ${message}`);
    expect(() => new ClientMetrics(options)).toThrow(`ClientMetrics: ${message}`);
  });
});

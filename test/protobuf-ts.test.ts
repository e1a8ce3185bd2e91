import { credentials } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { ClientMetrics, grpcCodeNames, ServerMetrics } from "../runtime/index.js";
import { TestServiceService } from "../testdata/gen/test.js";
import { InstrumentedTestServiceClient, instrumentTestServiceServer } from "../testdata/gen/test_grpc_prom.js";
import {
  type Expositions,
  expectLikeGo,
  golden,
  ourServer,
  runOurClient,
  scenario,
  scenarioNames,
} from "./support/conformance.js";
import { comparable, type Exposition, key, nonZero, scrape, settled } from "./support/exposition.js";
import { loadProtobufTs, protobufTsTestService } from "./support/plugin-protobuf-ts.js";
import { runScenario, type Step } from "./support/scenario.js";
import { startServer } from "./support/server.js";
import { testService } from "./support/test-service.js";

// protobuf-ts's files of test.proto (@protobuf-ts/plugin client_grpc1,server_grpc1), and the wrappers
// generator=protobuf-ts writes beside them, from testdata/gen-protobuf-ts: a real grpc-js server and
// client, each instrumented by the generated code alone.
const pb = await loadProtobufTs();

const service = "mwitkow.testproto.TestService";
const methods = {
  PingEmpty: "unary",
  Ping: "unary",
  PingError: "unary",
  PingList: "server_stream",
  PingClientStream: "client_stream",
  PingStream: "bidi_stream",
} as const;

const closing: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** serverMetrics and clientMetrics are instrumented as goref's are: every histogram on, each on a fresh Registry. */
function serverMetrics(): { registry: Registry; metrics: ServerMetrics } {
  const registry = new Registry();
  return { registry, metrics: new ServerMetrics({ registry, handlingTimeHistogram: true }) };
}
function clientMetrics(): { registry: Registry; metrics: ClientMetrics } {
  const registry = new Registry();
  const histograms = { handlingTimeHistogram: true, streamReceiveTimeHistogram: true, streamSendTimeHistogram: true };
  return { registry, metrics: new ClientMetrics({ registry, ...histograms }) };
}

/** protobufTsRun serves protobuf-ts's definition through instrumentTestServiceServer and runs steps through InstrumentedTestServiceClient. */
async function protobufTsRun(steps: readonly Step[]): Promise<Expositions> {
  const server = serverMetrics();
  const client = clientMetrics();
  const running = await startServer((s) =>
    s.addService(pb.testServiceDefinition, pb.instrumentTestServiceServer(protobufTsTestService, server.metrics)),
  );
  closing.push(() => running.close());
  const c = new pb.InstrumentedTestServiceClient(
    running.address,
    credentials.createInsecure(),
    {},
    undefined,
    client.metrics,
  );
  closing.push(() => c.close());
  // protobuf-ts's client has ts-proto's method names and call signatures, and its requests the same fields.
  await runScenario(c as unknown as InstanceType<typeof InstrumentedTestServiceClient>, steps);
  return { server: await settled(() => scrape(server.registry)), client: await scrape(client.registry) };
}

/** tsProtoRun is the same through ts-proto's files and their wrappers in testdata/gen. */
async function tsProtoRun(steps: readonly Step[]): Promise<Expositions> {
  const server = await ourServer();
  closing.push(() => server.close());
  const registry = await runOurClient(server.address, steps);
  return { server: await settled(() => scrape(server.registry)), client: await scrape(registry) };
}

/** counters returns the non-zero counter series of one side, histograms aside. */
function counters(e: Exposition, side: "server" | "client"): Record<string, number> {
  const m = comparable(e, `grpc_${side}_`);
  return nonZero(new Map([...m].filter(([k]) => k.includes("_total{"))));
}

describe("generator=protobuf-ts's wrappers over protobuf-ts's files, end to end", () => {
  it("has every label set at zero before the first call, the same series as ts-proto's path", async () => {
    const server = serverMetrics();
    const client = clientMetrics();
    pb.instrumentTestServiceServer(protobufTsTestService, server.metrics);
    const c = new pb.InstrumentedTestServiceClient("127.0.0.1:1", credentials.createInsecure(), {}, {}, client.metrics);
    closing.push(() => c.close());
    const ours = { server: await scrape(server.registry), client: await scrape(client.registry) };

    const tsProtoServer = serverMetrics();
    const tsProtoClient = clientMetrics();
    instrumentTestServiceServer(testService, tsProtoServer.metrics);
    const t = new InstrumentedTestServiceClient("127.0.0.1:1", credentials.createInsecure(), {}, tsProtoClient.metrics);
    closing.push(() => t.close());

    for (const side of ["server", "client"] as const) {
      const e = ours[side];
      expect([...e.series.values()].every((v) => v === 0)).toBe(true);
      for (const [method, type] of Object.entries(methods)) {
        const labels = { grpc_service: service, grpc_method: method, grpc_type: type };
        expect(e.series.get(key(`grpc_${side}_started_total`, labels)), `${side} ${method}`).toBe(0);
        expect(e.series.get(key(`grpc_${side}_msg_received_total`, labels)), `${side} ${method}`).toBe(0);
        expect(e.series.get(key(`grpc_${side}_msg_sent_total`, labels)), `${side} ${method}`).toBe(0);
        for (const code of grpcCodeNames) {
          const handled = key(`grpc_${side}_handled_total`, { ...labels, grpc_code: code });
          expect(e.series.get(handled), `${side} ${method} ${code}`).toBe(0);
        }
      }
      const started = [...e.series.keys()].filter((k) => k.startsWith(`grpc_${side}_started_total{`));
      expect(started.length).toBe(6);
      const theirs = await scrape((side === "server" ? tsProtoServer : tsProtoClient).registry);
      expect([...e.series.keys()].sort()).toEqual([...theirs.series.keys()].sort());
      expect(e.meta).toEqual(theirs.meta);
    }
    expect(grpcCodeNames.length).toBe(17);
  });

  it("counts the calls of each call type exactly", async () => {
    const { server, client } = await protobufTsRun(scenario("calltypes"));
    const labels = (method: keyof typeof methods) => `grpc_method="${method}",grpc_service="${service}"`;
    const t = (method: keyof typeof methods) => `grpc_type="${methods[method]}"`;
    const expected = (side: "server" | "client") => {
      const out: Record<string, number> = {};
      // calls, messages the client sent, messages the server sent, per method of calltypes.json.
      const counts = {
        PingEmpty: [2, 2, 2],
        Ping: [3, 3, 3],
        PingList: [2, 2, 40],
        PingClientStream: [3, 9, 3],
        PingStream: [3, 11, 11],
      } as const;
      for (const [method, [calls, up, down]] of Object.entries(counts)) {
        const m = method as keyof typeof methods;
        const l = `${labels(m)},${t(m)}`;
        out[`grpc_${side}_handled_total{grpc_code="OK",${l}}`] = calls;
        out[`grpc_${side}_msg_received_total{${l}}`] = side === "server" ? up : down;
        out[`grpc_${side}_msg_sent_total{${l}}`] = side === "server" ? down : up;
        out[`grpc_${side}_started_total{${l}}`] = calls;
      }
      return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
    };
    expect(counters(server, "server")).toEqual(expected("server"));
    expect(counters(client, "client")).toEqual(expected("client"));
  });

  it.each(scenarioNames())(
    "%s: the same expositions as ts-proto's path, and goref's but for the difference table",
    async (name) => {
      const ours = await protobufTsRun(scenario(name));
      const theirs = await tsProtoRun(scenario(name));
      for (const side of ["server", "client"] as const) {
        expect(comparable(ours[side], `grpc_${side}_`), side).toEqual(comparable(theirs[side], `grpc_${side}_`));
        expect(ours[side].meta).toEqual(theirs[side].meta);
      }
      const go = golden(name);
      expectLikeGo(name, "server", go.server, ours.server);
      expectLikeGo(name, "client", go.client, ours.client);
    },
  );

  it("serves and calls through protobuf-ts's own definition and client: the wrapped service is theirs", () => {
    expect(Object.keys(pb.TestServiceMethods)).toEqual(Object.keys(pb.testServiceDefinition));
    expect(Object.keys(pb.TestServiceMethods)).toEqual(Object.keys(TestServiceService));
    expect(Object.getPrototypeOf(pb.InstrumentedTestServiceClient)).toBe(pb.TestServiceClient);
  });
});

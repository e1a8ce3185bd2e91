import { readFileSync } from "node:fs";
import { credentials } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { ClientMetrics, ServerMetrics } from "../runtime/index.js";
import { TestServiceService } from "../testdata/gen/test.js";
import { InstrumentedTestServiceClient, instrumentTestServiceServer } from "../testdata/gen/test_grpc_prom.js";
import { comparable, key, parseExposition, scrape } from "./support/exposition.js";
import { runScenario, type Step } from "./support/scenario.js";
import { startServer } from "./support/server.js";
import { testService } from "./support/test-service.js";

const golden = readFileSync(new URL("../testdata/goref/scenario.txt", import.meta.url), "utf8");
const steps = JSON.parse(readFileSync(new URL("../testdata/goref/scenario.json", import.meta.url), "utf8")) as Step[];
const [goServer, goClient] = golden.split("# ---- client").map(parseExposition) as [
  ReturnType<typeof parseExposition>,
  ReturnType<typeof parseExposition>,
];

const toClose: { close(): unknown }[] = [];
afterEach(async () => {
  for (const c of toClose.splice(0)) await c.close();
});

/** run serves the conformance service, instrumented, and runs the shared scenario through an instrumented client. */
async function run() {
  const serverRegistry = new Registry();
  const clientRegistry = new Registry();
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
  toClose.push(running);
  const client = new InstrumentedTestServiceClient(running.address, credentials.createInsecure(), {}, clientMetrics);
  toClose.push(client);
  await runScenario(client, steps);
  return { server: await scrape(serverRegistry), client: await scrape(clientRegistry) };
}

const labels = (method: string, type: string, extra: Record<string, string> = {}) => ({
  grpc_method: method,
  grpc_service: "mwitkow.testproto.TestService",
  grpc_type: type,
  ...extra,
});

/**
 * fixedDefects lists every way our client's exposition differs from the Go
 * client's on the shared scenario, zero-valued series aside: each is a defect
 * of go-grpc-prometheus's client that we do not copy. go and ours are the
 * values (undefined: no such series, or 0).
 */
const fixedDefects = [
  {
    series: key("grpc_client_msg_received_total", labels("PingEmpty", "unary")),
    go: undefined,
    ours: 1,
    why: "#86: Go counts a unary response as received when the call fails, not when it succeeds",
  },
  {
    series: key("grpc_client_msg_received_total", labels("Ping", "unary")),
    go: undefined,
    ours: 3,
    why: "#86, as above",
  },
  {
    series: key("grpc_client_msg_received_total", labels("PingError", "unary")),
    go: 3,
    ours: undefined,
    why: "#86, as above: the three failed calls received nothing",
  },
  {
    series: key("grpc_client_handled_total", labels("PingClientStream", "client_stream", { grpc_code: "OK" })),
    go: undefined,
    ours: 1,
    why: "#92: Go never counts a successful client-streaming call as handled",
  },
  {
    series: key("grpc_client_handling_seconds_count", labels("PingClientStream", "client_stream")),
    go: 1,
    ours: 2,
    why: "#92, as above: the successful call is observed too",
  },
  {
    series: key("grpc_client_handling_seconds_bucket", labels("PingClientStream", "client_stream", { le: "+Inf" })),
    go: 1,
    ours: 2,
    why: "#92, as above",
  },
];

/** differences lists the series on which two comparable expositions differ, zero-valued series aside. */
function differences(go: Map<string, number>, ours: Map<string, number>) {
  const out: { series: string; go: number | undefined; ours: number | undefined }[] = [];
  const nz = (v: number | undefined) => (v === 0 ? undefined : v);
  for (const k of new Set([...go.keys(), ...ours.keys()])) {
    const [g, o] = [nz(go.get(k)), nz(ours.get(k))];
    if (g !== o) out.push({ series: k, go: g, ours: o });
  }
  return out.sort((a, b) => (a.series < b.series ? -1 : 1));
}

describe("the shared scenario against go-grpc-prometheus (goref)", () => {
  it("gives goref's server exposition, series by series, timings aside", async () => {
    const { server } = await run();
    expect(Object.fromEntries(comparable(server, "grpc_server_"))).toEqual(
      Object.fromEntries(comparable(goServer, "grpc_server_")),
    );
    expect(Object.fromEntries(server.meta)).toEqual(Object.fromEntries(goServer.meta));
  });

  it("gives goref's client exposition except where a Go client defect is fixed, each difference listed", async () => {
    const { client } = await run();
    const found = differences(comparable(goClient, "grpc_client_"), comparable(client, "grpc_client_"));
    const expected = fixedDefects.map(({ why: _, ...d }) => d).sort((a, b) => (a.series < b.series ? -1 : 1));
    expect(found).toEqual(expected);
    expect(Object.fromEntries(client.meta)).toEqual(Object.fromEntries(goClient.meta));
  });
});

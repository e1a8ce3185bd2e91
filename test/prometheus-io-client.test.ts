/**
 * @prometheus-io/client, prom-client's successor from the Prometheus project
 * (Node 22 and later): the runtime records on its registries as on
 * prom-client's, for the same calls the same expositions; its OpenMetrics
 * carries the exemplars; its ClusterRegistry sums two real workers.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ClientMetrics, type MetricsRegistry, ServerMetrics } from "../runtime/index.js";
import { TestServiceService } from "../testdata/gen/test.js";
import { InstrumentedTestServiceClient, instrumentTestServiceServer } from "../testdata/gen/test_grpc_prom.js";
import { clusterPrimary, expectWorkersSummed } from "./support/cluster.js";
import { scenario } from "./support/conformance.js";
import { comparable, key, parseExposition } from "./support/exposition.js";
import { repo } from "./support/plugin.js";
import { run } from "./support/readme.js";
import { runScenario } from "./support/scenario.js";
import { startServer } from "./support/server.js";
import { testService } from "./support/test-service.js";
import { waitFor } from "./support/wait.js";

const major = Number(process.versions.node.split(".")[0]);
const why = `@prometheus-io/client needs Node 22 or later, and this is Node ${process.versions.node} (.ci/peers.sh runs this file on 22 and 24)`;

/** pio is @prometheus-io/client, loaded only where it runs. */
const pio = () => createRequire(import.meta.url)("@prometheus-io/client") as typeof import("prom-client");

/** runOn runs the calltypes scenario through an instrumented server and client recording on the two registries. */
async function runOn(serverRegistry: MetricsRegistry, clientRegistry: MetricsRegistry) {
  const serverMetrics = new ServerMetrics({ registry: serverRegistry, handlingTimeHistogram: true });
  const clientMetrics = new ClientMetrics({ registry: clientRegistry, handlingTimeHistogram: true });
  const running = await startServer((s) =>
    s.addService(TestServiceService, instrumentTestServiceServer(testService, serverMetrics)),
  );
  const client = new InstrumentedTestServiceClient(running.address, credentials.createInsecure(), {}, clientMetrics);
  try {
    await runScenario(client, scenario("calltypes"));
    const started = key("grpc_server_started_total", {
      grpc_method: "PingStream",
      grpc_service: "mwitkow.testproto.TestService",
      grpc_type: "bidi_stream",
    });
    // The server counts a call as its stream closes; wait for the last to be handled.
    await waitFor(
      async () => {
        const e = parseExposition(await serverRegistry.metrics());
        const handled = [...e.series].filter(([k]) => k.startsWith("grpc_server_handled_total{"));
        const total = [...e.series].filter(([k]) => k.startsWith("grpc_server_started_total{"));
        const sum = (xs: [string, number][]) => xs.reduce((a, [, v]) => a + v, 0);
        return e.series.has(started) && sum(handled) === sum(total);
      },
      { timeoutMs: 5_000, intervalMs: 10, what: "the server never counted every call as handled" },
    );
    return {
      server: comparable(parseExposition(await serverRegistry.metrics()), "grpc_server_"),
      client: comparable(parseExposition(await clientRegistry.metrics()), "grpc_client_"),
    };
  } finally {
    client.close();
    await running.close();
  }
}

describe.skipIf(major < 22)(`@prometheus-io/client${major < 22 ? ` (skipped: ${why})` : ""}`, () => {
  it("records on its registries what it records on prom-client's, for the same calls", async () => {
    const { Registry: PioRegistry } = pio();
    const ours = await runOn(new PioRegistry(), new PioRegistry());
    const theirs = await runOn(new Registry(), new Registry());
    expect(ours.server).toEqual(theirs.server);
    expect(ours.client).toEqual(theirs.client);
    expect(ours.server.size).toBeGreaterThan(100);
  });

  it("renders the exemplars in its OpenMetrics", async () => {
    const { Registry: PioRegistry } = pio();
    const registry = new PioRegistry();
    registry.setContentType(PioRegistry.OPENMETRICS_CONTENT_TYPE as never);
    const metrics = new ServerMetrics({ registry, exemplars: () => ({ trace_id: "cafe" }) });
    const record = metrics.method({ grpcService: "a.B", grpcMethod: "C", grpcType: "unary" });
    record.finish(0, 0, { trace_id: "cafe" });
    const text = await registry.metrics();
    expect(text).toMatch(
      /^grpc_server_handled_total\{grpc_code="OK",grpc_method="C",grpc_service="a\.B",grpc_type="unary"\} 1 # \{trace_id="cafe"\} 1 [0-9.]+$/m,
    );
  });

  it("gives the defaults its global register where prom-client is not installed", async () => {
    // A project with the runtime as shipped, @grpc/grpc-js and @prometheus-io/client, and no prom-client.
    const dir = mkdtempSync(join(tmpdir(), "grpc-prom-pio-"));
    try {
      const modules = join(dir, "node_modules");
      mkdirSync(join(modules, "@grpc"), { recursive: true });
      mkdirSync(join(modules, "@prometheus-io"));
      cpSync(join(repo, "dist", "runtime"), join(modules, "protoc-gen-grpc-prom", "dist", "runtime"), {
        recursive: true,
      });
      symlinkSync(join(repo, "node_modules", "@grpc", "grpc-js"), join(modules, "@grpc", "grpc-js"));
      symlinkSync(join(repo, "node_modules", "@prometheus-io", "client"), join(modules, "@prometheus-io", "client"));
      writeFileSync(
        join(dir, "main.cjs"),
        [
          'const { ServerMetrics, defaultServerMetrics } = require("protoc-gen-grpc-prom/dist/runtime/index.js");',
          'const { register } = require("@prometheus-io/client");',
          'defaultServerMetrics().method({ grpcService: "a.B", grpcMethod: "C", grpcType: "unary" });',
          "let missing = 'prom-client found';",
          "try { require.resolve('prom-client'); } catch { missing = 'no prom-client'; }",
          "register.metrics().then((text) => console.log(missing + '\\n' + text));",
        ].join("\n"),
      );
      const { stdout } = await run(dir, process.execPath, ["main.cjs"], 20_000);
      expect(stdout.split("\n")[0]).toBe("no prom-client");
      const e = parseExposition(stdout.slice(stdout.indexOf("\n") + 1));
      const labels = { grpc_method: "C", grpc_service: "a.B", grpc_type: "unary" };
      expect(e.series.get(key("grpc_server_started_total", labels))).toBe(0);
      expect(e.series.get(key("grpc_server_handled_total", { ...labels, grpc_code: "OK" }))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sums two real workers in its ClusterRegistry", async () => {
    const e = await clusterPrimary({ CLIENT_LIB: "@prometheus-io/client" });
    expectWorkersSummed(e);
    const labels = { grpc_method: "Ping", grpc_service: "mwitkow.testproto.TestService", grpc_type: "unary" };
    expect(e.series.get(key("grpc_server_handled_total", { ...labels, grpc_code: "Unavailable" }))).toBe(0);
  }, 90_000);
});

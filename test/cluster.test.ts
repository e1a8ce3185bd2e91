/**
 * Node's cluster mode with two real workers: prom-client's
 * AggregatorRegistry in the primary sums the workers' series, zeros kept
 * and histograms merged, for the wiring the README gives (every worker
 * constructs its metrics on the global register; the primary serves).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { grpcCodeNames } from "../runtime/index.js";
import { key, parseExposition } from "./support/exposition.js";
import { repo } from "./support/plugin.js";
import { run } from "./support/readme.js";

const service = "mwitkow.testproto.TestService";
const labels = (method: string, type = "unary") => ({ grpc_method: method, grpc_service: service, grpc_type: type });

describe("node:cluster with prom-client's AggregatorRegistry", () => {
  it("sums two workers' series in the primary, every label set at zero kept, histograms merged", async () => {
    const { stdout } = await run(
      repo,
      process.execPath,
      ["--import", "tsx", join("test", "support", "cluster-primary.ts")],
      60_000,
    );
    const e = parseExposition(stdout);
    // Worker 0 made 1 Ping, worker 1 made 2; each one failing PingError.
    expect(e.series.get(key("grpc_server_started_total", labels("Ping")))).toBe(3);
    expect(e.series.get(key("grpc_server_handled_total", { ...labels("Ping"), grpc_code: "OK" }))).toBe(3);
    expect(e.series.get(key("grpc_server_handled_total", { ...labels("PingError"), grpc_code: "NotFound" }))).toBe(2);
    expect(e.series.get(key("grpc_client_handled_total", { ...labels("Ping"), grpc_code: "OK" }))).toBe(3);
    expect(e.series.get(key("grpc_client_msg_received_total", labels("Ping")))).toBe(3);
    expect(e.series.get(key("grpc_server_handling_seconds_count", labels("Ping")))).toBe(3);
    expect(e.series.get(key("grpc_server_handling_seconds_bucket", { ...labels("Ping"), le: "+Inf" }))).toBe(3);
    // Zeros kept: every code of every method, a method never called.
    for (const code of grpcCodeNames) {
      expect(
        e.series.get(key("grpc_server_handled_total", { ...labels("PingList", "server_stream"), grpc_code: code })),
      ).toBe(0);
    }
    expect(e.series.get(key("grpc_client_started_total", labels("PingStream", "bidi_stream")))).toBe(0);
    expect(e.meta.get("TYPE grpc_server_handling_seconds")).toBe("histogram");
  }, 90_000);
});

import { join } from "node:path";
import { expect } from "vitest";
import { grpcCodeNames } from "../../runtime/index.js";
import { type Exposition, key, parseExposition } from "./exposition.js";
import { repo } from "./plugin.js";
import { run } from "./readme.js";

const service = "mwitkow.testproto.TestService";
const labels = (method: string, type = "unary") => ({ grpc_method: method, grpc_service: service, grpc_type: type });

/** clusterPrimary runs test/support/cluster-primary.ts (env may pick CLIENT_LIB) and parses what its primary gathered. */
export async function clusterPrimary(env: NodeJS.ProcessEnv = {}): Promise<Exposition> {
  const script = join("test", "support", "cluster-primary.ts");
  const { stdout } = await run(repo, process.execPath, ["--import", "tsx", script], 60_000, env);
  return parseExposition(stdout);
}

/**
 * expectWorkersSummed checks a primary's exposition of two workers, worker
 * n having made n + 1 Ping calls and one PingError failing with NotFound,
 * each with the handling-time histogram on: the counts and the histogram
 * summed, and every label set of the calls never made kept at zero.
 */
export function expectWorkersSummed(e: Exposition): void {
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
  expect([...e.series.keys()].filter((k) => k.startsWith("grpc_server_handled_total{"))).toHaveLength(6 * 17);
  expect(e.series.get(key("grpc_server_started_total", labels("PingStream", "bidi_stream")))).toBe(0);
  expect(e.series.get(key("grpc_client_started_total", labels("PingStream", "bidi_stream")))).toBe(0);
  expect(e.meta.get("TYPE grpc_server_handling_seconds")).toBe("histogram");
}

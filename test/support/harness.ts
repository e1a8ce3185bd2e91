import type { UntypedServiceImplementation } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { onTestFinished } from "vitest";
import { ServerMetrics, type ServerMetricsOptions } from "../../runtime/index.js";
import { TestServiceClient, type TestServiceServer, TestServiceService } from "../../testdata/gen/test.js";
import { instrumentTestServiceServer } from "../../testdata/gen/test_grpc_prom.js";
import { codesOf, type Exposition, scrape, seriesValue, settled } from "./exposition.js";
import { connect, startServer } from "./server.js";
import { waitFor as waitUntil } from "./wait.js";

export const service = "mwitkow.testproto.TestService";

/** methods lists the conformance service's methods with their grpc_type. */
export const methods = [
  ["PingEmpty", "unary"],
  ["Ping", "unary"],
  ["PingError", "unary"],
  ["PingList", "server_stream"],
  ["PingClientStream", "client_stream"],
  ["PingStream", "bidi_stream"],
] as const;

export type MethodName = (typeof methods)[number][0];

/** labels returns the label set of a conformance method. */
export function labels(method: MethodName): Record<string, string> {
  const type = methods.find(([m]) => m === method)![1];
  return { grpc_method: method, grpc_service: service, grpc_type: type };
}

/** Harness is an instrumented conformance server on its own Registry, with a client. */
export interface Harness {
  readonly registry: Registry;
  readonly metrics: ServerMetrics;
  readonly client: TestServiceClient;
  readonly address: string;
  /** value reads one series of a conformance method once every call started is counted; absent throws (0 is not assumed). */
  value(name: string, method: MethodName, extra?: Record<string, string>): Promise<number>;
  /** waitFor polls until the series reaches want, calls in flight or not, so a test waits on the event, not on a sleep. */
  waitFor(name: string, method: MethodName, extra: Record<string, string>, want: number): Promise<void>;
  /** scrape reads the registry once every call started is counted. */
  scrape(): Promise<Exposition>;
}

/**
 * harness starts the conformance server, instrumented, on 127.0.0.1:0 with a
 * fresh Registry, and closes server and client when the test finishes.
 */
export async function harness(
  impl: TestServiceServer | UntypedServiceImplementation = {},
  options: Omit<ServerMetricsOptions, "registry"> = {},
): Promise<Harness> {
  const registry = new Registry();
  const metrics = new ServerMetrics({ ...options, registry });
  const running = await startServer((s) =>
    s.addService(TestServiceService, instrumentTestServiceServer(impl as TestServiceServer, metrics)),
  );
  const client = connect(TestServiceClient, running.address);
  onTestFinished(async () => {
    client.close();
    await running.close();
  });
  const now = (name: string, method: MethodName, extra: Record<string, string> = {}) =>
    seriesValue(registry, name, { ...labels(method), ...extra });
  // The server counts a call as its HTTP/2 stream closes, a moment after the client saw its status:
  // reads wait until every call started is counted.
  const settledScrape = () => settled(() => scrape(registry));
  return {
    registry,
    metrics,
    client,
    address: running.address,
    async value(name, method, extra = {}) {
      await settledScrape();
      return now(name, method, extra);
    },
    scrape: settledScrape,
    async waitFor(name, method, extra, want) {
      let last: number | undefined;
      await waitUntil(
        async () => {
          last = await now(name, method, extra);
          return last === want;
        },
        { timeoutMs: 5_000, intervalMs: 5, what: () => `${name} of ${method} stayed at ${last}, expected ${want}` },
      );
    },
  };
}

/** handledCodes returns every non-zero grpc_server_handled_total of a method, by code. */
export async function handledCodes(h: Harness, method: MethodName): Promise<Record<string, number>> {
  return codesOf(await h.scrape(), "grpc_server_handled_total", method);
}

import { type ChannelOptions, type ClientOptions, credentials } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { onTestFinished } from "vitest";
import { ClientMetrics, type ClientMetricsOptions } from "../../runtime/index.js";
import { type TestServiceClient, type TestServiceServer, TestServiceService } from "../../testdata/gen/test.js";
import { InstrumentedTestServiceClient } from "../../testdata/gen/test_grpc_prom.js";
import { codesOf, type Exposition, scrape, seriesValue } from "./exposition.js";
import { labels, type MethodName } from "./harness.js";
import { startServer } from "./server.js";
import { testService } from "./test-service.js";

/** ClientHarness is an instrumented client, on its own Registry, of a plain conformance server. */
export interface ClientHarness {
  readonly registry: Registry;
  readonly metrics: ClientMetrics;
  readonly client: TestServiceClient;
  readonly address: string;
  value(name: string, method: MethodName, extra?: Record<string, string>): Promise<number>;
  counts(
    method: MethodName,
  ): Promise<{ started: number; received: number; sent: number; handled: Record<string, number> }>;
  scrape(): Promise<Exposition>;
}

/**
 * clientHarness starts the conformance service (uninstrumented) on
 * 127.0.0.1:0, or uses `address`, and an InstrumentedTestServiceClient with a
 * fresh Registry; both are closed when the test finishes.
 */
export async function clientHarness(
  options: Omit<ClientMetricsOptions, "registry"> = {},
  setup: { impl?: TestServiceServer; address?: string; clientOptions?: Partial<ClientOptions & ChannelOptions> } = {},
): Promise<ClientHarness> {
  const registry = new Registry();
  const metrics = new ClientMetrics({ ...options, registry });
  let address = setup.address;
  if (address === undefined) {
    const running = await startServer((s) => s.addService(TestServiceService, setup.impl ?? testService));
    onTestFinished(() => running.close());
    address = running.address;
  }
  const client = new InstrumentedTestServiceClient(address, credentials.createInsecure(), setup.clientOptions, metrics);
  onTestFinished(() => client.close());
  const value = (name: string, method: MethodName, extra: Record<string, string> = {}) =>
    seriesValue(registry, name, { ...labels(method), ...extra });
  return {
    registry,
    metrics,
    client,
    address,
    value,
    scrape: () => scrape(registry),
    async counts(method) {
      const handled = codesOf(await scrape(registry), "grpc_client_handled_total", method);
      return {
        started: await value("grpc_client_started_total", method),
        received: await value("grpc_client_msg_received_total", method),
        sent: await value("grpc_client_msg_sent_total", method),
        handled,
      };
    },
  };
}

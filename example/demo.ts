// The demo: an instrumented shop.v1.ShopService, traffic from an instrumented
// client, the metrics of both sides, and where the service's generated Grafana
// dashboard and Prometheus rule file are.
//
//   npm run demo                     a steady load and a live view until Ctrl-C, then the summary
//   DEMO_EXIT=1 npm run demo         (or `tsx example/demo.ts --once`) the plan's 200 calls once, the summary, exit
//   METRICS_PORT=9464 npm run demo   a fixed port for the metrics endpoint
import { credentials, Server, ServerCredentials } from "@grpc/grpc-js";
// Only our metrics on the global registry: no collectDefaultMetrics(), so the
// exposition shows just what the instrumented server and client record.
import { register } from "prom-client";
import { ClientMetrics, ServerMetrics } from "protoc-gen-grpc-prom/runtime";
import { ShopServiceService } from "./gen/shop/v1/shop.js";
import { InstrumentedShopServiceClient, instrumentShopServiceServer } from "./gen/shop/v1/shop_grpc_prom.js";
import { startLiveView } from "./live-view.js";
import { drive, startLoad } from "./load.js";
import { DemoError, metricsPort, serveMetrics } from "./metrics-endpoint.js";
import { monitoringHelp } from "./monitoring.js";
import { plan } from "./plan.js";
import { newShopService } from "./shop-service.js";
import { readSnapshot } from "./snapshot.js";
import { summary } from "./summary.js";

const once = process.env.DEMO_EXIT === "1" || process.argv.includes("--once");

try {
  await main();
} catch (err) {
  if (!(err instanceof DemoError)) throw err;
  console.error(`demo: ${err.message}`);
  process.exitCode = 1;
}

/** main runs the demo; every server and timer it starts is closed when it returns, so the process exits 0. */
async function main(): Promise<void> {
  // The port first: a bad METRICS_PORT fails before anything else has started.
  const endpoint = await serveMetrics(register, metricsPort(process.env.METRICS_PORT));
  // Both on prom-client's global `register`, which /metrics and the views read:
  // the grpc_server_* and grpc_client_* families sit side by side.
  const serverMetrics = new ServerMetrics({ handlingTimeHistogram: true });
  const clientMetrics = new ClientMetrics({
    handlingTimeHistogram: true,
    streamReceiveTimeHistogram: true,
    streamSendTimeHistogram: true,
  });

  const grpcServer = new Server();
  grpcServer.addService(ShopServiceService, instrumentShopServiceServer(newShopService(), serverMetrics));
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
  console.log(`grpc:    127.0.0.1:${grpcPort} (shop.v1.ShopService)`);
  console.log(`metrics: ${endpoint.url}`);
  for (const line of monitoringHelp(new URL(endpoint.url).host)) console.log(line);

  const client = new InstrumentedShopServiceClient(
    `127.0.0.1:${grpcPort}`,
    credentials.createInsecure(),
    {},
    clientMetrics,
  );
  const start = performance.now();
  const calls = once ? await runOnce(client) : await runLive(client, endpoint.url);
  const elapsed = performance.now() - start;
  client.close();
  // Every call the server still counts as running ends before the summary reads its metrics.
  await shutdown(grpcServer);
  const took = elapsed < 10_000 ? `${Math.round(elapsed)}ms` : `${Math.round(elapsed / 1000)}s`;
  console.log(`\n${calls} calls in ${took}; what each side recorded:\n`);
  console.log(summary(await readSnapshot(register)));
  endpoint.close();
}

/** runOnce makes the plan's calls once, for CI: the same calls on every run. */
async function runOnce(client: InstrumentedShopServiceClient): Promise<number> {
  const calls = plan();
  await drive(client, calls);
  return calls.length;
}

/** runLive keeps the plan's calls going with the live view on screen until SIGINT or SIGTERM, and returns how many it made. */
async function runLive(client: InstrumentedShopServiceClient, metricsUrl: string): Promise<number> {
  const load = startLoad(client, plan());
  const view = await startLiveView({ registry: register, out: process.stdout, metricsUrl, calls: load.made });
  await stopSignal();
  await load.stop();
  await view.stop();
  return load.made();
}

/** stopSignal resolves on the first SIGINT or SIGTERM; a second one then ends the process the usual way. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** shutdown lets the server's calls finish and closes it; one that has not finished in 2s is cut off. */
function shutdown(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 2_000);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

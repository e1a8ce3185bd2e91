// The demo: an instrumented shop.v1.ShopService, traffic from an instrumented
// client, and the metrics of both sides.
//
//   npm run demo                 serve /metrics until Ctrl-C
//   DEMO_EXIT=1 npm run demo     (or `tsx example/demo.ts --once`) exit after the summary
//   METRICS_PORT=9464 npm run demo   a fixed port for the metrics endpoint
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { credentials, Server, ServerCredentials } from "@grpc/grpc-js";
// Only our metrics on the global registry: no collectDefaultMetrics(), so the
// exposition shows just what the instrumented server and client record.
import { register } from "prom-client";
import { ClientMetrics, ServerMetrics } from "protoc-gen-grpc-prom/runtime";
import { ShopServiceService } from "./gen/shop/v1/shop.js";
import { InstrumentedShopServiceClient, instrumentShopServiceServer } from "./gen/shop/v1/shop_grpc_prom.js";
import { newShopService } from "./shop-service.js";
import { summary } from "./summary.js";
import { drive, plan } from "./traffic.js";

const once = process.env.DEMO_EXIT === "1" || process.argv.includes("--once");

// Both on prom-client's global `register`, which /metrics and the summary read:
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

const httpServer = createServer((req, res) => {
  if (req.method !== "GET" || req.url?.split("?")[0] !== "/metrics") {
    res.writeHead(404).end("not found; try /metrics\n");
    return;
  }
  register.metrics().then(
    (text) => res.writeHead(200, { "Content-Type": register.contentType }).end(text),
    (err: unknown) => res.writeHead(500).end(`${String(err)}\n`),
  );
});
await new Promise<void>((resolve, reject) => {
  httpServer.once("error", reject);
  httpServer.listen(Number(process.env.METRICS_PORT ?? 0), "127.0.0.1", resolve);
});
const { port: metricsPort } = httpServer.address() as AddressInfo;

console.log(`grpc:    127.0.0.1:${grpcPort} (shop.v1.ShopService)`);
console.log(`metrics: http://127.0.0.1:${metricsPort}/metrics`);

const client = new InstrumentedShopServiceClient(
  `127.0.0.1:${grpcPort}`,
  credentials.createInsecure(),
  {},
  clientMetrics,
);
const calls = plan();
const start = performance.now();
await drive(client, calls);
client.close();
console.log(`\n${calls.length} calls in ${Math.round(performance.now() - start)}ms; what each side recorded:\n`);
console.log(await summary(register));

/** shutdown closes both servers; with nothing else pending, the process then exits 0. */
function shutdown(): void {
  grpcServer.forceShutdown();
  httpServer.close();
  // A scraper's keep-alive connection would otherwise hold the process open.
  httpServer.closeAllConnections();
}

if (once) {
  shutdown();
} else {
  console.log(`\nserving http://127.0.0.1:${metricsPort}/metrics until Ctrl-C`);
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

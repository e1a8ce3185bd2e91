/**
 * The cluster test's process (test/cluster.test.ts): as the primary, it
 * forks two workers and, once each has made its calls, prints what
 * prom-client's AggregatorRegistry gathers from them, then exits; as a
 * worker, it serves the conformance service instrumented with the default
 * metrics on prom-client's global register, as the README's cluster wiring
 * says, makes its calls to itself through an instrumented client, and
 * reports back. Each worker makes a different number of calls (worker n
 * makes n + 1 Ping calls and one failing PingError), so that the sums show
 * both were counted.
 *
 * With CLIENT_LIB=@prometheus-io/client, its ClusterRegistry and global
 * register stand in for prom-client's.
 *
 *   node --import tsx test/support/cluster-primary.ts
 */
import cluster from "node:cluster";
import { createRequire } from "node:module";
import { credentials, Metadata, Server, ServerCredentials, type ServiceError } from "@grpc/grpc-js";
import { ClientMetrics, ServerMetrics } from "../../runtime/index.js";
import { TestServiceService } from "../../testdata/gen/test.js";
import { InstrumentedTestServiceClient, instrumentTestServiceServer } from "../../testdata/gen/test_grpc_prom.js";
import { testService } from "./test-service.js";

const workers = 2;
// prom-client's AggregatorRegistry is @prometheus-io/client's ClusterRegistry under its old name.
const { AggregatorRegistry, register } = createRequire(import.meta.url)(
  process.env.CLIENT_LIB ?? "prom-client",
) as typeof import("prom-client");

if (cluster.isPrimary) {
  const aggregator = new AggregatorRegistry();
  let done = 0;
  for (let i = 0; i < workers; i++) {
    const w = cluster.fork({ WORKER_INDEX: String(i) });
    w.on("message", async (m: unknown) => {
      if (m !== "calls made" || ++done < workers) return;
      process.stdout.write(await aggregator.clusterMetrics());
      for (const id in cluster.workers) cluster.workers[id]?.kill();
      process.exit(0);
    });
  }
  setTimeout(() => {
    process.stderr.write("cluster-primary: the workers did not report in time\n");
    process.exit(1);
  }, 30_000).unref();
} else {
  const n = Number(process.env.WORKER_INDEX) + 1;
  // prom-client answers the primary's requests from a worker that made an AggregatorRegistry (its
  // constructor adds the listener); the registry itself is not used here.
  new AggregatorRegistry();
  // Every worker constructs its metrics, on the global register the aggregator reads.
  const serverMetrics = new ServerMetrics({ registry: register, handlingTimeHistogram: true });
  const clientMetrics = new ClientMetrics({ registry: register });
  const server = new Server();
  server.addService(TestServiceService, instrumentTestServiceServer(testService, serverMetrics));
  server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), async (err, port) => {
    if (err) throw err;
    const client = new InstrumentedTestServiceClient(
      `127.0.0.1:${port}`,
      credentials.createInsecure(),
      {},
      clientMetrics,
    );
    const deadline = () => ({ deadline: Date.now() + 5_000 });
    const call = (f: (cb: (e: ServiceError | null) => void) => void) =>
      new Promise<void>((resolve) => f(() => resolve()));
    const req = { value: "x", sleepTimeMs: 0, errorCodeReturned: 0 };
    for (let i = 0; i < n; i++) await call((cb) => client.ping(req, new Metadata(), deadline(), cb));
    await call((cb) => client.pingError({ ...req, errorCodeReturned: 5 }, new Metadata(), deadline(), cb));
    // The server counts a call as its stream closes, a moment after the client saw it end.
    for (let i = 0; i < 200; i++) {
      const handled = (await register.getSingleMetricAsString("grpc_server_handled_total"))
        .split("\n")
        .filter((l) => !l.startsWith("#"))
        .reduce((sum, l) => sum + Number(l.split(" ")[1] ?? 0), 0);
      if (handled === n + 1) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    process.send!("calls made");
  });
}

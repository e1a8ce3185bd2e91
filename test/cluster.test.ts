/**
 * Node's cluster mode with two real workers: prom-client's
 * AggregatorRegistry in the primary sums the workers' series, zeros kept
 * and histograms merged, for the wiring the README gives (every worker
 * constructs its metrics on the global register; the primary serves).
 */
import { describe, it } from "vitest";
import { clusterPrimary, expectWorkersSummed } from "./support/cluster.js";

describe("node:cluster with prom-client's AggregatorRegistry", () => {
  it("sums two workers' series in the primary, every label set at zero kept, histograms merged", async () => {
    // Worker 0 made 1 Ping, worker 1 made 2; each one failing PingError.
    expectWorkersSummed(await clusterPrimary());
  }, 90_000);
});

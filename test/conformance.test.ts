import { readFileSync } from "node:fs";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { ServerMetrics } from "../runtime/index.js";
import { TestServiceClient, TestServiceService } from "../testdata/gen/test.js";
import { instrumentTestServiceServer } from "../testdata/gen/test_grpc_prom.js";
import { comparable, parseExposition, scrape } from "./support/exposition.js";
import { runScenario, type Step } from "./support/scenario.js";
import { connect, type Running, startServer } from "./support/server.js";
import { testService } from "./support/test-service.js";

const golden = readFileSync(new URL("../testdata/goref/scenario.txt", import.meta.url), "utf8");
const steps = JSON.parse(readFileSync(new URL("../testdata/goref/scenario.json", import.meta.url), "utf8")) as Step[];

let running: Running | undefined;
let client: TestServiceClient | undefined;
afterEach(async () => {
  client?.close();
  await running?.close();
});

describe("the shared scenario against go-grpc-prometheus's exposition", () => {
  it("gives the server exposition of goref, series by series, timings aside", async () => {
    const registry = new Registry();
    const metrics = new ServerMetrics({ registry, handlingTimeHistogram: true });
    running = await startServer((s) =>
      s.addService(TestServiceService, instrumentTestServiceServer(testService, metrics)),
    );
    client = connect(TestServiceClient, running.address);
    await runScenario(client, steps);

    const ours = await scrape(registry);
    const theirs = parseExposition(golden.slice(0, golden.indexOf("# ---- client")));
    expect(Object.fromEntries(comparable(ours, "grpc_server_"))).toEqual(
      Object.fromEntries(comparable(theirs, "grpc_server_")),
    );
    expect(Object.fromEntries(ours.meta)).toEqual(Object.fromEntries(theirs.meta));
  });
});

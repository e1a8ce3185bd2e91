// The default metrics on prom-client's global register survive a
// register.clear(), as test set-ups and hot reloads do it: whatever is
// instrumented before and after keeps being served.
import { credentials } from "@grpc/grpc-js";
import { Counter, register } from "prom-client";
import { describe, expect, it, onTestFinished } from "vitest";
import { type TestServiceClient, TestServiceService } from "../testdata/gen/test.js";
import { InstrumentedTestServiceClient, instrumentTestServiceServer } from "../testdata/gen/test_grpc_prom.js";
import { unary } from "./support/calls.js";
import { key, scrape } from "./support/exposition.js";
import { labels } from "./support/harness.js";
import { startServer } from "./support/server.js";
import { testService } from "./support/test-service.js";

const req = { value: "v", sleepTimeMs: 0, errorCodeReturned: 0 };
const value = async (name: string) => (await scrape(register)).series.get(key(name, labels("Ping")));

/** serve starts the conformance service instrumented with the defaults; ping makes one call with a client of it. */
async function serve() {
  const running = await startServer((s) => s.addService(TestServiceService, instrumentTestServiceServer(testService)));
  onTestFinished(() => running.close());
  return running.address;
}
async function ping(client: TestServiceClient) {
  const o = await unary((m, opt, cb) => client.ping(req, m, opt, cb));
  expect(o.status.code).toBe(0);
}

describe("the defaults after register.clear()", () => {
  it("serve again, at zero, what was instrumented before and after the clear", async () => {
    const before = await serve();
    const client = new InstrumentedTestServiceClient(before, credentials.createInsecure());
    onTestFinished(() => client.close());
    await ping(client);
    expect(await value("grpc_server_handled_total")).toBeUndefined(); // handled has a grpc_code label
    expect(await value("grpc_server_started_total")).toBe(1);
    expect(await value("grpc_client_started_total")).toBe(1);

    register.clear();
    expect(await value("grpc_server_started_total")).toBeUndefined();

    // Instrumenting again with the defaults brings their families back, zeroed.
    const after = await serve();
    const again = new InstrumentedTestServiceClient(after, credentials.createInsecure());
    onTestFinished(() => again.close());
    expect(await value("grpc_server_started_total")).toBe(0);
    expect(await value("grpc_client_started_total")).toBe(0);
    await ping(again); // new server and client
    await ping(client); // the client and server made before the clear
    await expect.poll(() => value("grpc_server_started_total")).toBe(2);
    expect(await value("grpc_client_started_total")).toBe(2);
  });

  it("fail as at construction when another metric took one of their names", async () => {
    await serve();
    register.clear();
    new Counter({ name: "grpc_server_started_total", help: "someone else's", registers: [register] });
    expect(() => instrumentTestServiceServer(testService)).toThrow(
      "ServerMetrics (the default, on prom-client's global register): the registry already has a metric named grpc_server_started_total",
    );
  });
});

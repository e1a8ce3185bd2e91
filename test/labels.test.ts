import { Metadata, type ServiceError } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { type Empty, type PingRequest, type PingResponse, TestServiceClient } from "../testdata/gen/test.js";
import { drain, pingRequest, unary } from "./support/calls.js";
import { clientHarness } from "./support/client-harness.js";
import { codesOf, scrape, settled } from "./support/exposition.js";
import { harness } from "./support/harness.js";
import { connect, deadline } from "./support/server.js";
import { testService } from "./support/test-service.js";

const req = (over: Partial<PingRequest> = {}) => pingRequest({ value: "v", ...over });
const identity = (x: unknown) => x as Buffer;

describe("label safety", () => {
  it("makes no series for calls to methods outside the generated tables, on either side", async () => {
    const server = await harness(testService);
    const client = await clientHarness({}, { address: server.address });
    const serverBefore = [...(await server.scrape()).series.keys()];
    const clientBefore = [...(await client.scrape()).series.keys()];
    // The same connection, a path no table names: grpc-js answers Unimplemented without calling us.
    const code = await new Promise<number | undefined>((resolve) =>
      client.client.makeUnaryRequest(
        "/mwitkow.testproto.TestService/NotInTheProto",
        identity,
        identity,
        Buffer.alloc(0),
        new Metadata(),
        { deadline: deadline() },
        (err: ServiceError | null) => resolve(err?.code),
      ),
    );
    expect(code).toBe(12);
    expect([...(await server.scrape()).series.keys()]).toEqual(serverBefore);
    expect([...(await client.scrape()).series.keys()]).toEqual(clientBefore);
    expect([...(await client.scrape()).series.values()].every((v) => v === 0)).toBe(true);
  });

  it("takes no label value from request data: after varied calls the series are the ones made at start", async () => {
    const server = await harness(testService, { handlingTimeHistogram: true });
    const client = await clientHarness({ handlingTimeHistogram: true }, { address: server.address });
    const serverBefore = [...(await server.scrape()).series.keys()].sort();
    const clientBefore = [...(await client.scrape()).series.keys()].sort();
    const odd = ['a"b', "grpc_method=evil", "x".repeat(10_000), "\n", "🙂"];
    for (const value of odd) {
      const m = new Metadata();
      m.set("grpc_method", value.slice(0, 100).replace(/[^ -~]/g, "?"));
      await unary<PingResponse>((_m, o, cb) => client.client.ping(req({ value }), m, o, cb));
      await unary<Empty>((_m, o, cb) => client.client.pingError(req({ value, errorCodeReturned: 3 }), m, o, cb));
      await drain(client.client.pingList(req({ value }), m, { deadline: deadline() }));
    }
    expect([...(await settled(() => server.scrape())).series.keys()].sort()).toEqual(serverBefore);
    expect([...(await client.scrape()).series.keys()].sort()).toEqual(clientBefore);
  });

  it("gives at most 8 codes beyond the 17 a series of their own per method, counting the rest as Unknown", async () => {
    const server = await harness(testService);
    const client = await clientHarness({}, { address: server.address });
    // The conformance service fails PingError with the code the request asks for: request data picks codes.
    for (let code = 100; code < 130; code++) {
      await unary<Empty>((m, o, cb) => client.client.pingError(req({ errorCodeReturned: code }), m, o, cb));
    }
    const expected = {
      Unknown: 22,
      ...Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`Code(${100 + i})`, 1])),
    };
    expect(codesOf(await settled(() => server.scrape()), "grpc_server_handled_total", "PingError")).toEqual(expected);
    expect(codesOf(await client.scrape(), "grpc_client_handled_total", "PingError")).toEqual(expected);
    // A code already given a series keeps counting there.
    await unary<Empty>((m, o, cb) => client.client.pingError(req({ errorCodeReturned: 101 }), m, o, cb));
    expect(codesOf(await client.scrape(), "grpc_client_handled_total", "PingError")["Code(101)"]).toBe(2);
  });

  it("uses the same labels for a plain ts-proto client's calls as for the instrumented client's", async () => {
    const server = await harness(testService);
    const plain = connect(TestServiceClient, server.address);
    await unary<PingResponse>((m, o, cb) => plain.ping(req(), m, o, cb));
    plain.close();
    expect(await server.value("grpc_server_started_total", "Ping")).toBe(1);
    // started, received, sent and 17 handled codes for each of the six methods, and nothing else.
    expect((await scrape(server.registry)).series.size).toBe(6 * 20);
  });
});

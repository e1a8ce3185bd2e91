import { join } from "node:path";
import {
  type Client,
  credentials,
  loadPackageDefinition,
  Metadata,
  makeGenericClientConstructor,
  ServerInterceptingCall,
  type ServerInterceptor,
  type ServiceDefinition,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation, service as healthService } from "grpc-health-check";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { ClientMetrics, instrumentClient, instrumentServer, ServerMetrics } from "../runtime/index.js";
import { TestServiceService } from "../testdata/gen/test.js";
import { instrumentTestServiceServer } from "../testdata/gen/test_grpc_prom.js";
import { pingRequest, unary } from "./support/calls.js";
import {
  type Expositions,
  expectLikeGo,
  golden,
  ourServer,
  type Path,
  runOurClient,
  scenario,
  scenarioNames,
} from "./support/conformance.js";
import { codesOf, comparable, key, scrape, settled } from "./support/exposition.js";
import { TestService, testServiceDefinition } from "./support/proto-loader.js";
import { type Running, startServer } from "./support/server.js";
import { testService } from "./support/test-service.js";

const testServiceName = "mwitkow.testproto.TestService";
const started = "grpc_server_started_total";
const handled = "grpc_server_handled_total";

let running: Running | undefined;
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await running?.close();
  running = undefined;
});

function track<C extends Client>(c: C): C {
  clients.push(c);
  return c;
}

/** runBoth runs one scenario on a path, returning the server's and client's expositions. */
async function runPath(path: Path, name: string): Promise<Expositions> {
  const server = await ourServer(path);
  try {
    const clientRegistry = await runOurClient(server.address, scenario(name), path);
    return { server: await settled(() => scrape(server.registry)), client: await scrape(clientRegistry) };
  } finally {
    await server.close();
  }
}

describe("the goref scenarios, on a service proto-loader loads at run time", () => {
  const cases = scenarioNames().flatMap((name) =>
    (["proto-loader", "server-wide"] as const).map((p): [Path, string] => [p, name]),
  );

  it.each(cases)("%s, %s: goref's expositions but for the difference table", async (path, name) => {
    const ours = await runPath(path, name);
    const go = golden(name);
    expectLikeGo(name, "server", go.server, ours.server);
    expectLikeGo(name, "client", go.client, ours.client);
  });

  it.each(["proto-loader", "server-wide"] as const)(
    "%s: the ts-proto path's expositions for the same calls",
    async (path) => {
      const [ours, generated] = [await runPath(path, "calltypes"), await runPath("ts-proto", "calltypes")];
      expect(comparable(ours.server, "grpc_server_")).toEqual(comparable(generated.server, "grpc_server_"));
      expect(comparable(ours.client, "grpc_client_")).toEqual(comparable(generated.client, "grpc_client_"));
    },
  );
});

describe("instrumentServer and instrumentClient, given a grpc-js ServiceDefinition", () => {
  it("expose every label set at zero before the first call, as the generated path does", async () => {
    const [fromDefinition, generated] = [new Registry(), new Registry()];
    instrumentServer(TestService.service, testService, new ServerMetrics({ registry: fromDefinition }));
    instrumentTestServiceServer(testService, new ServerMetrics({ registry: generated }));
    expect(await fromDefinition.metrics()).toBe(await generated.metrics());
    expect((await scrape(fromDefinition)).series.size).toBe(6 * (1 + 17 + 1 + 1));

    const clientRegistry = new Registry();
    const Ctor = instrumentClient(TestService);
    track(new Ctor("127.0.0.1:1", credentials.createInsecure(), {}, new ClientMetrics({ registry: clientRegistry })));
    const e = await scrape(clientRegistry);
    expect([...e.series.values()].every((v) => v === 0)).toBe(true);
    expect(e.series.get(key("grpc_client_started_total", labelsOf("bidi_stream", "PingStream")))).toBe(0);
    expect(e.series.size).toBe(6 * (1 + 17 + 1 + 1));
  });

  it("find handlers keyed by the method's name or its originalName, as grpc-js does", async () => {
    const registry = new Registry();
    const metrics = new ServerMetrics({ registry });
    const byProtoName = { PingEmpty: testService.pingEmpty, Ping: testService.ping };
    const byCamelCase = { pingError: testService.pingError };
    running = await startServer((s) =>
      s.addService(
        TestService.service,
        instrumentServer(TestService.service, { ...byProtoName, ...byCamelCase }, metrics),
      ),
    );
    const client = track(
      new TestService(running.address, credentials.createInsecure()),
    ) as unknown as ProtoLoaderClient;
    expect((await unary<unknown>((md, o, cb) => client.PingEmpty({}, md, o, cb))).status.code).toBe(status.OK);
    expect((await unary<unknown>((md, o, cb) => client.Ping(pingRequest(), md, o, cb))).status.code).toBe(status.OK);
    const err = pingRequest({ errorCodeReturned: status.NOT_FOUND });
    expect((await unary<unknown>((md, o, cb) => client.PingError(err, md, o, cb))).status.code).toBe(status.NOT_FOUND);
    // Not implemented either way: answered Unimplemented, counted.
    const unimplemented = await unary<unknown>((md, o, cb) => {
      const call = client.PingClientStream(md, o, cb);
      call.end();
      return call;
    });
    expect(unimplemented.status.code).toBe(status.UNIMPLEMENTED);
    const e = await settled(() => scrape(registry));
    expect(codesOf(e, handled, "PingEmpty")).toEqual({ OK: 1 });
    expect(codesOf(e, handled, "Ping")).toEqual({ OK: 1 });
    expect(codesOf(e, handled, "PingError")).toEqual({ NotFound: 1 });
    expect(codesOf(e, handled, "PingClientStream")).toEqual({ Unimplemented: 1 });
  });

  it("keep every method name grpc-js gives a client, each counted under the method's labels", async () => {
    running = await startServer((s) => s.addService(TestService.service, testService));
    const registry = new Registry();
    const Ctor = instrumentClient(TestService);
    const client = track(
      new Ctor(running.address, credentials.createInsecure(), {}, new ClientMetrics({ registry })),
    ) as unknown as ProtoLoaderClient;
    expect(typeof client.PingEmpty).toBe("function");
    expect(typeof client.pingEmpty).toBe("function");
    await unary<unknown>((md, o, cb) => client.PingEmpty({}, md, o, cb));
    await unary<unknown>((md, o, cb) => client.pingEmpty({}, md, o, cb));
    const e = await scrape(registry);
    expect(e.series.get(key("grpc_client_started_total", labelsOf("unary", "PingEmpty")))).toBe(2);
    expect(codesOf(e, "grpc_client_handled_total", "PingEmpty")).toEqual({ OK: 2 });
    expect(e.series.get(key("grpc_client_msg_received_total", labelsOf("unary", "PingEmpty")))).toBe(2);
  });

  it("instrument a client makeGenericClientConstructor made, from its service, and grpc-health-check's definition", async () => {
    const health = new HealthImplementation({ "": "SERVING" });
    running = await startServer((s) => health.addToServer(s));
    const registry = new Registry();
    const Health = instrumentClient(makeGenericClientConstructor(healthService as ServiceDefinition, "Health"));
    const client = track(
      new Health(running.address, credentials.createInsecure(), undefined, new ClientMetrics({ registry })),
    );
    const check = (service: string) =>
      unary<unknown>((md, o, cb) => (client as unknown as HealthClient).check({ service }, md, o, cb));
    expect((await check("")).status.code).toBe(status.OK);
    expect((await check("nope")).status.code).toBe(status.NOT_FOUND);
    const e = await scrape(registry);
    const labels = { grpc_type: "unary", grpc_service: "grpc.health.v1.Health", grpc_method: "Check" };
    expect(e.series.get(key("grpc_client_started_total", labels))).toBe(2);
    expect(codesOf(e, "grpc_client_handled_total", "Check")).toEqual({ OK: 1, NotFound: 1 });
    expect(
      e.series.get(key("grpc_client_started_total", { ...labels, grpc_type: "server_stream", grpc_method: "Watch" })),
    ).toBe(0);
  });

  describe("fail at wrap time, naming the method, on a malformed definition", () => {
    const good = { path: "/a.B/C", requestStream: false, responseStream: false };
    const cases: [string, unknown, string][] = [
      [
        "a path without service",
        { ...good, path: "/C" },
        'method C: path "/C" is not a gRPC method path ("/package.Service/Method")',
      ],
      ["no path", { ...good, path: undefined }, "method C: path undefined is not a gRPC method path"],
      [
        "a flag that is no boolean",
        { ...good, responseStream: "yes" },
        "method C (/a.B/C): requestStream and responseStream must be booleans",
      ],
      [
        "an originalName that is no string",
        { ...good, originalName: 7 },
        "method C (/a.B/C): originalName must be a string",
      ],
      ["null", null, "method C is null, not a method definition"],
      [
        "a table entry of unknown type",
        { grpcService: "a.B", grpcMethod: "C", grpcType: "duplex" },
        "method C has an unknown grpcType duplex",
      ],
    ];
    it.each(cases)("%s", (_, method, message) => {
      const service = { C: method } as unknown as ServiceDefinition;
      expect(() => instrumentServer(service, {}, new ServerMetrics({ registry: new Registry() }))).toThrow(
        `instrumentServer: ${message}`,
      );
      expect(() => instrumentClient(makeGenericClientConstructor({}, "X"), service)).toThrow(
        `instrumentClient: ${message}`,
      );
    });

    it("a client constructor without a service, or bad options", () => {
      class Bare extends (makeGenericClientConstructor({}, "X") as new (...a: never[]) => Client) {}
      Object.defineProperty(Bare, "service", { value: undefined });
      expect(() => instrumentClient(Bare as never)).toThrow(
        "instrumentClient: the client constructor has no `service` (grpc-js's own constructors have one); pass its method table or ServiceDefinition",
      );
      expect(() => instrumentClient(TestService, undefined, { metricsArgument: 2 })).toThrow(
        "instrumentClient: metricsArgument must be an integer of at least 3 (after address, credentials, options)",
      );
      expect(() => instrumentClient(TestService, undefined, { metrics: 3 } as never)).toThrow(
        'instrumentClient: unknown option "metrics"; the options are metricsArgument',
      );
      const Ctor = instrumentClient(TestService);
      expect(() => new Ctor("127.0.0.1:1", credentials.createInsecure(), {}, {} as never)).toThrow(
        "InstrumentedClient: the fourth argument must be a ClientMetrics",
      );
    });
  });
});

describe("InstrumentedServer: every service of a server, in one step", () => {
  const reflectionProto = join(
    import.meta.dirname,
    "..",
    "node_modules",
    "@grpc",
    "reflection",
    "build",
    "proto",
    "grpc",
    "reflection",
    "v1",
    "reflection.proto",
  );

  async function serverWithEverything(options = {}) {
    const registry = new Registry();
    const metrics = new ServerMetrics({ registry });
    running = await startServer(
      (s) => {
        new HealthImplementation({ "": "SERVING" }).addToServer(s);
        new ReflectionService(testServiceDefinition).addToServer(s);
        s.addService(TestService.service, testService);
      },
      options,
      metrics,
    );
    return { registry, address: running.address };
  }

  it("has every label set of health, reflection and the service at zero before the first call", async () => {
    const { registry } = await serverWithEverything();
    const e = await scrape(registry);
    const methods = [...e.series]
      .filter(([k]) => k.startsWith(`${started}{`))
      .map(
        ([k, v]) =>
          `${/grpc_type="([^"]*)"/.exec(k)![1]} ${/grpc_service="([^"]*)"/.exec(k)![1]}/${/grpc_method="([^"]*)"/.exec(k)![1]} ${v}`,
      )
      .sort();
    expect(methods).toEqual([
      "bidi_stream grpc.reflection.v1.ServerReflection/ServerReflectionInfo 0",
      "bidi_stream grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo 0",
      `bidi_stream ${testServiceName}/PingStream 0`,
      `client_stream ${testServiceName}/PingClientStream 0`,
      "server_stream grpc.health.v1.Health/Watch 0",
      `server_stream ${testServiceName}/PingList 0`,
      "unary grpc.health.v1.Health/Check 0",
      "unary grpc.health.v1.Health/List 0",
      `unary ${testServiceName}/Ping 0`,
      `unary ${testServiceName}/PingEmpty 0`,
      `unary ${testServiceName}/PingError 0`,
    ]);
    expect([...e.series.values()].every((v) => v === 0)).toBe(true);
    expect([...e.series.keys()].filter((k) => k.startsWith(`${handled}{`))).toHaveLength(11 * 17);
  });

  it("counts calls of health, reflection and the service exactly", async () => {
    const { registry, address } = await serverWithEverything();
    const health = track(
      new (makeGenericClientConstructor(healthService as ServiceDefinition, "Health"))(
        address,
        credentials.createInsecure(),
      ),
    ) as unknown as HealthClient;
    expect((await unary<unknown>((md, o, cb) => health.check({ service: "" }, md, o, cb))).status.code).toBe(status.OK);
    expect((await unary<unknown>((md, o, cb) => health.check({ service: "x" }, md, o, cb))).status.code).toBe(
      status.NOT_FOUND,
    );

    const reflection = loadPackageDefinition(loadSync(reflectionProto)) as unknown as ReflectionPackage;
    const r = track(new reflection.grpc.reflection.v1.ServerReflection(address, credentials.createInsecure()));
    const stream = r.ServerReflectionInfo(new Metadata(), { deadline: Date.now() + 5_000 });
    const answers: unknown[] = [];
    const ended = new Promise<number>((resolve) => stream.on("status", (s: { code: number }) => resolve(s.code)));
    stream.on("data", (m: unknown) => answers.push(m));
    stream.write({ listServices: "" });
    stream.write({ fileContainingSymbol: testServiceName });
    stream.end();
    expect(await ended).toBe(status.OK);
    expect(answers).toHaveLength(2);

    const client = track(new TestService(address, credentials.createInsecure())) as unknown as ProtoLoaderClient;
    const err = pingRequest({ errorCodeReturned: status.ABORTED });
    expect((await unary<unknown>((md, o, cb) => client.PingError(err, md, o, cb))).status.code).toBe(status.ABORTED);

    const e = await settled(() => scrape(registry));
    const reflectionLabels = {
      grpc_type: "bidi_stream",
      grpc_service: "grpc.reflection.v1.ServerReflection",
      grpc_method: "ServerReflectionInfo",
    };
    expect(codesOf(e, handled, "Check")).toEqual({ OK: 1, NotFound: 1 });
    expect(e.series.get(key("grpc_server_msg_received_total", { ...reflectionLabels }))).toBe(2);
    expect(e.series.get(key("grpc_server_msg_sent_total", { ...reflectionLabels }))).toBe(2);
    expect(codesOf(e, handled, "ServerReflectionInfo")).toEqual({ OK: 1 });
    expect(codesOf(e, handled, "PingError")).toEqual({ Aborted: 1 });
    const nonZeroStarted = [...e.series]
      .filter(([k, v]) => k.startsWith(`${started}{`) && v !== 0)
      .map(([k, v]) => [/grpc_method="([^"]*)"/.exec(k)![1], v]);
    expect(Object.fromEntries(nonZeroStarted)).toEqual({ Check: 2, ServerReflectionInfo: 1, PingError: 1 });
  });

  it("counts a unary call whose request grpc-js cannot read, which no handler sees", async () => {
    const registry = new Registry();
    running = await startServer(
      (s) => s.addService(TestService.service, testService),
      { "grpc.max_receive_message_length": 16 },
      new ServerMetrics({ registry }),
    );
    const Raw = makeGenericClientConstructor(
      {
        ping: {
          path: `/${testServiceName}/Ping`,
          requestStream: false,
          responseStream: false,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      },
      "Raw",
    );
    const raw = track(new Raw(running.address, credentials.createInsecure())) as unknown as {
      ping: (req: Buffer, md: Metadata, o: object, cb: Callback) => CallEvents;
    };
    // A truncated varint field: not a PingRequest. Then one over the server's 16 bytes.
    const undecodable = await unary<unknown>((md, o, cb) => raw.ping(Buffer.from([0x0a, 0xff]), md, o, cb));
    expect(undecodable.status.code).toBe(status.INTERNAL);
    const tooLarge = await unary<unknown>((md, o, cb) => raw.ping(Buffer.alloc(64, 0x0a), md, o, cb));
    expect(tooLarge.status.code).toBe(status.RESOURCE_EXHAUSTED);
    const e = await settled(() => scrape(registry));
    expect(e.series.get(key(started, labelsOf("unary", "Ping")))).toBe(2);
    expect(codesOf(e, handled, "Ping")).toEqual({ Internal: 1, ResourceExhausted: 1 });
    expect(e.series.get(key("grpc_server_msg_received_total", labelsOf("unary", "Ping")))).toBe(0);
    expect(e.series.get(key("grpc_server_msg_sent_total", labelsOf("unary", "Ping")))).toBe(0);
  });

  it("counts once an implementation that instrumentServer also wrapped, and keeps the user's interceptors", async () => {
    const registry = new Registry();
    const metrics = new ServerMetrics({ registry });
    // An interceptor of the user's that refuses PingEmpty before any handler runs.
    const refuse: ServerInterceptor = (descriptor, call) =>
      new ServerInterceptingCall(call, {
        start(next) {
          next({
            onReceiveMetadata(md, mdNext) {
              if (descriptor.path.endsWith("/PingEmpty"))
                call.sendStatus({ code: status.PERMISSION_DENIED, details: "no" });
              else mdNext(md);
            },
          });
        },
      });
    running = await startServer(
      (s) => s.addService(TestServiceService, instrumentTestServiceServer(testService, metrics)),
      { interceptors: [refuse] },
      metrics,
    );
    const client = track(
      new TestService(running.address, credentials.createInsecure()),
    ) as unknown as ProtoLoaderClient;
    expect((await unary<unknown>((md, o, cb) => client.Ping(pingRequest(), md, o, cb))).status.code).toBe(status.OK);
    const refused = await unary<unknown>((md, o, cb) => client.PingEmpty({}, md, o, cb));
    expect(refused.status).toMatchObject({ code: status.PERMISSION_DENIED, details: "no" });
    const e = await settled(() => scrape(registry));
    expect(codesOf(e, handled, "Ping")).toEqual({ OK: 1 });
    expect(e.series.get(key(started, labelsOf("unary", "Ping")))).toBe(1);
    expect(e.series.get(key("grpc_server_msg_received_total", labelsOf("unary", "Ping")))).toBe(1);
    expect(e.series.get(key("grpc_server_msg_sent_total", labelsOf("unary", "Ping")))).toBe(1);
    expect(codesOf(e, handled, "PingEmpty")).toEqual({ PermissionDenied: 1 });
  });

  it("refuses a second argument that is not a ServerMetrics", async () => {
    const { InstrumentedServer } = await import("../runtime/index.js");
    expect(() => new InstrumentedServer({}, {} as never)).toThrow(
      "InstrumentedServer: the second argument must be a ServerMetrics",
    );
  });
});

function labelsOf(type: string, method: string): Record<string, string> {
  return { grpc_type: type, grpc_service: testServiceName, grpc_method: method };
}

interface CallEvents {
  on(event: "status", l: (s: import("@grpc/grpc-js").StatusObject) => void): unknown;
  on(event: "metadata", l: (m: Metadata) => void): unknown;
}
type Callback = (err: ServiceError | null, res?: unknown) => void;
type UnaryMethod = (req: unknown, md: Metadata, o: object, cb: Callback) => CallEvents;
interface ProtoLoaderClient {
  PingEmpty: UnaryMethod;
  pingEmpty: UnaryMethod;
  Ping: UnaryMethod;
  PingError: UnaryMethod;
  PingClientStream(md: Metadata, o: object, cb: Callback): CallEvents & { end(): void };
}
interface HealthClient {
  check: UnaryMethod;
}
interface ReflectionPackage {
  grpc: {
    reflection: {
      v1: {
        ServerReflection: new (
          address: string,
          creds: ReturnType<typeof credentials.createInsecure>,
        ) => Client & {
          ServerReflectionInfo(md: Metadata, o: object): import("@grpc/grpc-js").ClientDuplexStream<unknown, unknown>;
        };
      };
    };
  };
}

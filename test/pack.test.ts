/**
 * The package tried as a new user would: packed by `npm pack`, installed from
 * the tarball into fresh projects outside the repo (ts-proto in one ESM and
 * one CommonJS project, protobuf-ts in a third), code generated there by buf
 * beside our plugin, compiled by the project's own strict tsc, and servers
 * run under plain node: the generated wrappers, the run-time path
 * (proto-loader, InstrumentedServer, health), the go-grpc-middleware v2
 * options with a real OpenTelemetry tracer, cluster mode with two workers,
 * and @prometheus-io/client in a project without prom-client.
 * Nothing here resolves back into the repo's sources or node_modules.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectWorkersSummed } from "./support/cluster.js";
import { key, parseExposition } from "./support/exposition.js";
import { repo } from "./support/plugin.js";
import { promtoolBin, promtoolMissing } from "./support/prometheus.js";
import { nodeBinary, packTarball, run } from "./support/readme.js";

/** deps are what a user installs beside the tarball, pinned to the repo's locked versions so the test sees what CI sees. */
const deps = [
  "@grpc/grpc-js",
  "prom-client",
  "ts-proto",
  "@bufbuild/buf",
  "typescript",
  "@types/node",
  "@grpc/proto-loader",
  "grpc-health-check",
].map(pinned);

/** pinned is name@version, the version the repo's lockfile installed. */
function pinned(name: string): string {
  return `${name}@${(JSON.parse(readFileSync(join(repo, "node_modules", name, "package.json"), "utf8")) as { version: string }).version}`;
}

/**
 * Project is one fresh project: an ESM one on NodeNext, and a CommonJS one on
 * TypeScript's classic `node10` resolution, the default with
 * `module: commonjs`, which reads the package's typesVersions, not "exports".
 */
interface Project {
  readonly kind: "esm" | "cjs" | "protobuf-ts";
  readonly packageJson: object;
  readonly modules: { readonly module: string; readonly moduleResolution: string };
  /** generator is the buf.gen.yaml entry of the generator our plugin sits beside. */
  readonly generator: string;
  readonly pluginOpts: readonly string[];
  /** generatedImport is how the generated wrapper must import the generator's file. */
  readonly generatedImport: string;
  /** extraDeps are what this project installs beside deps. */
  readonly extraDeps: readonly string[];
  /** sources are the project's own files under src/, by name. */
  readonly sources: Readonly<Record<string, string>>;
}

/** tsProto is ts-proto's buf.gen.yaml entry, with its options. */
const tsProto = (opts: readonly string[]) => `  - local: protoc-gen-ts_proto
    out: src/gen
    opt: [${opts.join(", ")}]`;

const projects = (): readonly Project[] => [
  {
    kind: "esm",
    packageJson: { type: "module" },
    modules: { module: "NodeNext", moduleResolution: "NodeNext" },
    generator: tsProto(["outputServices=grpc-js", "importSuffix=.js"]),
    pluginOpts: [
      "target=ts",
      "import_extension=js",
      "dashboards=true",
      "rules=true",
      "histogram=true",
      "slo_latency=0.25",
    ],
    generatedImport: `from "./test.js"`,
    extraDeps: [
      "@opentelemetry/api",
      "@opentelemetry/context-async-hooks",
      "@opentelemetry/sdk-trace-base",
      "@prometheus-io/client",
    ].map(pinned),
    sources: {
      "impl.ts": implTs("TestServiceServer", "./gen/test.js", "Value"),
      "server.ts": serverTs,
      "loader.ts": loaderTs,
      "options.ts": optionsTs,
      "cluster.ts": clusterTs,
    },
  },
  {
    kind: "cjs",
    packageJson: {},
    modules: { module: "commonjs", moduleResolution: "node10" },
    generator: tsProto(["outputServices=grpc-js"]),
    pluginOpts: ["target=ts", "dashboards=true", "rules=true"],
    generatedImport: `from "./test"`,
    extraDeps: [],
    sources: {
      "impl.ts": implTs("TestServiceServer", "./gen/test", "Value"),
      "server.ts": serverTs,
      "loader.ts": loaderTs,
    },
  },
  {
    // protobuf-ts imports without extensions: CommonJS, as docs/generators.md says, and its entry as that page gives it.
    kind: "protobuf-ts",
    packageJson: {},
    modules: { module: "commonjs", moduleResolution: "node10" },
    generator: `  - local: ["node", "node_modules/@protobuf-ts/plugin/bin/protoc-gen-ts"]
    out: src/gen
    opt: [client_grpc1, server_grpc1]`,
    pluginOpts: ["target=ts", "generator=protobuf-ts", "dashboards=true", "rules=true"],
    generatedImport: `from "./test.grpc-server"`,
    extraDeps: ["@protobuf-ts/plugin", "@protobuf-ts/runtime", "@protobuf-ts/runtime-rpc"].map(pinned),
    sources: {
      "impl.ts": implTs("ITestService", "./gen/test.grpc-server", "value"),
      "server.ts": protobufTsServerTs,
      "loader.ts": loaderTs,
    },
  },
];

/** tsconfig is strict and leaves skipLibCheck off, so the .d.ts files we ship are checked too. */
const tsconfig = (p: Project) => ({
  compilerOptions: { target: "ES2022", ...p.modules, strict: true, types: ["node"], rootDir: "src", outDir: "dist" },
  include: ["src"],
});

/**
 * oldTypeScripts are the compilers the README's compatibility claim names:
 * 4.9, the first with `satisfies`, for this package's declarations and the
 * generated code; 5.7, the first whose lib has generic typed arrays, which
 * the declarations of @bufbuild/protobuf (imported by ts-proto's code) use.
 */
const oldTypeScripts = { satisfies: "4.9.5", typedArrays: "5.7.3" } as const;

/**
 * runtimeConsumerTs uses every kind of thing the runtime exports, so that
 * checking it with skipLibCheck off checks the .d.ts files we ship (and
 * grpc-js's, prom-client's and @types/node's), without ts-proto's code.
 */
const runtimeConsumerTs = `import { credentials, makeGenericClientConstructor, type ServiceDefinition } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import {
  ClientMetrics,
  defaultBuckets,
  grpcCodeName,
  type InstrumentClientOptions,
  InstrumentedServer,
  instrumentClient,
  instrumentServer,
  type MethodTable,
  ServerMetrics,
  type ServiceMethods,
  serverMetricDefs,
} from "protoc-gen-grpc-prom/runtime";

const table = {
  echo: { grpcService: "demo.Echo", grpcMethod: "Echo", grpcType: "unary" },
} as const satisfies MethodTable<"echo">;
const registry = new Registry();
const metrics = new ServerMetrics({ registry, handlingTimeHistogram: { buckets: [...defaultBuckets] } });
export const impl = instrumentServer(table, { echo: () => undefined }, metrics);
const Client = instrumentClient(makeGenericClientConstructor({} as ServiceDefinition, "demo.Echo"), table);
export const client = new Client("127.0.0.1:1", credentials.createInsecure(), {}, new ClientMetrics({ registry }));
export const names: string[] = [grpcCodeName(5), serverMetricDefs.started.name];
const definition: ServiceMethods = Client.service;
const at: InstrumentClientOptions = { metricsArgument: 3 };
export const fromDefinition = instrumentClient(makeGenericClientConstructor(definition as ServiceDefinition, "demo.Echo"), undefined, at);
export const server = new InstrumentedServer({ interceptors: [] }, metrics);
`;

/** runtimeConsumerTsconfig checks runtimeConsumerTs alone: strict, skipLibCheck off. */
const runtimeConsumerTsconfig = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    skipLibCheck: false,
    types: ["node"],
    noEmit: true,
  },
  files: ["runtime-consumer.ts"],
};

const bufGenYaml = (p: Project) => `version: v2
clean: true
inputs:
  - directory: proto
plugins:
${p.generator}
  - local: protoc-gen-grpc-prom
    out: src/gen
    opt: [${p.pluginOpts.join(", ")}]
`;

/**
 * implTs is the service every project's scripts serve (go-grpc-prometheus's
 * test service, answering at once), for the generator's names: its
 * implementation type, where that comes from, and the response's field.
 */
const implTs = (type: string, from: string, field: "Value" | "value") => `import type { ${type} } from "${from}";

export const impl: ${type} = {
  pingEmpty: (_call, callback) => callback(null, { ${field}: "I like kittens.", counter: 42 }),
  ping: (call, callback) => callback(null, { ${field}: call.request.value, counter: 42 }),
  pingError: (call, callback) => callback({ code: call.request.errorCodeReturned, details: "Userspace error." }),
  pingList: (call) => call.end(),
  pingClientStream: (_call, callback) => callback(null, { ${field}: "", counter: 0 }),
  pingStream: (call) => call.end(),
};
`;

/** serverTs is valid in both module kinds: relative ".js" specifiers resolve under NodeNext either way, and no top-level await. */
const serverTs = `import { credentials, Metadata, Server, ServerCredentials, status } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { ClientMetrics, ServerMetrics } from "protoc-gen-grpc-prom/runtime";
import { TestServiceService, type TestServiceClient } from "./gen/test.js";
import { InstrumentedTestServiceClient, instrumentTestServiceServer } from "./gen/test_grpc_prom.js";
import { impl } from "./impl.js";

async function main(): Promise<void> {
  const registry = new Registry();
  const metrics = new ServerMetrics({ registry });
  const server = new Server();
  server.addService(TestServiceService, instrumentTestServiceServer(impl, metrics));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  // The instrumented client is a drop-in for ts-proto's: same arguments, then its ClientMetrics.
  const client: TestServiceClient = new InstrumentedTestServiceClient(
    "127.0.0.1:" + port, credentials.createInsecure(), {}, new ClientMetrics({ registry }),
  );
  const options = () => ({ deadline: new Date(Date.now() + 5_000) });
  await new Promise<void>((resolve, reject) => client.pingEmpty({}, new Metadata(), options(), (err) => (err ? reject(err) : resolve())));
  const req = { value: "x", sleepTimeMs: 0, errorCodeReturned: status.NOT_FOUND };
  const code = await new Promise<number | undefined>((resolve) => client.pingError(req, new Metadata(), options(), (err) => resolve(err?.code)));
  if (code !== status.NOT_FOUND) throw new Error("PingError ended with code " + code);
  client.close();
  server.forceShutdown();
  process.stdout.write(await registry.metrics());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;

let root: string | undefined;
/** setup holds each project's outcome of install, generate and compile: undefined when all went well. */
const setup = new Map<Project["kind"], Error | undefined>();

/**
 * loaderTs is the run-time path: proto-loader's definition, no generated
 * code, on an InstrumentedServer beside grpc-health-check's service, and a
 * client from proto-loader's constructor.
 */
const loaderTs = `import { credentials, type GrpcObject, loadPackageDefinition, Metadata, type ServiceClientConstructor } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { HealthImplementation } from "grpc-health-check";
import { Registry } from "prom-client";
import { ClientMetrics, InstrumentedServer, instrumentClient, ServerMetrics } from "protoc-gen-grpc-prom/runtime";
import { ServerCredentials } from "@grpc/grpc-js";

const pkg = loadPackageDefinition(loadSync("proto/test.proto", { defaults: true }));
const TestService = ((pkg.mwitkow as GrpcObject).testproto as GrpcObject).TestService as ServiceClientConstructor;
const registry = new Registry();
const server = new InstrumentedServer({}, new ServerMetrics({ registry }));
new HealthImplementation({ "": "SERVING" }).addToServer(server);
server.addService(TestService.service, {
  PingEmpty: (_call: unknown, callback: (e: null, r: object) => void) => callback(null, { Value: "I like kittens.", counter: 42 }),
});
server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  const Client = instrumentClient(TestService);
  const client = new Client(\`127.0.0.1:\${port}\`, credentials.createInsecure(), {}, new ClientMetrics({ registry })) as unknown as {
    pingEmpty(req: object, md: Metadata, o: object, cb: (e: Error | null) => void): void;
    close(): void;
  };
  client.pingEmpty({}, new Metadata(), { deadline: Date.now() + 5000 }, async (e) => {
    if (e) throw e;
    client.close();
    server.forceShutdown();
    console.log(await registry.metrics());
  });
});
`;

/**
 * protobufTsServerTs makes serverTs's calls through protobuf-ts's files and
 * the wrappers generator=protobuf-ts writes beside them: the exposition must
 * be ts-proto's, series for series.
 */
const protobufTsServerTs = `import { credentials, Metadata, Server, ServerCredentials, status } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { ClientMetrics, ServerMetrics } from "protoc-gen-grpc-prom/runtime";
import { testServiceDefinition } from "./gen/test.grpc-server";
import type { ITestServiceClient } from "./gen/test.grpc-client";
import { InstrumentedTestServiceClient, instrumentTestServiceServer } from "./gen/test_grpc_prom";
import { impl } from "./impl";

async function main(): Promise<void> {
  const registry = new Registry();
  const server = new Server();
  server.addService(testServiceDefinition, instrumentTestServiceServer(impl, new ServerMetrics({ registry })));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  // protobuf-ts's client arguments (address, credentials, options, binaryOptions), then its ClientMetrics.
  const client: ITestServiceClient = new InstrumentedTestServiceClient(
    "127.0.0.1:" + port, credentials.createInsecure(), {}, {}, new ClientMetrics({ registry }),
  );
  const options = () => ({ deadline: new Date(Date.now() + 5_000) });
  await new Promise<void>((resolve, reject) => client.pingEmpty({}, new Metadata(), options(), (err) => (err ? reject(err) : resolve())));
  const req = { value: "x", sleepTimeMs: 0, errorCodeReturned: status.NOT_FOUND };
  const code = await new Promise<number | undefined>((resolve) => client.pingError(req, new Metadata(), options(), (err) => resolve(err?.code)));
  if (code !== status.NOT_FOUND) throw new Error("PingError ended with code " + code);
  (client as unknown as { close(): void }).close();
  server.forceShutdown();
  process.stdout.write(await registry.metrics());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;

/**
 * optionsTs turns on every go-grpc-middleware v2 option at once, on both
 * sides: a namespace and subsystem, two pre-registered codes, a bounded context label
 * from the metadata, the histogram with grpc_code, exemplars from a real
 * OpenTelemetry tracer on the client and from a function on the server.
 * It prints the span's ids, the text exposition and the OpenMetrics one.
 */
const optionsTs = `import { credentials, Metadata, Server, ServerCredentials, status, type ServiceError } from "@grpc/grpc-js";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { Registry, type RegistryContentType } from "prom-client";
import { ClientMetrics, type ContextLabelsOption, ServerMetrics } from "protoc-gen-grpc-prom/runtime";
import { TestServiceService } from "./gen/test.js";
import { InstrumentedTestServiceClient, instrumentTestServiceServer } from "./gen/test_grpc_prom.js";
import { impl } from "./impl.js";

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new BasicTracerProvider());

const tenant: ContextLabelsOption = {
  labels: { tenant: { maxValues: 1 } },
  fromCall: ({ metadata }) => ({ tenant: metadata?.get("x-tenant")[0] as string | undefined }),
};
const common = { namespace: "shop", subsystem: "api", preregisteredCodes: ["OK", "NotFound"], contextLabels: tenant } as const;
const histogram = { buckets: [5], withGrpcCode: true };

async function main(): Promise<void> {
  // A registry that may render either format: exemplars only show in OpenMetrics.
  const registry = new Registry<RegistryContentType>();
  const serverMetrics = new ServerMetrics({
    registry,
    ...common,
    handlingTimeHistogram: histogram,
    exemplars: ({ metadata }) => ({ request_id: String(metadata?.get("x-request-id")[0] ?? "") }),
  });
  const server = new Server();
  server.addService(TestServiceService, instrumentTestServiceServer(impl, serverMetrics));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const clientMetrics = new ClientMetrics({ registry, ...common, handlingTimeHistogram: histogram, exemplars: true });
  const client = new InstrumentedTestServiceClient("127.0.0.1:" + port, credentials.createInsecure(), {}, clientMetrics);
  const md = (t: string) => {
    const m = new Metadata();
    m.set("x-tenant", t);
    m.set("x-request-id", "r-" + t);
    return m;
  };
  const options = () => ({ deadline: new Date(Date.now() + 5_000) });
  const call = (f: (cb: (e: ServiceError | null) => void) => void) => new Promise<void>((resolve) => f(() => resolve()));
  const req = (code: number) => ({ value: "x", sleepTimeMs: 0, errorCodeReturned: code });
  // Tenant "a" in a span; then "b", past the bound of one value; then a code not pre-registered.
  const span = await trace.getTracer("pack-test").startActiveSpan("call", async (s) => {
    await call((cb) => client.pingEmpty({}, md("a"), options(), cb));
    s.end();
    return s.spanContext();
  });
  await call((cb) => client.pingError(req(status.NOT_FOUND), md("b"), options(), cb));
  await call((cb) => client.pingError(req(status.UNAVAILABLE), md("a"), options(), cb));
  client.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  const text = await registry.metrics();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const openMetrics = await registry.metrics();
  process.stdout.write(JSON.stringify({ traceId: span.traceId, spanId: span.spanId, text, openMetrics }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;

/**
 * clusterTs is the README's cluster wiring with the generated wrappers:
 * the primary forks two workers and prints what its aggregating registry
 * gathers from them; each worker constructs its metrics on the library's
 * global register (the histogram on), serves, and calls itself (worker n makes n + 1 Ping
 * calls and one PingError). CLIENT_LIB picks the metrics library.
 */
const clusterTs = `import cluster from "node:cluster";
import { createRequire } from "node:module";
import { credentials, Metadata, Server, ServerCredentials, type ServiceError } from "@grpc/grpc-js";
import { ClientMetrics, ServerMetrics } from "protoc-gen-grpc-prom/runtime";
import { TestServiceService } from "./gen/test.js";
import { InstrumentedTestServiceClient, instrumentTestServiceServer } from "./gen/test_grpc_prom.js";
import { impl } from "./impl.js";

// @prometheus-io/client's ClusterRegistry is prom-client's AggregatorRegistry under a new name.
const lib = createRequire(import.meta.url)(process.env.CLIENT_LIB ?? "prom-client") as typeof import("prom-client") & {
  ClusterRegistry?: typeof import("prom-client").AggregatorRegistry;
};
const Aggregator = lib.ClusterRegistry ?? lib.AggregatorRegistry;

if (cluster.isPrimary) {
  const aggregator = new Aggregator();
  let done = 0;
  for (let i = 0; i < 2; i++) {
    cluster.fork({ WORKER_INDEX: String(i) }).on("message", async (m: unknown) => {
      if (m !== "calls made" || ++done < 2) return;
      process.stdout.write(await aggregator.clusterMetrics());
      for (const id in cluster.workers) cluster.workers[id]?.kill();
      process.exit(0);
    });
  }
  setTimeout(() => {
    console.error("the workers did not report in time");
    process.exit(1);
  }, 30_000).unref();
} else {
  const n = Number(process.env.WORKER_INDEX) + 1;
  // A worker answers the primary's requests once it has made an aggregating registry of its own.
  new Aggregator();
  const server = new Server();
  server.addService(TestServiceService, instrumentTestServiceServer(impl, new ServerMetrics({ registry: lib.register, handlingTimeHistogram: true })));
  server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), async (err, port) => {
    if (err) throw err;
    const client = new InstrumentedTestServiceClient(
      "127.0.0.1:" + port, credentials.createInsecure(), {}, new ClientMetrics({ registry: lib.register }),
    );
    const call = (f: (cb: (e: ServiceError | null) => void) => void) => new Promise<void>((resolve) => f(() => resolve()));
    const req = (code: number) => ({ value: "x", sleepTimeMs: 0, errorCodeReturned: code });
    const deadline = () => ({ deadline: Date.now() + 5_000 });
    for (let i = 0; i < n; i++) await call((cb) => client.ping(req(0), new Metadata(), deadline(), cb));
    await call((cb) => client.pingError(req(5), new Metadata(), deadline(), cb));
    client.close();
    // The server counts a call as its stream closes, a moment after the client saw it end: shutting down waits for that.
    server.tryShutdown(() => process.send!("calls made"));
  });
}
`;

/**
 * pioMjs is a project with @prometheus-io/client and no prom-client (Node
 * 22 and later): the run-time path on the library's default registry, as
 * the README says one of the two is enough.
 */
const pioMjs = `import { credentials, loadPackageDefinition, Metadata, ServerCredentials } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { register } from "@prometheus-io/client";
import { ClientMetrics, InstrumentedServer, instrumentClient, ServerMetrics } from "protoc-gen-grpc-prom/runtime";

const TestService = loadPackageDefinition(loadSync("test.proto")).mwitkow.testproto.TestService;
const server = new InstrumentedServer({}, new ServerMetrics());
server.addService(TestService.service, { PingEmpty: (_call, callback) => callback(null, { Value: "", counter: 1 }) });
server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  const Client = instrumentClient(TestService);
  const client = new Client("127.0.0.1:" + port, credentials.createInsecure(), {}, new ClientMetrics());
  client.pingEmpty({}, new Metadata(), { deadline: Date.now() + 5000 }, (e) => {
    if (e) throw e;
    client.close();
    server.tryShutdown(async () => console.log(await register.metrics()));
  });
});
`;

const all = projects();

/** prepare makes one project from nothing up to its compiled dist/. */
async function prepare(p: Project, dir: string, tarball: string): Promise<void> {
  mkdirSync(join(dir, "proto"), { recursive: true });
  mkdirSync(join(dir, "src"));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: `pack-test-${p.kind}`, private: true, ...p.packageJson }, null, 2),
  );
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig(p), null, 2));
  writeFileSync(join(dir, "buf.gen.yaml"), bufGenYaml(p));
  for (const [name, text] of Object.entries(p.sources)) writeFileSync(join(dir, "src", name), text);
  copyFileSync(join(repo, "testdata", "proto", "test.proto"), join(dir, "proto", "test.proto"));
  // --prefer-offline: the cache is warm from the repo's own install.
  await run(
    dir,
    "npm",
    ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline", tarball, ...deps, ...p.extraDeps],
    180_000,
  );
  await run(dir, "npx", ["buf", "generate"], 60_000);
  await run(dir, "npx", ["tsc", "-p", "."], 90_000);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "grpc-prom-pack-"));
  // npm pack runs prepack (the build), in a copy of the tree: the tarball holds what a publish would.
  const tarball = await packTarball(root);
  // Every project, and the old compilers, at once: installing is most of this test's time.
  const compilers = Promise.allSettled(Object.values(oldTypeScripts).map((v) => installTypeScript(v)));
  const pio = preparePio(join(root!, "pio"), tarball).then(
    () => undefined,
    (err: Error) => err,
  );
  const outcomes = await Promise.allSettled(all.map((p) => prepare(p, join(root!, p.kind), tarball)));
  pioSetup = await pio;
  all.forEach((p, i) => {
    const o = outcomes[i]!;
    setup.set(p.kind, o.status === "rejected" ? (o.reason as Error) : undefined);
  });
  for (const o of await compilers) if (o.status === "rejected") compilerSetup = o.reason as Error;
}, 420_000);

let compilerSetup: Error | undefined;
let pioSetup: Error | undefined;

/** preparePio makes a plain ESM project with @prometheus-io/client and without prom-client: no generated code, nothing compiled. */
async function preparePio(dir: string, tarball: string): Promise<void> {
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "pack-test-pio", private: true, type: "module" }));
  writeFileSync(join(dir, "pio.mjs"), pioMjs);
  copyFileSync(join(repo, "testdata", "proto", "test.proto"), join(dir, "test.proto"));
  const pioDeps = ["@grpc/grpc-js", "@grpc/proto-loader", "@prometheus-io/client"].map(pinned);
  await run(
    dir,
    "npm",
    ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline", tarball, ...pioDeps],
    180_000,
  );
}

/** installTypeScript installs one version of the compiler in a directory of its own, outside every project. */
async function installTypeScript(version: string): Promise<void> {
  const dir = join(root!, `typescript-${version}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `typescript-${version}`, private: true }));
  await run(
    dir,
    "npm",
    ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline", `typescript@${version}`],
    180_000,
  );
}

/** oldTsc runs the tsc of an installed old compiler in dir. */
function oldTsc(version: string, dir: string, args: readonly string[]) {
  const tsc = join(root!, `typescript-${version}`, "node_modules", "typescript", "bin", "tsc");
  return run(dir, process.execPath, [tsc, ...args], 90_000);
}

afterAll(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

const service = "mwitkow.testproto.TestService";
const labels = (method: string, type: string) => ({ grpc_method: method, grpc_service: service, grpc_type: type });

describe.each(all)("a fresh $kind project using the packed tarball", (p) => {
  const dir = () => join(root!, p.kind);

  it("installs it, generates with buf beside ts-proto and compiles with strict tsc", () => {
    expect(setup.get(p.kind)?.message).toBeUndefined();
  });

  it("gets the license texts with it: ours, and those of what the plugin bundle contains", () => {
    const installed = join(dir(), "node_modules", "protoc-gen-grpc-prom");
    const license = readFileSync(join(installed, "LICENSE"), "utf8");
    expect(license).toContain("Apache License");
    expect(license).toContain("Version 2.0, January 2004");
    const notices = readFileSync(join(installed, "THIRD_PARTY_NOTICES.md"), "utf8");
    for (const text of ["Buf Technologies, Inc.", "Copyright 2008 Google Inc.", "Copyright (c) 2019 Luca Ban"]) {
      expect(notices).toContain(text);
    }
    expect(readFileSync(join(installed, "dist", "plugin", "bin.js"), "utf8").split("\n")[1]).toContain(
      "THIRD_PARTY_NOTICES.md",
    );
  });

  it("gets the service's dashboard and rule file, which promtool accepts, and the options' .proto", async () => {
    const gen = join(dir(), "src", "gen");
    const dashboard = JSON.parse(readFileSync(join(gen, "test_TestService.dashboard.json"), "utf8")) as {
      title: string;
      panels: unknown[];
    };
    expect(dashboard.title).toContain("mwitkow.testproto.TestService");
    expect(dashboard.panels.length).toBeGreaterThan(5);
    const rules = join(gen, "test_TestService.rules.yml");
    expect(readFileSync(rules, "utf8")).toContain("GrpcServerErrorBudgetBurn");
    expect(readFileSync(rules, "utf8").includes("GrpcServerLatencyBudgetBurn")).toBe(p.kind === "esm");
    const proto = join(
      dir(),
      "node_modules",
      "protoc-gen-grpc-prom",
      "proto",
      "protoc_gen_grpc_prom",
      "v1",
      "monitoring.proto",
    );
    expect(readFileSync(proto, "utf8")).toContain("extend google.protobuf.MethodOptions");
    if (promtoolMissing === undefined) {
      const { stdout } = await run(dir(), promtoolBin, ["check", "rules", "--lint-fatal", rules], 30_000);
      expect(stdout).toContain("SUCCESS");
    }
  });

  it("gets a generated file importing the runtime by its package name", () => {
    const file = join(dir(), "src", "gen", "test_grpc_prom.ts");
    expect(existsSync(file), `${file} was not generated`).toBe(true);
    const text = readFileSync(file, "utf8");
    expect(text).toContain(`from "protoc-gen-grpc-prom/runtime"`);
    expect(text).toContain(p.generatedImport);
  });

  it("runs an instrumented server and client under node and exposes their series", async () => {
    expect(setup.get(p.kind)?.message).toBeUndefined();
    const { stdout } = await run(dir(), process.execPath, ["dist/server.js"], 20_000);
    const series = Object.fromEntries(parseExposition(stdout).series);
    expect(series, stdout).toMatchObject({
      [key("grpc_server_started_total", labels("PingEmpty", "unary"))]: 1,
      [key("grpc_client_started_total", labels("PingEmpty", "unary"))]: 1,
      [key("grpc_client_msg_received_total", labels("PingEmpty", "unary"))]: 1,
      [key("grpc_client_handled_total", { ...labels("PingError", "unary"), grpc_code: "NotFound" })]: 1,
      [key("grpc_client_handled_total", { ...labels("PingList", "server_stream"), grpc_code: "OK" })]: 0,
      [key("grpc_server_handled_total", { ...labels("PingEmpty", "unary"), grpc_code: "OK" })]: 1,
      [key("grpc_server_handled_total", { ...labels("PingError", "unary"), grpc_code: "NotFound" })]: 1,
      // Pre-registered: a method never called is present at zero from the first scrape.
      [key("grpc_server_started_total", labels("PingList", "server_stream"))]: 0,
      [key("grpc_server_handled_total", { ...labels("PingList", "server_stream"), grpc_code: "OK" })]: 0,
    });
  });
});

describe.each(all)("the run-time path in a fresh $kind project: proto-loader, InstrumentedServer", (p) => {
  it("counts proto-loader's service and grpc-health-check's, every label set present, from the packed tarball", async () => {
    expect(setup.get(p.kind)?.message).toBeUndefined();
    const { stdout } = await run(join(root!, p.kind), process.execPath, ["dist/loader.js"], 20_000);
    const series = parseExposition(stdout).series;
    const health = { grpc_service: "grpc.health.v1.Health", grpc_method: "Check", grpc_type: "unary" };
    expect(Object.fromEntries(series), stdout).toMatchObject({
      [key("grpc_server_started_total", labels("PingEmpty", "unary"))]: 1,
      [key("grpc_server_handled_total", { ...labels("PingEmpty", "unary"), grpc_code: "OK" })]: 1,
      [key("grpc_server_msg_sent_total", labels("PingEmpty", "unary"))]: 1,
      [key("grpc_client_handled_total", { ...labels("PingEmpty", "unary"), grpc_code: "OK" })]: 1,
      [key("grpc_client_msg_received_total", labels("PingEmpty", "unary"))]: 1,
      [key("grpc_server_started_total", health)]: 0,
      [key("grpc_server_started_total", labels("PingStream", "bidi_stream"))]: 0,
    });
    // 6 methods of the test service and 3 of health, on the server; 6 on the client.
    expect([...series.keys()].filter((k) => k.startsWith("grpc_server_handled_total{"))).toHaveLength(9 * 17);
    expect([...series.keys()].filter((k) => k.startsWith("grpc_client_handled_total{"))).toHaveLength(6 * 17);
  });
});

describe("protobuf-ts's path from the packed tarball", () => {
  it("makes, for the same calls, the exposition of ts-proto's path, series for series", async () => {
    expect(setup.get("protobuf-ts")?.message).toBeUndefined();
    expect(setup.get("cjs")?.message).toBeUndefined();
    const [ours, tsProto] = await Promise.all(
      (["protobuf-ts", "cjs"] as const).map(async (kind) =>
        parseExposition((await run(join(root!, kind), process.execPath, ["dist/server.js"], 20_000)).stdout),
      ),
    );
    expect(
      ours!.series.get(key("grpc_server_handled_total", { ...labels("PingError", "unary"), grpc_code: "NotFound" })),
    ).toBe(1);
    expect(ours!.series.size).toBe(2 * 6 * (3 + 17));
    expect(Object.fromEntries(ours!.series)).toEqual(Object.fromEntries(tsProto!.series));
    expect(Object.fromEntries(ours!.meta)).toEqual(Object.fromEntries(tsProto!.meta));
  });
});

describe("go-grpc-middleware v2's options from the packed tarball, every one on (esm project)", () => {
  it("records under the namespace and subsystem, with the bounded context label, two codes pre-registered, grpc_code on the histograms and exemplars", async () => {
    expect(setup.get("esm")?.message).toBeUndefined();
    const { stdout } = await run(join(root!, "esm"), process.execPath, ["dist/options.js"], 20_000);
    const out = JSON.parse(stdout) as { traceId: string; spanId: string; text: string; openMetrics: string };
    const series = parseExposition(out.text).series;
    const at = (name: string, method: string, type: string, extra: Record<string, string>) =>
      series.get(key(name, { ...labels(method, type), ...extra }));
    // The bound is one value per method: PingEmpty's is "a", PingError's "b", and PingError's "a" comes past
    // it; "" is the pre-registered series'.
    expect(at("shop_api_grpc_server_handled_total", "PingEmpty", "unary", { grpc_code: "OK", tenant: "a" })).toBe(1);
    for (const side of ["server", "client"]) {
      const handled = `shop_api_grpc_${side}_handled_total`;
      const pingError = Object.fromEntries(
        [...series]
          .filter(([k, v]) => k.startsWith(`${handled}{`) && k.includes('grpc_method="PingError"') && v !== 0)
          .map(([k, v]) => [`${/grpc_code="(\w+)"/.exec(k)?.[1]} ${/tenant="(\w*)"/.exec(k)?.[1]}`, v]),
      );
      // Unavailable is not pre-registered: it appears as it happens.
      expect(pingError, side).toEqual({ "NotFound b": 1, "Unavailable __overflow__": 1 });
    }
    expect(at("shop_api_grpc_server_handled_total", "PingList", "server_stream", { grpc_code: "OK", tenant: "" })).toBe(
      0,
    );
    expect(at("shop_api_grpc_server_started_total", "PingList", "server_stream", { tenant: "" })).toBe(0);
    // Two codes pre-registered: a method never called has those two, and no other.
    const pingList = [...series.keys()].filter(
      (k) => k.startsWith("shop_api_grpc_server_handled_total{") && k.includes('grpc_method="PingList"'),
    );
    expect(pingList.map((k) => /grpc_code="(\w+)"/.exec(k)?.[1]).sort()).toEqual(["NotFound", "OK"]);
    expect([...series.keys()].filter((k) => k.startsWith("grpc_"))).toEqual([]);
    for (const side of ["server", "client"]) {
      const count = `shop_api_grpc_${side}_handling_seconds_count`;
      expect(at(count, "PingEmpty", "unary", { grpc_code: "OK", tenant: "a" }), side).toBe(1);
      expect(at(count, "PingError", "unary", { grpc_code: "NotFound", tenant: "b" }), side).toBe(1);
    }
    // Exemplars, in the OpenMetrics text only: the client's from the active span, the server's from its function.
    const lines = out.openMetrics.split("\n");
    const exemplarOf = (family: string, method: string) =>
      lines.filter((l) => l.startsWith(`${family}{`) && l.includes(`grpc_method="${method}"`) && l.includes(" # {"));
    expect(out.traceId).toMatch(/^[0-9a-f]{32}$/);
    const client = exemplarOf("shop_api_grpc_client_handled_total", "PingEmpty");
    expect(client).toHaveLength(1);
    expect(client[0]).toMatch(new RegExp(` 1 # \\{trace_id="${out.traceId}",span_id="${out.spanId}"\\} 1 [0-9.]+$`));
    const server = exemplarOf("shop_api_grpc_server_handled_total", "PingEmpty");
    expect(server).toHaveLength(1);
    expect(server[0]).toMatch(/ 1 # \{request_id="r-a"\} 1 [0-9.]+$/);
    // The client's PingError calls ran outside the span: no exemplar.
    expect(exemplarOf("shop_api_grpc_client_handled_total", "PingError")).toEqual([]);
    expect(out.text).not.toContain(" # {");
  });
});

describe("cluster mode from the packed tarball, two real workers (esm project)", () => {
  it("sums the workers' series on prom-client's AggregatorRegistry", async () => {
    expect(setup.get("esm")?.message).toBeUndefined();
    const { stdout } = await run(join(root!, "esm"), process.execPath, ["dist/cluster.js"], 40_000);
    expectWorkersSummed(parseExposition(stdout));
  });

  it("sums them on @prometheus-io/client's ClusterRegistry, under Node 22", async () => {
    expect(setup.get("esm")?.message).toBeUndefined();
    const node22 = await nodeBinary(22);
    const { stdout } = await run(join(root!, "esm"), node22, ["dist/cluster.js"], 40_000, {
      CLIENT_LIB: "@prometheus-io/client",
    });
    expectWorkersSummed(parseExposition(stdout));
  });
});

describe("@prometheus-io/client alone, without prom-client, from the packed tarball (Node 22)", () => {
  it("records on its default registry: proto-loader's service on an InstrumentedServer, and its client", async () => {
    expect(pioSetup?.message).toBeUndefined();
    const dir = join(root!, "pio");
    expect(existsSync(join(dir, "node_modules", "prom-client"))).toBe(false);
    const { stdout } = await run(dir, await nodeBinary(22), ["pio.mjs"], 20_000);
    const series = parseExposition(stdout).series;
    expect(
      series.get(key("grpc_server_handled_total", { ...labels("PingEmpty", "unary"), grpc_code: "OK" })),
      stdout,
    ).toBe(1);
    expect(series.get(key("grpc_client_handled_total", { ...labels("PingEmpty", "unary"), grpc_code: "OK" }))).toBe(1);
    expect(series.get(key("grpc_client_msg_received_total", labels("PingEmpty", "unary")))).toBe(1);
    expect(series.get(key("grpc_server_started_total", labels("PingList", "server_stream")))).toBe(0);
  });
});

describe("the oldest TypeScript the README claims, in the fresh esm project", () => {
  const dir = () => join(root!, "esm");
  const ready = () => {
    expect(setup.get("esm")?.message).toBeUndefined();
    expect(compilerSetup?.message).toBeUndefined();
  };

  it(`checks the package's declarations under TypeScript ${oldTypeScripts.satisfies}, strict, skipLibCheck off`, async () => {
    ready();
    const check = join(dir(), "check");
    mkdirSync(check, { recursive: true });
    writeFileSync(join(check, "runtime-consumer.ts"), runtimeConsumerTs);
    writeFileSync(join(check, "tsconfig.json"), JSON.stringify(runtimeConsumerTsconfig, null, 2));
    await oldTsc(oldTypeScripts.satisfies, check, ["-p", "."]);
  });

  it(`compiles the generated code, ours and ts-proto's, under TypeScript ${oldTypeScripts.satisfies}, strict, skipLibCheck on`, async () => {
    ready();
    await oldTsc(oldTypeScripts.satisfies, dir(), ["-p", ".", "--noEmit", "--skipLibCheck"]);
  });

  it(`compiles the whole project under TypeScript ${oldTypeScripts.typedArrays}, strict, skipLibCheck off`, async () => {
    ready();
    await oldTsc(oldTypeScripts.typedArrays, dir(), ["-p", ".", "--noEmit"]);
  });
});

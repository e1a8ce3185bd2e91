/**
 * The package tried as a new user would: packed by `npm pack`, installed from
 * the tarball into two fresh projects outside the repo (one ESM, one
 * CommonJS), code generated there by buf with ts-proto beside our plugin,
 * compiled by the project's own strict tsc, and a server run under plain node.
 * Nothing here resolves back into the repo's sources or node_modules.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { key, parseExposition } from "./support/exposition.js";
import { repo } from "./support/plugin.js";
import { promtoolBin, promtoolMissing } from "./support/prometheus.js";
import { packTarball, run } from "./support/readme.js";

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
].map(
  (name) =>
    `${name}@${(JSON.parse(readFileSync(join(repo, "node_modules", name, "package.json"), "utf8")) as { version: string }).version}`,
);

/**
 * Project is one fresh project: an ESM one on NodeNext, and a CommonJS one on
 * TypeScript's classic `node10` resolution, the default with
 * `module: commonjs`, which reads the package's typesVersions, not "exports".
 */
interface Project {
  readonly kind: "esm" | "cjs";
  readonly packageJson: object;
  readonly modules: { readonly module: string; readonly moduleResolution: string };
  readonly tsProtoOpts: readonly string[];
  readonly pluginOpts: readonly string[];
  /** tsProtoImport is how the generated wrapper must import ts-proto's file. */
  readonly tsProtoImport: string;
}

const projects: readonly Project[] = [
  {
    kind: "esm",
    packageJson: { type: "module" },
    modules: { module: "NodeNext", moduleResolution: "NodeNext" },
    tsProtoOpts: ["outputServices=grpc-js", "importSuffix=.js"],
    pluginOpts: [
      "target=ts",
      "import_extension=js",
      "dashboards=true",
      "rules=true",
      "histogram=true",
      "slo_latency=0.25",
    ],
    tsProtoImport: `from "./test.js"`,
  },
  {
    kind: "cjs",
    packageJson: {},
    modules: { module: "commonjs", moduleResolution: "node10" },
    tsProtoOpts: ["outputServices=grpc-js"],
    pluginOpts: ["target=ts", "dashboards=true", "rules=true"],
    tsProtoImport: `from "./test"`,
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
  - local: protoc-gen-ts_proto
    out: src/gen
    opt: [${p.tsProtoOpts.join(", ")}]
  - local: protoc-gen-grpc-prom
    out: src/gen
    opt: [${p.pluginOpts.join(", ")}]
`;

/** serverTs is valid in both module kinds: relative ".js" specifiers resolve under NodeNext either way, and no top-level await. */
const serverTs = `import { credentials, Metadata, Server, ServerCredentials, status } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { ClientMetrics, ServerMetrics } from "protoc-gen-grpc-prom/runtime";
import { TestServiceService, type TestServiceClient, type TestServiceServer } from "./gen/test.js";
import { InstrumentedTestServiceClient, instrumentTestServiceServer } from "./gen/test_grpc_prom.js";

const impl: TestServiceServer = {
  pingEmpty: (_call, callback) => callback(null, { Value: "I like kittens.", counter: 42 }),
  ping: (call, callback) => callback(null, { Value: call.request.value, counter: 42 }),
  pingError: (call, callback) => callback({ code: call.request.errorCodeReturned, details: "Userspace error." }),
  pingList: (call) => call.end(),
  pingClientStream: (_call, callback) => callback(null, { Value: "", counter: 0 }),
  pingStream: (call) => call.end(),
};

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

/** prepare makes one project from nothing up to its compiled dist/. */
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

async function prepare(p: Project, dir: string, tarball: string): Promise<void> {
  mkdirSync(join(dir, "proto"), { recursive: true });
  mkdirSync(join(dir, "src"));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: `pack-test-${p.kind}`, private: true, ...p.packageJson }, null, 2),
  );
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig(p), null, 2));
  writeFileSync(join(dir, "buf.gen.yaml"), bufGenYaml(p));
  writeFileSync(join(dir, "src", "server.ts"), serverTs);
  writeFileSync(join(dir, "src", "loader.ts"), loaderTs);
  copyFileSync(join(repo, "testdata", "proto", "test.proto"), join(dir, "proto", "test.proto"));
  // --prefer-offline: the cache is warm from the repo's own install.
  await run(
    dir,
    "npm",
    ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline", tarball, ...deps],
    180_000,
  );
  await run(dir, "npx", ["buf", "generate"], 60_000);
  await run(dir, "npx", ["tsc", "-p", "."], 90_000);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "grpc-prom-pack-"));
  // npm pack runs prepack (the build), in a copy of the tree: the tarball holds what a publish would.
  const tarball = await packTarball(root);
  // Both projects, and the old compilers, at once: installing is most of this test's time.
  const compilers = Promise.allSettled(Object.values(oldTypeScripts).map((v) => installTypeScript(v)));
  const outcomes = await Promise.allSettled(projects.map((p) => prepare(p, join(root!, p.kind), tarball)));
  projects.forEach((p, i) => {
    const o = outcomes[i]!;
    setup.set(p.kind, o.status === "rejected" ? (o.reason as Error) : undefined);
  });
  for (const o of await compilers) if (o.status === "rejected") compilerSetup = o.reason as Error;
}, 240_000);

let compilerSetup: Error | undefined;

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

describe.each(projects)("a fresh $kind project using the packed tarball", (p) => {
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
    expect(text).toContain(p.tsProtoImport);
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

describe.each(projects)("the run-time path in a fresh $kind project: proto-loader, InstrumentedServer", (p) => {
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

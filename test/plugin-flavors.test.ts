import { join, relative } from "node:path";
import { Project, ts } from "ts-morph";
import { describe, expect, it } from "vitest";
import { repo } from "./support/plugin.js";
import { commonJsOptions } from "./support/plugin-build.js";

// testdata/gen-grpc-tools and testdata/gen-protobuf-ts hold what buf.gen.yaml generates (test/golden.test.ts
// keeps them so): the real generator's output, and beside it our wrappers. grpc-tools' own JavaScript
// (<name>_grpc_pb.js, <name>_pb.js) needs grpc_tools_node_protoc, whose protoc is downloaded from outside
// npm: its declarations by grpc_tools_node_protoc_ts stand for it, and our wrappers are checked against them.

interface Flavour {
  readonly generator: string;
  readonly dir: string;
  /** files are what the generator wrote beside ours, for test.proto. */
  readonly theirs: readonly string[];
  /** definition, server and client are its names of TestService's exports, and the module our wrappers import them from. */
  readonly definition: string;
  readonly server: string;
  readonly serverFrom: string;
  readonly client: string;
  readonly clientFrom: string;
  /** clientType is InstrumentedTestServiceClient's declared type. */
  readonly clientType: string;
  /** args are the arguments, after options, a client takes before its ClientMetrics. */
  readonly args: string;
  /** own are the errors in the generator's own files under strict TypeScript, none in ours. */
  readonly own: readonly string[];
}

const flavours: readonly Flavour[] = [
  {
    generator: "grpc-tools",
    dir: join(repo, "testdata", "gen-grpc-tools"),
    theirs: ["test_grpc_pb.d.ts", "test_pb.d.ts"],
    definition: "TestServiceService",
    server: "ITestServiceServer",
    serverFrom: "./test_grpc_pb",
    client: "TestServiceClient",
    clientFrom: "./test_grpc_pb",
    clientType: "InstrumentedClientConstructor<typeof TestServiceClient>",
    args: "",
    own: [],
  },
  {
    generator: "protobuf-ts",
    dir: join(repo, "testdata", "gen-protobuf-ts"),
    theirs: ["test.grpc-client.ts", "test.grpc-server.ts", "test.ts"],
    definition: "testServiceDefinition",
    server: "ITestService",
    serverFrom: "./test.grpc-server",
    client: "TestServiceClient",
    clientFrom: "./test.grpc-client",
    clientType:
      "InstrumentedClientConstructor<typeof TestServiceClient, [binaryOptions?: Partial<BinaryReadOptions & BinaryWriteOptions>]>",
    args: "{ readUnknownField: false }, ",
    // protobuf-ts's client of a service without methods never reads its binary options (noUnusedLocals).
    own: [
      "acme/deeply/nested/v1/inventory.grpc-client.ts:73: '_binaryOptions' is declared but its value is never read.",
    ],
  },
];

/**
 * checker compiles a generated tree with commonJsOptions (and more), and
 * whatever extra file a test adds to it; with an extra file, the errors the
 * tree has without it are left out.
 */
function checker(dir: string, extraOptions: ts.CompilerOptions = {}, known: readonly string[] = []) {
  const project = new Project({ compilerOptions: { ...commonJsOptions, ...extraOptions } });
  project.addSourceFilesAtPaths(join(dir, "**/*.ts"));
  const diagnostics = (extra?: { name: string; text: string }): string[] => {
    const file = extra && project.createSourceFile(join(dir, extra.name), extra.text, { overwrite: true });
    try {
      return project
        .getPreEmitDiagnostics()
        .filter((d) => d.getSourceFile()?.getFilePath().startsWith(`${dir}/`))
        .map((d) => {
          const where = relative(dir, d.getSourceFile()?.getFilePath() ?? "");
          return `${where}:${d.getLineNumber() ?? 0}: ${ts.flattenDiagnosticMessageText(d.compilerObject.messageText, " ")}`;
        })
        .filter((e) => extra === undefined || !known.includes(e));
    } finally {
      if (file) project.removeSourceFile(file);
    }
  };
  return { project, diagnostics };
}

const full = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.InTypeAlias;

describe.each(flavours)("generator=$generator: the golden wrappers beside its real output", (flavour) => {
  const { dir } = flavour;
  const { project, diagnostics } = checker(dir, {}, flavour.own);
  const ours = project.getSourceFileOrThrow(join(dir, "test_grpc_prom.ts"));

  it("type-check under strict TypeScript, every one, with the generator's files and the runtime", () => {
    const files = project.getSourceFiles().map((f) => relative(dir, f.getFilePath()));
    expect(files.filter((f) => f.endsWith("_grpc_prom.ts")).sort()).toEqual([
      "acme/deeply/nested/v1/inventory_grpc_prom.ts",
      "multi_grpc_prom.ts",
      "nopackage_grpc_prom.ts",
      "test_grpc_prom.ts",
    ]);
    for (const f of flavour.theirs) expect(files).toContain(f);
    expect(diagnostics()).toEqual(flavour.own);
  });

  it("import the generator's exports from its files", () => {
    const imports = ours
      .getImportDeclarations()
      .filter((d) => d.getModuleSpecifierValue().startsWith("./"))
      .map((d) => d.getText());
    const server = [flavour.server, flavour.definition].sort((a, b) => a.localeCompare(b, "en"));
    expect(imports).toEqual([
      `import type { ${server.join(", ")} } from "${flavour.serverFrom}";`,
      `import { ${flavour.client} } from "${flavour.clientFrom}";`,
    ]);
  });

  it("type XMethods and InstrumentedXClient, written out, as their values would be inferred", () => {
    const table = ours.getVariableDeclarationOrThrow("TestServiceMethods");
    const client = ours.getVariableDeclarationOrThrow("InstrumentedTestServiceClient");
    expect(client.getTypeNodeOrThrow().getText()).toBe(flavour.clientType);
    for (const d of [table, client]) {
      expect(d.getType().getText(d, full)).toBe(d.getInitializerOrThrow().getType().getText(d, full));
    }
    expect(table.getType().getProperty("pingList")?.getTypeAtLocation(table).getText(table)).toBe(
      '{ readonly grpcService: "mwitkow.testproto.TestService"; readonly grpcMethod: "PingList"; readonly grpcType: "server_stream"; }',
    );
  });

  it("type instrumentXServer as taking and returning the generator's server interface", () => {
    const fn = ours.getFunctionOrThrow("instrumentTestServiceServer");
    expect(fn.getParameters().map((p) => p.getType().getText(fn))).toEqual([
      flavour.server,
      "ServerMetrics | undefined",
    ]);
    expect(fn.getReturnType().getText(fn)).toBe(flavour.server);
  });

  it("pass --isolatedDeclarations: every declaration written out", () => {
    const isolated = checker(dir, { isolatedDeclarations: true, declaration: true });
    // protobuf-ts's own files do not pass it; ours must.
    expect(isolated.diagnostics().filter((e) => e.includes("_grpc_prom.ts"))).toEqual([]);
  });

  // The definitions of grpc-tools and protobuf-ts extend grpc-js's UntypedServiceImplementation, whose string
  // index signature makes `keyof` of them `string`: a table checked against that would accept any keys.
  const table = (keys: string[], check: string) => `import type { MethodTable } from "protoc-gen-grpc-prom/runtime";
import type { ${flavour.definition} } from "${flavour.serverFrom}";
export const drifted = {
${keys.map((k) => `  ${k}: { grpcService: "s", grpcMethod: "M", grpcType: "unary" },`).join("\n")}
} as const satisfies MethodTable<${check}>;
`;
  const known = `keyof { [K in keyof typeof ${flavour.definition} as string extends K ? never : number extends K ? never : K]: unknown }`;
  const keys = ["pingEmpty", "ping", "pingError", "pingList", "pingClientStream", "pingStream"];

  it("make the compiler reject a method table whose keys drift from the definition's", () => {
    const errors = (k: string[]) =>
      diagnostics({ name: "drifted.ts", text: table(k, known) }).map((e) => e.split(": ").slice(1).join(": "));
    expect(errors(keys)).toEqual([]);
    // A method renamed, one missing (a method added to the proto), one too many (a method removed from it).
    expect(errors(keys.map((k) => (k === "ping" ? "pingg" : k)))).toEqual([
      'Object literal may only specify known properties, but \'pingg\' does not exist in type \'MethodTable<"pingEmpty" | "ping" | "pingError" | "pingList" | "pingClientStream" | "pingStream">\'. Did you mean to write \'ping\'?',
    ]);
    const missing = errors(keys.slice(1));
    expect(missing.length).toBe(1);
    expect(missing[0]).toMatch(
      /^Type '.*' does not satisfy the expected type 'MethodTable<"pingEmpty" \| "ping" \| .*'\. {3}Property 'pingEmpty' is missing in type/,
    );
    expect(errors([...keys, "pingMore"])).toEqual([
      'Object literal may only specify known properties, and \'pingMore\' does not exist in type \'MethodTable<"pingEmpty" | "ping" | "pingError" | "pingList" | "pingClientStream" | "pingStream">\'.',
    ]);
  });

  it("where a plain keyof of the definition would have let every drift through", () => {
    const naive = `keyof typeof ${flavour.definition}`;
    for (const k of [keys.map((k) => (k === "ping" ? "pingg" : k)), keys.slice(1), [...keys, "pingMore"]]) {
      expect(diagnostics({ name: "drifted.ts", text: table(k, naive) })).toEqual([]);
    }
  });

  it("type InstrumentedXClient as a drop-in for XClient, its ClientMetrics after the generator's arguments", () => {
    const text = `import { credentials } from "@grpc/grpc-js";
import { ClientMetrics } from "protoc-gen-grpc-prom/runtime";
import { ${flavour.client} } from "${flavour.clientFrom}";
import { InstrumentedTestServiceClient } from "./test_grpc_prom";
const plain: ${flavour.client} = new InstrumentedTestServiceClient("127.0.0.1:1", credentials.createInsecure());
const measured: ${flavour.client} = new InstrumentedTestServiceClient(
  "127.0.0.1:1", credentials.createInsecure(), { "grpc.max_receive_message_length": 1024 }, ${flavour.args}new ClientMetrics(),
);
const named: InstrumentedTestServiceClient = plain;
export { measured, named };
`;
    expect(diagnostics({ name: "client_ok.ts", text })).toEqual([]);
  });

  it("reject an implementation that lacks a method's right signature", () => {
    const text = `import { instrumentTestServiceServer } from "./test_grpc_prom";
export const s = instrumentTestServiceServer({ ping: (x: number) => x });
`;
    expect(diagnostics({ name: "wrong_impl.ts", text }).map((e) => e.split("   ")[0])).toEqual([
      "wrong_impl.ts:2: Type '(x: number) => number' is not assignable to type 'handleUnaryCall<PingRequest, PingResponse>'.",
    ]);
  });
});

describe("generator=protobuf-ts: InstrumentedXClient's arguments", () => {
  it("refuses a ClientMetrics in binaryOptions' place, where it would be taken for binary options", () => {
    const { diagnostics } = checker(flavours[1]!.dir, {}, flavours[1]!.own);
    const text = `import { credentials } from "@grpc/grpc-js";
import { ClientMetrics } from "protoc-gen-grpc-prom/runtime";
import { InstrumentedTestServiceClient } from "./test_grpc_prom";
export const c = new InstrumentedTestServiceClient("127.0.0.1:1", credentials.createInsecure(), {}, new ClientMetrics());
`;
    const errors = diagnostics({ name: "client_bad.ts", text });
    expect(errors.length).toBe(1);
    expect(errors[0]).toMatch(/^client_bad\.ts:4: .*'ClientMetrics'.*BinaryReadOptions & BinaryWriteOptions/);
  });
});

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Project, ts } from "ts-morph";
import { afterAll, describe, expect, it } from "vitest";
import { buf, repo } from "./support/plugin.js";
import { strictOptions, tree } from "./support/plugin-build.js";

const gen = join(repo, "testdata", "gen");

/** outs are the out directories of buf.gen.yaml, under testdata: ts-proto's, grpc-tools' and protobuf-ts's, each with our wrappers. */
const outs = ["gen", "gen-grpc-tools", "gen-protobuf-ts"];

describe("golden generated code in testdata/gen, gen-grpc-tools and gen-protobuf-ts", () => {
  const scratch = mkdtempSync(join(tmpdir(), "grpc-prom-golden-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("is what buf.gen.yaml generates now (run `npm run generate` and commit when this fails)", () => {
    const template = readFileSync(join(repo, "buf.gen.yaml"), "utf8").replaceAll("out: testdata/", `out: ${scratch}/`);
    expect(template.match(/out: .*/g)).toEqual(
      ["gen", "gen", "gen-grpc-tools", "gen-grpc-tools", "gen-protobuf-ts", "gen-protobuf-ts"].map(
        (out) => `out: ${scratch}/${out}`,
      ),
    );
    writeFileSync(join(scratch, "buf.gen.yaml"), template);
    execFileSync(buf, ["generate", "--template", join(scratch, "buf.gen.yaml")], {
      cwd: repo,
      stdio: "pipe",
      timeout: 120_000,
    });
    for (const out of outs) {
      const fresh = tree(join(scratch, out));
      const golden = tree(join(repo, "testdata", out));
      expect([...fresh.keys()].sort(), out).toEqual([...golden.keys()].sort());
      for (const [name, text] of golden) expect(fresh.get(name), `${out}/${name}`).toBe(text);
    }
  }, 120_000);
});

describe("the generated code under strict TypeScript", () => {
  const project = new Project({ compilerOptions: strictOptions });
  project.addSourceFilesAtPaths(join(gen, "**/*.ts"));

  function diagnostics(extra?: { name: string; text: string }): string[] {
    const file = extra && project.createSourceFile(join(gen, extra.name), extra.text, { overwrite: true });
    try {
      return project.getPreEmitDiagnostics().map((d) => {
        const where = d.getSourceFile()?.getFilePath() ?? "";
        return `${relative(repo, where)}:${d.getLineNumber() ?? 0}: ${ts.flattenDiagnosticMessageText(d.compilerObject.messageText, "\n")}`;
      });
    } finally {
      if (file) project.removeSourceFile(file);
    }
  }

  it("type-checks, every generated file", () => {
    expect(
      project
        .getSourceFiles()
        .map((f) => relative(gen, f.getFilePath()))
        .filter((p) => p.endsWith("_grpc_prom.ts"))
        .sort(),
    ).toEqual([
      "acme/deeply/nested/v1/inventory_grpc_prom.ts",
      "multi_grpc_prom.ts",
      "nopackage_grpc_prom.ts",
      "test_grpc_prom.ts",
    ]);
    expect(diagnostics()).toEqual([]);
  });

  it("types XMethods and InstrumentedXClient, written out, as their values would be inferred", () => {
    const file = project.getSourceFileOrThrow(join(gen, "test_grpc_prom.ts"));
    const table = file.getVariableDeclarationOrThrow("TestServiceMethods");
    const client = file.getVariableDeclarationOrThrow("InstrumentedTestServiceClient");
    expect(client.getTypeNodeOrThrow().getText()).toBe("InstrumentedClientConstructor<typeof TestServiceClient>");
    const full = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.InTypeAlias;
    for (const d of [table, client]) {
      expect(d.getType().getText(d, full)).toBe(d.getInitializerOrThrow().getType().getText(d, full));
    }
    expect(table.getType().getProperty("pingList")?.getTypeAtLocation(table).getText(table)).toBe(
      '{ readonly grpcService: "mwitkow.testproto.TestService"; readonly grpcMethod: "PingList"; readonly grpcType: "server_stream"; }',
    );
  });

  it("types instrumentXServer as taking and returning ts-proto's XServer", () => {
    const fn = project
      .getSourceFileOrThrow(join(gen, "test_grpc_prom.ts"))
      .getFunctionOrThrow("instrumentTestServiceServer");
    expect(fn.getParameters().map((p) => p.getType().getText(fn))).toEqual([
      "TestServiceServer",
      "ServerMetrics | undefined",
    ]);
    expect(fn.getReturnType().getText(fn)).toBe("TestServiceServer");
  });

  it("makes the compiler reject a method table whose keys differ from ts-proto's", () => {
    const text = `import type { MethodTable } from "protoc-gen-grpc-prom/runtime";
import type { TestServiceService } from "./test.js";
export const wrong = {
  pingEmpty: { grpcService: "s", grpcMethod: "PingEmpty", grpcType: "unary" },
} as const satisfies MethodTable<keyof TestServiceService>;
`;
    const errors = diagnostics({ name: "wrong_table.ts", text });
    expect(errors.length).toBe(1);
    expect(errors[0]).toContain("is missing the following properties");
  });

  it("types InstrumentedXClient as a drop-in for XClient: its instances are XClients", () => {
    const text = `import { credentials } from "@grpc/grpc-js";
import { ClientMetrics } from "protoc-gen-grpc-prom/runtime";
import { TestServiceClient } from "./test.js";
import { InstrumentedTestServiceClient } from "./test_grpc_prom.js";
const plain: TestServiceClient = new InstrumentedTestServiceClient("127.0.0.1:1", credentials.createInsecure());
const measured: TestServiceClient = new InstrumentedTestServiceClient(
  "127.0.0.1:1", credentials.createInsecure(), { "grpc.max_receive_message_length": 1024 }, new ClientMetrics(),
);
const named: InstrumentedTestServiceClient = plain;
const service = InstrumentedTestServiceClient.service === TestServiceClient.service;
export { measured, named, service };
`;
    expect(diagnostics({ name: "client_ok.ts", text })).toEqual([]);
  });

  it("rejects InstrumentedXClient constructor arguments of the wrong types", () => {
    const text = `import { credentials } from "@grpc/grpc-js";
import { InstrumentedTestServiceClient } from "./test_grpc_prom.js";
export const a = new InstrumentedTestServiceClient("127.0.0.1:1", credentials.createInsecure(), {}, { registry: 1 });
export const b = new InstrumentedTestServiceClient(42, credentials.createInsecure());
`;
    // Each error where it should be, and for the reason it should be: not, say, a module that failed to resolve.
    const errors = diagnostics({ name: "client_bad.ts", text }).map((e) => e.split("\n"));
    expect(errors.map((e) => e[0])).toEqual([
      "testdata/gen/client_bad.ts:3: Type 'number' is not assignable to type 'MetricsRegistry'.",
      "testdata/gen/client_bad.ts:4: No overload matches this call.",
    ]);
    expect(errors[1]).toContain("    Argument of type 'number' is not assignable to parameter of type 'string'.");
  });

  it("rejects an implementation that lacks a method's right signature", () => {
    const text = `import { instrumentTestServiceServer } from "./test_grpc_prom.js";
export const s = instrumentTestServiceServer({ ping: (x: number) => x });
`;
    expect(diagnostics({ name: "wrong_impl.ts", text }).map((e) => e.split("\n")[0])).toEqual([
      "testdata/gen/wrong_impl.ts:2: Type '(x: number) => number' is not assignable to type 'handleUnaryCall<PingRequest, PingResponse>'.",
    ]);
  });
});

describe("the generated code under isolatedDeclarations", () => {
  it("has every declaration written out, as ts-proto's own files beside it do (else TS9010)", () => {
    const project = new Project({
      compilerOptions: { ...strictOptions, isolatedDeclarations: true, declaration: true },
    });
    project.addSourceFilesAtPaths(join(gen, "**/*.ts"));
    // The runtime is compiled from source here; users get its emitted .d.ts files.
    const errors = project
      .getPreEmitDiagnostics()
      .filter((d) => d.getSourceFile()?.getFilePath().startsWith(gen))
      .map((d) => {
        const where = relative(repo, d.getSourceFile()?.getFilePath() ?? "");
        return `${where}:${d.getLineNumber() ?? 0}: ${ts.flattenDiagnosticMessageText(d.compilerObject.messageText, " ")}`;
      });
    expect(project.getSourceFiles().filter((f) => f.getFilePath().startsWith(gen)).length).toBe(11);
    expect(errors).toEqual([]);
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { protocGenGrpcProm } from "../plugin/plugin.js";
import { version } from "../plugin/version.js";
import { repo, requestFor } from "./support/plugin.js";

const ping = `
syntax = "proto3";
package acme.v1;

message Req {}
message Res {}

// Pinger pings.
service Pinger {
  // Ping answers once.
  rpc Ping(Req) returns (Res);
  rpc Upload(stream Req) returns (Res);
  rpc Watch(Req) returns (stream Res);
  rpc Chat(stream Req) returns (stream Res);
  rpc GetHTTPStatus(Req) returns (Res);
  rpc get_foo_bar(Req) returns (Res);
}
`;

/** generate runs the plugin in-process and returns its files by name. */
function generate(protos: Record<string, string>, parameter = "target=ts", files?: string[]): Map<string, string> {
  const res = protocGenGrpcProm.run(requestFor(protos, parameter, files));
  return new Map(res.file.map((f) => [f.name, f.content]));
}

function lines(text: string | undefined): string[] {
  return (text ?? "").split("\n");
}

describe("the generated file", () => {
  const out = generate({ "acme/v1/ping.proto": ping });
  const text = out.get("acme/v1/ping_grpc_prom.ts");

  it("is emitted beside ts-proto's file, and only for files with services", () => {
    expect([...out.keys()]).toEqual(["acme/v1/ping_grpc_prom.ts"]);
    const none = generate({ "m.proto": 'syntax = "proto3"; message M {}' });
    expect(none.size).toBe(0);
  });

  it("imports ts-proto's service types from its file and the runtime by package name", () => {
    expect(lines(text)).toEqual(
      expect.arrayContaining([
        'import type { InstrumentedClientConstructor, MethodTable, ServerMetrics } from "protoc-gen-grpc-prom/runtime";',
        'import { instrumentClient, instrumentServer } from "protoc-gen-grpc-prom/runtime";',
        'import type { PingerServer, PingerService } from "./ping";',
        'import { PingerClient } from "./ping";',
      ]),
    );
  });

  it("holds the method table: ts-proto's keys, proto names, every call type", () => {
    const all = lines(text);
    const start = all.indexOf("} = {");
    expect(all.slice(start, start + 8)).toEqual([
      "} = {",
      '  ping: { grpcService: "acme.v1.Pinger", grpcMethod: "Ping", grpcType: "unary" },',
      '  upload: { grpcService: "acme.v1.Pinger", grpcMethod: "Upload", grpcType: "client_stream" },',
      '  watch: { grpcService: "acme.v1.Pinger", grpcMethod: "Watch", grpcType: "server_stream" },',
      '  chat: { grpcService: "acme.v1.Pinger", grpcMethod: "Chat", grpcType: "bidi_stream" },',
      '  getHttpStatus: { grpcService: "acme.v1.Pinger", grpcMethod: "GetHTTPStatus", grpcType: "unary" },',
      '  getFooBar: { grpcService: "acme.v1.Pinger", grpcMethod: "get_foo_bar", grpcType: "unary" },',
      "} as const satisfies MethodTable<keyof PingerService>;",
    ]);
  });

  it("writes out the method table's type, the literal types `as const` infers, for isolatedDeclarations", () => {
    const all = lines(text);
    const start = all.indexOf("export const PingerMethods: {");
    expect(start).toBeGreaterThan(0);
    expect(all.slice(start, all.indexOf("} = {")).filter((l) => !/^ +(\/\*\*|\*)/.test(l))).toEqual([
      "export const PingerMethods: {",
      '  readonly ping: { readonly grpcService: "acme.v1.Pinger"; readonly grpcMethod: "Ping"; readonly grpcType: "unary" };',
      '  readonly upload: { readonly grpcService: "acme.v1.Pinger"; readonly grpcMethod: "Upload"; readonly grpcType: "client_stream" };',
      '  readonly watch: { readonly grpcService: "acme.v1.Pinger"; readonly grpcMethod: "Watch"; readonly grpcType: "server_stream" };',
      '  readonly chat: { readonly grpcService: "acme.v1.Pinger"; readonly grpcMethod: "Chat"; readonly grpcType: "bidi_stream" };',
      '  readonly getHttpStatus: { readonly grpcService: "acme.v1.Pinger"; readonly grpcMethod: "GetHTTPStatus"; readonly grpcType: "unary" };',
      '  readonly getFooBar: { readonly grpcService: "acme.v1.Pinger"; readonly grpcMethod: "get_foo_bar"; readonly grpcType: "unary" };',
    ]);
  });

  it("emits instrumentXServer as one runtime call", () => {
    const start = lines(text).indexOf(
      "export function instrumentPingerServer(impl: PingerServer, metrics?: ServerMetrics): PingerServer {",
    );
    expect(start).toBeGreaterThan(0);
    expect(lines(text).slice(start + 1, start + 3)).toEqual([
      "  return instrumentServer(PingerMethods, impl, metrics);",
      "}",
    ]);
  });

  it("emits InstrumentedXClient as one runtime call, typed and marked pure, and a type of the same name", () => {
    expect(lines(text)).toContain(
      "export const InstrumentedPingerClient: InstrumentedClientConstructor<typeof PingerClient> = /*@__PURE__*/ instrumentClient(PingerClient, PingerMethods);",
    );
    expect(lines(text)).toContain("export type InstrumentedPingerClient = PingerClient;");
  });

  it("carries proto comments into JSDoc, each once: the service's on the table, a method's on its member", () => {
    expect(text?.split("Pinger pings.").length).toBe(2);
    expect(text?.split("Ping answers once.").length).toBe(2);
    expect(text).toContain(
      " * PingerMethods holds the metric labels of every method of\n * acme.v1.Pinger, keyed by ts-proto's method name.\n *\n" +
        " * Pinger pings.\n *\n * @generated from service acme.v1.Pinger\n */\nexport const PingerMethods: {\n" +
        "  /**\n   * Ping answers once.\n   *\n   * @generated from rpc acme.v1.Pinger.Ping\n   */\n  readonly ping: {",
    );
    // The wrappers say what they are, and where they came from.
    expect(text?.split("@generated from service acme.v1.Pinger\n").length).toBe(4);
  });

  it("says below the imports which file of ts-proto's they expect, and which options pair", () => {
    const all = lines(text);
    expect(all.slice(all.indexOf('import { PingerClient } from "./ping";') + 1).slice(0, 5)).toEqual([
      "",
      "// ./ping.ts, imported above, is ts-proto's file for acme/v1/ping.proto (outputServices=grpc-js),",
      "// written to the same out: ts-proto's fileSuffix pairs with our ts_proto_file_suffix, and its",
      "// importSuffix with our import_extension.",
      "",
    ]);
  });

  it("heads the file with the plugin's version and the proto it came from", () => {
    expect(lines(text)).toContain(`// @generated by protoc-gen-grpc-prom v${version} with parameter "target=ts"`);
    expect(lines(text)).toContain("// @generated from file acme/v1/ping.proto (package acme.v1, syntax proto3)");
  });

  it("is the same, byte for byte, for the same input", () => {
    expect(generate({ "acme/v1/ping.proto": ping }).get("acme/v1/ping_grpc_prom.ts")).toBe(text);
  });
});

describe("options", () => {
  it("imports the runtime from runtime_import", () => {
    const text = generate({ "p.proto": ping }, "target=ts,runtime_import=@acme/metrics").get("p_grpc_prom.ts");
    expect(lines(text)).toContain('import { instrumentClient, instrumentServer } from "@acme/metrics";');
  });

  it("finds ts-proto's files by ts_proto_file_suffix, with protoplugin's import_extension", () => {
    const text = generate({ "p.proto": ping }, "target=ts,ts_proto_file_suffix=_pb,import_extension=js").get(
      "p_grpc_prom.ts",
    );
    expect(lines(text)).toContain('import type { PingerServer, PingerService } from "./p_pb.js";');
    expect(text).toContain(
      "// ./p_pb.ts, imported above, is ts-proto's file for p.proto (outputServices=grpc-js, fileSuffix=_pb),\n",
    );
  });
});

describe("the version", () => {
  it("has the version of package.json", () => {
    const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string };
    expect(version).toBe(pkg.version);
  });
});

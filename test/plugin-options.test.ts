import { clone } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { PluginError } from "../plugin/errors.js";
import { protocGenGrpcProm } from "../plugin/plugin.js";
import { optionsLine, requestFor } from "./support/plugin.js";

// One buf build; each case runs it with its own parameter.
const request = requestFor({
  "p.proto": 'syntax = "proto3"; package p; message M {} service S { rpc A(M) returns (M); }',
});

function run(parameter: string) {
  const r = clone(CodeGeneratorRequestSchema, request);
  r.parameter = parameter;
  return protocGenGrpcProm.run(r);
}

function failure(parameter: string): string {
  try {
    run(parameter);
  } catch (err) {
    expect(err).toBeInstanceOf(PluginError);
    return (err as Error).message;
  }
  return "(the run succeeded)";
}

const valid = optionsLine;
const ts = "protoc-gen-grpc-prom emits TypeScript beside ts-proto's files";

describe("a bad option fails the run with one line naming it and listing every option", () => {
  it.each([
    // Unknown, or without a value.
    ["target=ts,colour=blue", "colour=blue", "unknown option colour"],
    ["target=ts,bootstrap_wkt=true", "bootstrap_wkt=true", "unknown option bootstrap_wkt"],
    ["target=ts,", "", 'an option is empty (a stray ",")'],
    ["target=ts,runtime_import", "runtime_import", "runtime_import needs a value: runtime_import=MODULE"],
    ["target=ts,ts_nocheck", "ts_nocheck", "ts_nocheck needs a value: ts_nocheck=true|false"],
    ["target", "target", "target needs a value: target=ts"],
    // Our options' values.
    [
      "target=ts,runtime_import=",
      "runtime_import=",
      "runtime_import takes a module path, e.g. runtime_import=protoc-gen-grpc-prom/runtime",
    ],
    [
      "target=ts,runtime_import= x",
      "runtime_import= x",
      "runtime_import takes a module path, e.g. runtime_import=protoc-gen-grpc-prom/runtime",
    ],
    [
      "target=ts,ts_proto_file_suffix=a/b",
      "ts_proto_file_suffix=a/b",
      'ts_proto_file_suffix takes only letters, digits, "_", "-" and "."',
    ],
    ["target=ts,runtime_import=a,runtime_import=b", "runtime_import=b", "runtime_import is given twice"],
    // The generator, and the options that pair with one generator only.
    ["target=ts,generator=", "generator=", "generator takes ts-proto, grpc-tools or protobuf-ts"],
    ["target=ts,generator=grpc_tools", "generator=grpc_tools", "generator takes ts-proto, grpc-tools or protobuf-ts"],
    ["target=ts,generator=ts-proto-x", "generator=ts-proto-x", "generator takes ts-proto, grpc-tools or protobuf-ts"],
    ["target=ts,generator=TS-PROTO", "generator=TS-PROTO", "generator takes ts-proto, grpc-tools or protobuf-ts"],
    ["target=ts,generator", "generator", "generator needs a value: generator=ts-proto|grpc-tools|protobuf-ts"],
    ["target=ts,generator=grpc-tools,generator=ts-proto", "generator=ts-proto", "generator is given twice"],
    [
      "target=ts,generator=grpc-tools,ts_proto_file_suffix=_pb",
      "ts_proto_file_suffix=_pb",
      "ts_proto_file_suffix is ts-proto's fileSuffix, and with generator=grpc-tools our files import grpc-tools', " +
        "whose names it does not change; drop it",
    ],
    [
      "target=ts,ts_proto_file_suffix=,generator=protobuf-ts",
      "ts_proto_file_suffix=",
      "ts_proto_file_suffix is ts-proto's fileSuffix, and with generator=protobuf-ts our files import protobuf-ts's, " +
        "whose names it does not change; drop it",
    ],
    ...["ts", ".ts"].map((ext) => [
      `target=ts,generator=grpc-tools,import_extension=${ext}`,
      `import_extension=${ext}`,
      "with generator=grpc-tools import_extension takes none or js: grpc-tools' files are JavaScript " +
        "(<name>_grpc_pb.js, declared by <name>_grpc_pb.d.ts), there is no .ts file to import",
    ]),
    // protoplugin's options' values, which protoplugin reports only as `invalid option "..."`.
    ["target=foo", "target=foo", `${ts}, so target must be ts`],
    ["target=js", "target=js", `${ts}, so target must be ts`],
    ["target=ts+dts", "target=ts+dts", `${ts}, so target must be ts`],
    ["target=ts,import_extension=xyz", "import_extension=xyz", "import_extension takes none, js or ts"],
    ["target=ts,ts_nocheck=maybe", "ts_nocheck=maybe", "ts_nocheck takes true or false"],
    ["target=ts,keep_empty_files=yes", "keep_empty_files=yes", "keep_empty_files takes true or false"],
    ["target=ts,elide_plugin_version=2", "elide_plugin_version=2", "elide_plugin_version takes true or false"],
    ["target=ts,js_import_style=cjs", "js_import_style=cjs", "js_import_style takes module or legacy_commonjs"],
    ["target=ts,rewrite_imports=x", "rewrite_imports=x", "rewrite_imports takes PATTERN:TARGET"],
    ["target=ts,map_imports=:x", "map_imports=:x", "map_imports takes PATTERN:TARGET"],
    ["target=ts,map_imports=x:", "map_imports=x:", "map_imports takes PATTERN:TARGET"],
  ])("%j", (parameter, option, why) => {
    expect(failure(parameter)).toBe(`invalid option ${JSON.stringify(option)}: ${why}; ${valid}`);
  });

  it.each([[""], ["import_extension=js"]])("%j: no target", (parameter) => {
    expect(failure(parameter)).toBe(`option target=ts is missing: ${ts}; ${valid}`);
  });
});

describe("every option value the plugin accepts", () => {
  // Checked before protoplugin reads them: each must pass protoplugin too.
  it.each([
    "target=ts",
    ...["none", "js", "ts", ".js", ".ts", ""].map((v) => `target=ts,import_extension=${v}`),
    ...["module", "legacy_commonjs"].map((v) => `target=ts,js_import_style=${v}`),
    ...["keep_empty_files", "ts_nocheck", "elide_plugin_version"].flatMap((o) =>
      ["true", "false", "1", "0"].map((v) => `target=ts,${o}=${v}`),
    ),
    "target=ts,rewrite_imports=./x/*:@y/,rewrite_imports=:z",
    "target=ts,map_imports=a:b",
    "target=ts,runtime_import=@acme/metrics,ts_proto_file_suffix=_pb.v1-x",
    "target=ts,ts_proto_file_suffix=",
    ...["ts-proto", "grpc-tools", "protobuf-ts"].map((g) => `target=ts,generator=${g}`),
    "target=ts,generator=ts-proto,ts_proto_file_suffix=_pb",
    ...["none", "js", ""].map((v) => `target=ts,generator=grpc-tools,import_extension=${v}`),
    ...["none", "js", "ts"].map((v) => `target=ts,generator=protobuf-ts,import_extension=${v}`),
    "target=ts,generator=protobuf-ts,runtime_import=@acme/metrics",
  ])("%j generates", (parameter) => {
    expect(run(parameter).file.map((f) => f.name)).toEqual(["p_grpc_prom.ts"]);
  });

  it("generator=ts-proto is the default: the same files, byte for byte", () => {
    const text = (parameter: string) => run(parameter).file.map((f) => f.content.replace(`"${parameter}"`, ""));
    expect(text("target=ts,generator=ts-proto")).toEqual(text("target=ts"));
  });

  it.each([
    ["ts-proto", ['import type { SServer, SService } from "./p.js";', 'import { SClient } from "./p.js";']],
    [
      "grpc-tools",
      ['import type { ISServer, SService } from "./p_grpc_pb.js";', 'import { SClient } from "./p_grpc_pb.js";'],
    ],
    [
      "protobuf-ts",
      [
        'import type { IS, sDefinition } from "./p.grpc-server.js";',
        'import { SClient } from "./p.grpc-client.js";',
        'import type { BinaryReadOptions, BinaryWriteOptions } from "@protobuf-ts/runtime";',
      ],
    ],
  ])("generator=%s: its files imported, and the runtime", (generator, imports) => {
    const content = run(`target=ts,import_extension=js,generator=${generator}`).file[0]!.content;
    expect(content.split("\n").filter((l) => l.startsWith("import "))).toEqual([
      'import type { InstrumentedClientConstructor, MethodTable, ServerMetrics } from "protoc-gen-grpc-prom/runtime";',
      'import { instrumentClient, instrumentServer } from "protoc-gen-grpc-prom/runtime";',
      ...imports,
    ]);
  });
});

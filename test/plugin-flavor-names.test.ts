import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PluginError } from "../plugin/errors.js";
import { protocGenGrpcProm } from "../plugin/plugin.js";
import { requestFor } from "./support/plugin.js";
import { bufGenerateBeside, commonJsOptions, tree, typeCheck } from "./support/plugin-build.js";
import { userProtos } from "./support/plugin-protos.js";

// Each generator keys methods its own way: ts-proto camel-cases (case-anything), grpc-tools lower-cases the
// first letter, protobuf-ts camel-cases its own way and escapes the names its clients use with "$".
const names = `syntax = "proto3"; package k; message M {}
service Keys {
  rpc GetHTTPStatus(M) returns (M);
  rpc get_foo_bar(M) returns (M);
  rpc Watch2Way(M) returns (M);
  rpc Close(M) returns (M);
  rpc ToString(M) returns (M);
  rpc Name(M) returns (M);
}`;

function run(protos: Record<string, string>, parameter: string) {
  return protocGenGrpcProm.run(requestFor(protos, parameter));
}

function failure(proto: string, generator: string): string {
  try {
    run({ "f.proto": proto }, `target=ts,generator=${generator}`);
  } catch (err) {
    expect(err).toBeInstanceOf(PluginError);
    return (err as Error).message;
  }
  return "(the run succeeded)";
}

function keys(content: string): string[] {
  return content
    .split("\n")
    .filter((l) => l.includes("grpcService:") && !l.includes("readonly"))
    .map((l) => l.trim().split(":")[0]!);
}

describe("each generator's method keys", () => {
  it.each([
    ["grpc-tools", ["getHTTPStatus", "get_foo_bar", "watch2Way", "toString", "name"]],
    ["protobuf-ts", ["getHTTPStatus", "getFooBar", "watch2Way", "close$", "toString$", "name$"]],
  ])("generator=%s keys the table as it does", (generator, expected) => {
    const proto = generator === "grpc-tools" ? names.replace("  rpc Close(M) returns (M);\n", "") : names;
    const [file] = run({ "k.proto": proto }, `target=ts,generator=${generator}`).file;
    expect(keys(file!.content)).toEqual(expected);
  });
});

describe("method names a generator cannot work with fail the run, naming them", () => {
  const dup = `syntax = "proto3"; package dup; message M {}
service Dup { rpc GetFoo(M) returns (M); rpc get_foo(M) returns (M); rpc Foo(M) returns (M); rpc foo(M) returns (M); }`;

  it.each([
    [
      "grpc-tools",
      dup,
      "f.proto: service dup.Dup: methods Foo and foo are both foo in grpc-tools' code, where the second hides the first " +
        "(grpc-tools' code does not compile, and grpc-js would serve only foo); rename one of them",
    ],
    [
      "protobuf-ts",
      dup,
      "f.proto: service dup.Dup: methods GetFoo and get_foo are both getFoo in protobuf-ts's code, where the second hides the first " +
        "(protobuf-ts's code does not compile, and grpc-js would serve only get_foo); rename one of them",
    ],
    [
      "grpc-tools",
      `syntax = "proto3"; package close; message M {} service Door { rpc Open(M) returns (M); rpc Close(M) returns (M); }`,
      "f.proto: service close.Door: method Close is close in grpc-tools' code, a method grpc-js's Client needs: " +
        "the rpc would replace it on every DoorClient; rename the method",
    ],
    [
      "grpc-tools",
      `syntax = "proto3"; package p; message M {} service S { rpc __proto__(M) returns (M); }`,
      "f.proto: service p.S: method __proto__ is __proto__ in grpc-tools' code, whose SService writes it as a plain key, " +
        "which sets the object's prototype instead: grpc-js would neither serve nor call the method; rename the method",
    ],
    [
      "protobuf-ts",
      `syntax = "proto3"; package digit; message M {} service Digit { rpc _2fa(M) returns (M); }`,
      'f.proto: service digit.Digit: method _2fa is "2Fa" in protobuf-ts\'s code, which protobuf-ts writes as an ' +
        "unquoted key but is not a JavaScript identifier, so its code does not compile; rename the method",
    ],
    [
      "protobuf-ts",
      `syntax = "proto3"; package u; message M {} service Under { rpc _(M) returns (M); }`,
      'f.proto: service u.Under: method _ is "" in protobuf-ts\'s code, which protobuf-ts writes as an ' +
        "unquoted key but is not a JavaScript identifier, so its code does not compile; rename the method",
    ],
  ])("generator=%s: %s", (generator, proto, error) => {
    expect(failure(proto, generator)).toBe(error);
  });

  it("what one generator refuses another may take: GetFoo and get_foo are two keys in grpc-tools' code", () => {
    expect(failure(dup.replace(" rpc foo(M) returns (M);", ""), "grpc-tools")).toBe("(the run succeeded)");
    expect(failure(dup, "ts-proto")).toContain("methods GetFoo and get_foo are both getFoo in ts-proto's code");
  });
});

// userProtos but edition 2023's file, which neither generator supports, and for grpc-tools the one
// method it cannot serve (refused above).
const { "ed/v1/ed.proto": _, ...noEditions } = userProtos;
const protosFor = {
  "grpc-tools": Object.fromEntries(
    Object.entries(noEditions).map(([n, t]) => [n, t.replace("  rpc __proto__(M) returns (M);\n", "")]),
  ),
  "protobuf-ts": noEditions,
};

describe.each(["grpc-tools", "protobuf-ts"] as const)(
  "protos users bring, generated beside the real %s in one buf run",
  (generator) => {
    const scratch = mkdtempSync(join(tmpdir(), `grpc-prom-${generator}-`));
    const gen = join(scratch, "gen");
    let files = new Map<string, string>();
    beforeAll(async () => {
      await bufGenerateBeside(scratch, protosFor[generator], generator);
      files = tree(gen);
    }, 120_000);
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    it("compile under strict TypeScript: every key of ours is the generator's, every name resolves", () => {
      const ours = [...files.keys()].filter((f) => f.endsWith("_grpc_prom.ts")).sort();
      expect(ours).toEqual([
        "a/b/c/d/e/f/g/h/v1/deep_grpc_prom.ts",
        "acme/shop/v1/catalog_grpc_prom.ts",
        "acme/shop/v1/orders_grpc_prom.ts",
        "bare_grpc_prom.ts",
        "legacy/v1/legacy_grpc_prom.ts",
        "names/v1/names_grpc_prom.ts",
      ]);
      const { files: checked, errors } = typeCheck(gen, commonJsOptions);
      for (const f of ours) expect(checked).toContain(f);
      expect(ours.flatMap((f) => errors.get(f) ?? [])).toEqual([]);
    }, 60_000);
  },
);

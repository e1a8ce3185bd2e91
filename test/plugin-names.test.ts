import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clone } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema } from "@bufbuild/protobuf/wkt";
import { Client } from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { clientMemberNames } from "../plugin/check-names.js";
import { PluginError } from "../plugin/errors.js";
import { protocGenGrpcProm } from "../plugin/plugin.js";
import { requestFor } from "./support/plugin.js";
import { bufGenerate, bufGenerateVariants, tree, typeCheck } from "./support/plugin-build.js";
import { clientMemberProtos, rejectedProtos } from "./support/plugin-protos.js";

// The rest of Client.prototype: an rpc replaces them on its client harmlessly.
const harmless = ["makeUnaryRequest", "makeClientStreamRequest", "makeServerStreamRequest", "makeBidiStreamRequest"];
const members = clientMemberProtos([...clientMemberNames, ...harmless]);
const protos = {
  ...Object.fromEntries(Object.entries(rejectedProtos).map(([name, c]) => [name, c.proto])),
  ...members,
};
// One buf build for every case; each run asks for one file of it.
const request = requestFor(protos);

function run(file: string) {
  const one = clone(CodeGeneratorRequestSchema, request);
  one.fileToGenerate = [file];
  return protocGenGrpcProm.run(one);
}

function failure(file: string): string {
  try {
    run(file);
  } catch (err) {
    expect(err).toBeInstanceOf(PluginError);
    return (err as Error).message;
  }
  return "(the run succeeded)";
}

describe("method names ts-proto and grpc-js cannot work with", () => {
  it.each(Object.entries(rejectedProtos))("%s fails the run, naming the methods", (file, { error }) => {
    expect(failure(file)).toBe(error);
  });

  it.each(clientMemberNames)("an rpc keyed %s, a method of grpc-js's Client, fails the run", (name) => {
    expect(failure(`member_${name}.proto`)).toContain(`is ${name} in ts-proto's code, a method grpc-js's Client needs`);
  });

  it.each(harmless)("an rpc keyed %s, which grpc-js's rpc methods do not use, is generated", (name) => {
    expect(run(`member_${name}.proto`).file.map((f) => f.name)).toEqual([`member_${name}_grpc_prom.ts`]);
  });

  it("sorts every method of grpc-js's Client into one of the two lists", () => {
    const own = Object.getOwnPropertyNames(Client.prototype).filter((n) => n !== "constructor");
    expect([...clientMemberNames, ...harmless].sort()).toEqual(own.sort());
  });
});

describe("ts-proto's own code for those protos", () => {
  const scratch = mkdtempSync(join(tmpdir(), "grpc-prom-rejected-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("does not compile either, as the messages say", async () => {
    const rejected = Object.keys(protos).filter((p) => !harmless.some((h) => p === `member_${h}.proto`));
    await bufGenerate(scratch, Object.fromEntries(rejected.map((p) => [p, protos[p]!])), false);
    const { files, errors } = typeCheck(join(scratch, "gen"));
    const expected = rejected.map((p) => p.replace(/\.proto$/, ".ts"));
    expect(files.sort()).toEqual([...expected].sort());
    expect(expected.filter((f) => (errors.get(f) ?? []).length === 0)).toEqual([]);
  }, 120_000);
});

describe("ts-proto's snakeToCamel", () => {
  const scratch = mkdtempSync(join(tmpdir(), "grpc-prom-snake-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const proto = `syntax = "proto3"; package snake;
message Req { string user_id = 1; }
service Snake {
  rpc get_user_by_id(Req) returns (Req);
  rpc list_all_HTTP_things(Req) returns (stream Req);
  rpc ALL_CAPS(stream Req) returns (Req);
  rpc GetHTTPStatus(stream Req) returns (stream Req);
}`;
  const modes = {
    default: [],
    false: ["snakeToCamel=false"],
    keys: ["snakeToCamel=keys"],
    json: ["snakeToCamel=json"],
  };
  const keys = ["getUserById", "listAllHttpThings", "allCaps", "getHttpStatus"];

  // ts-proto 2.18 camel-cases rpc names for grpc-js whenever its parsed
  // snakeToCamel is truthy, and it always is: an array, [] for "false".
  it("changes message fields only: in every mode ts-proto's method keys are ours, and both compile", async () => {
    await bufGenerateVariants(scratch, { "snake.proto": proto }, modes);
    const files = tree(join(scratch, "gen"));
    const { files: checked, errors } = typeCheck(join(scratch, "gen"));
    expect(checked.length).toBe(2 * Object.keys(modes).length);
    expect([...errors.values()].flat()).toEqual([]);
    for (const mode of Object.keys(modes)) {
      const theirs = files.get(join(mode, "snake.ts")) ?? "";
      const service = theirs.slice(theirs.indexOf("export const SnakeService = {"));
      expect(
        keys.filter((k) => !service.includes(`\n  ${k}: {\n`)),
        mode,
      ).toEqual([]);
      expect(files.get(join(mode, "snake_grpc_prom.ts")), mode).toBe(files.get(join("default", "snake_grpc_prom.ts")));
    }
    // The option did reach ts-proto: without "keys" its field names stay snake_case.
    expect(
      ["default", "false", "keys", "json"].map((m) => files.get(join(m, "snake.ts"))?.includes("  user_id: string;")),
    ).toEqual([false, true, false, true]);
  }, 120_000);
});

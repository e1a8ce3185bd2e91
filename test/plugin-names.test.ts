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
import { bufGenerate, typeCheck } from "./support/plugin-build.js";
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

import { execFile } from "node:child_process";
import { join } from "node:path";
import { clone, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, CodeGeneratorResponseSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { version } from "../plugin/version.js";
import { optionsLine, repo, requestFor } from "./support/plugin.js";
import { type PluginExit, runInProcess } from "./support/plugin-run.js";

type Exit = PluginExit;

/** spawnBin runs the plugin's bin from source, as buf.gen.yaml does, with input on stdin. */
function spawnBin(input: Uint8Array, args: string[] = []): Promise<Exit> {
  return new Promise((resolve) => {
    const child = execFile(
      "node",
      ["--import", "tsx", join(repo, "plugin", "bin.ts"), ...args],
      { encoding: "buffer", timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (err.code as number) : 0, stdout, stderr: stderr.toString() }),
    );
    child.stdin?.end(input);
  });
}

const request = requestFor({
  "p.proto": 'syntax = "proto3"; package p; message M {} service S { rpc A(M) returns (M); }',
});
const encode = (edit: (r: typeof request) => void) => {
  const r = clone(CodeGeneratorRequestSchema, request);
  edit(r);
  return toBinary(CodeGeneratorRequestSchema, r);
};
const run = "this is a protoc plugin: run it from `buf generate` or protoc, which write a request to its stdin";
const options = optionsLine;

// Each case: its input, and the one line it must print on stderr.
const bad: Record<string, [Uint8Array, string]> = {
  "malformed bytes": [
    new Uint8Array([0xff, 0xff, 0xff]),
    `stdin is not a CodeGeneratorRequest (premature EOF); ${run}`,
  ],
  "zero bytes": [new Uint8Array(), `stdin is empty, not a CodeGeneratorRequest; ${run}`],
  "a request with no file to generate": [
    encode((r) => (r.fileToGenerate = [])),
    `the CodeGeneratorRequest names no file to generate (file_to_generate is empty); ${run}`,
  ],
  "a file to generate missing from proto_file": [
    encode((r) => r.fileToGenerate.push("gone.proto")),
    'the CodeGeneratorRequest asks to generate "gone.proto", missing from its proto_file list, which must hold every file to generate and all they import',
  ],
  "an unknown option": [
    encode((r) => (r.parameter = "target=ts,colour=blue")),
    `invalid option "colour=blue": unknown option colour; ${options}`,
  ],
  "an unknown generator": [
    encode((r) => (r.parameter = "target=ts,generator=grpc")),
    `invalid option "generator=grpc": generator takes ts-proto, grpc-tools or protobuf-ts; ${options}`,
  ],
  "an option of one generator with another": [
    encode((r) => (r.parameter = "target=ts,generator=protobuf-ts,ts_proto_file_suffix=_pb")),
    `invalid option "ts_proto_file_suffix=_pb": ts_proto_file_suffix is ts-proto's fileSuffix, and with generator=protobuf-ts our files import protobuf-ts's, whose names it does not change; drop it; ${options}`,
  ],
  "a bad protoplugin option": [
    encode((r) => (r.parameter = "target=foo")),
    `invalid option "target=foo": protoc-gen-grpc-prom emits TypeScript beside ts-proto's files, so target must be ts; ${options}`,
  ],
};

describe("the plugin process", () => {
  it("reads a request on stdin and writes the response on stdout", async () => {
    const ok = await runInProcess(toBinary(CodeGeneratorRequestSchema, request));
    expect([ok.code, ok.stderr]).toEqual([0, ""]);
    expect(fromBinary(CodeGeneratorResponseSchema, ok.stdout).file.map((f) => f.name)).toEqual(["p_grpc_prom.ts"]);
  });

  it.each(Object.keys(bad))("exits 1 with one line on stderr, no stack, for %s", async (name) => {
    const [input, line] = bad[name]!;
    const exit = await runInProcess(input);
    expect([exit.code, exit.stdout.length, exit.stderr]).toEqual([1, 0, `protoc-gen-grpc-prom: ${line}\n`]);
  });

  it("prints the stack of an unexpected error, a bug to report", async () => {
    // A descriptor naming a type no file defines: buf and protoc never send one.
    const exit = await runInProcess(encode((r) => (r.protoFile[0]!.service[0]!.method[0]!.inputType = ".p.Missing")));
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(
      /^protoc-gen-grpc-prom: internal error, please report it: Error: .*Missing[^\n]*\n {4}at /,
    );
  });

  it.each([["-v"], ["--version"]])("prints its version for %s", async (flag) => {
    const exit = await runInProcess(new Uint8Array(), [flag]);
    expect([exit.code, exit.stdout.toString(), exit.stderr]).toEqual([0, `protoc-gen-grpc-prom v${version}\n`, ""]);
  });

  it("refuses arguments, saying how it is run", async () => {
    const exit = await runInProcess(new Uint8Array(), ["--help"]);
    expect([exit.code, exit.stderr]).toEqual([
      1,
      'protoc-gen-grpc-prom: unexpected arguments "--help": run without arguments, it reads a CodeGeneratorRequest ' +
        "on stdin and writes a CodeGeneratorResponse to stdout; -v or --version prints its version\n",
    ]);
  });
});

describe("the bin, as a process", () => {
  // Three processes at once, each a second or more to start: that the bin is wired to the above.
  it("answers a request, exits 1 with the one line on bad input, and prints its version", async () => {
    const [ok, malformed, v] = await Promise.all([
      spawnBin(toBinary(CodeGeneratorRequestSchema, request)),
      spawnBin(bad["malformed bytes"]![0]),
      spawnBin(new Uint8Array(), ["-v"]),
    ]);
    expect([ok.code, ok.stderr]).toEqual([0, ""]);
    expect(fromBinary(CodeGeneratorResponseSchema, ok.stdout).file.map((f) => f.name)).toEqual(["p_grpc_prom.ts"]);
    expect([malformed.code, malformed.stdout.length, malformed.stderr]).toEqual([
      1,
      0,
      `protoc-gen-grpc-prom: ${bad["malformed bytes"]![1]}\n`,
    ]);
    expect([v.code, v.stdout.toString()]).toEqual([0, `protoc-gen-grpc-prom v${version}\n`]);
  }, 60_000);
});

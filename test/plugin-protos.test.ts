import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Server } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { protocGenGrpcProm } from "../plugin/plugin.js";
import { ServerMetrics } from "../runtime/index.js";
import { requestFor } from "./support/plugin.js";
import { bufGenerate, pluginOpts, tree, typeCheck } from "./support/plugin-build.js";
import { exercise } from "./support/plugin-calls.js";
import { longName, userProtos } from "./support/plugin-protos.js";

// One buf run, ts-proto and our plugin each run once (strategy: all), for every test here.
const scratch = mkdtempSync(join(tmpdir(), "grpc-prom-protos-"));
const gen = join(scratch, "gen");
let files = new Map<string, string>();
beforeAll(async () => {
  await bufGenerate(scratch, userProtos);
  files = tree(gen);
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tableLines(file: string): string[] {
  // The table's value; its type, above it, has a "readonly" line per method.
  return (files.get(file) ?? "").split("\n").filter((l) => l.includes("grpcService:") && !l.includes("readonly"));
}

describe("protos users bring, generated beside ts-proto in one buf run", () => {
  it("give one _grpc_prom.ts per file with services, none for a file of messages", () => {
    expect([...files.keys()].filter((f) => f.endsWith("_grpc_prom.ts")).sort()).toEqual([
      "a/b/c/d/e/f/g/h/v1/deep_grpc_prom.ts",
      "acme/shop/v1/catalog_grpc_prom.ts",
      "acme/shop/v1/orders_grpc_prom.ts",
      "bare_grpc_prom.ts",
      "ed/v1/ed_grpc_prom.ts",
      "legacy/v1/legacy_grpc_prom.ts",
      "names/v1/names_grpc_prom.ts",
    ]);
    expect(files.has("acme/common/v1/money.ts")).toBe(true);
    expect(files.has("google/protobuf/timestamp.ts")).toBe(true);
  });

  it("compile under strict TypeScript, with ts-proto's output and the runtime", () => {
    const { files: checked, errors } = typeCheck(gen);
    expect(checked.sort()).toEqual([...files.keys()].sort());
    expect([...errors.values()].flat()).toEqual([]);
  }, 60_000);

  it("label services without a package by their bare name, and deep packages in full", () => {
    expect(tableLines("bare_grpc_prom.ts")).toEqual([
      '  echo: { grpcService: "Bare", grpcMethod: "Echo", grpcType: "unary" },',
      '  echo: { grpcService: "Naked", grpcMethod: "Echo", grpcType: "client_stream" },',
    ]);
    expect(tableLines("a/b/c/d/e/f/g/h/v1/deep_grpc_prom.ts")).toEqual([
      '  dive: { grpcService: "a.b.c.d.e.f.g.h.v1.Abyss", grpcMethod: "Dive", grpcType: "server_stream" },',
    ]);
  });

  it("key reserved words, Object.prototype's names and numbers as ts-proto does, plainly", () => {
    const keys = tableLines("names/v1/names_grpc_prom.ts").map((l) => l.trim().split(":")[0]);
    expect(keys.slice(0, 18)).toEqual(
      "delete new function class default import await enum null constructor toString hasOwnProperty valueOf isPrototypeOf prototype proto then 1".split(
        " ",
      ),
    );
  });

  it("alias ts-proto's exports that share a name with ours, and take very long names", () => {
    const text = files.get("names/v1/names_grpc_prom.ts") ?? "";
    expect(text).toContain("InstrumentedShelfClient as InstrumentedShelfClient$1");
    expect(text).toContain("instrumentClient as instrumentClient$1"); // ts-proto's, for service `instrument`
    expect(text).toContain(
      `export const Instrumented${longName}Client: InstrumentedClientConstructor<typeof ${longName}Client> = /*@__PURE__*/ instrumentClient(${longName}Client, `,
    );
  });
});

describe("determinism", () => {
  it("gives byte-identical files for the same multi-file request, in-process and from the bin under buf", () => {
    const request = requestFor(userProtos, pluginOpts.join(","));
    const run = () => protocGenGrpcProm.run(request).file.map((f) => [f.name, f.content] as const);
    const first = run();
    expect(first.length).toBe(7);
    expect(run()).toEqual(first);
    for (const [name, content] of first) expect(files.get(name), name).toBe(content);
  });
});

describe("troublesome method names at runtime, over grpc-js", () => {
  const at = (service: string) =>
    exercise(join(gen, "names/v1/names.ts"), join(gen, "names/v1/names_grpc_prom.ts"), service);
  const each = (keys: string[], value: number | ((k: string) => unknown)) =>
    Object.fromEntries(keys.map((k) => [k, typeof value === "function" ? value(k) : value]));

  it("serves, counts and calls every reserved word", async () => {
    const keys = "delete new function class default import await enum null".split(" ");
    const r = await at("Reserved");
    // Each method is called twice, by path and by the instrumented client.
    expect(r).toEqual({
      served: each(keys, (k) => k),
      onClient: keys,
      serverOk: each(keys, 2),
      clientOk: each(keys, 1),
    });
  });

  it("serves and counts Object.prototype's names; grpc-js makes no client method for constructor or prototype", async () => {
    const keys = "constructor toString hasOwnProperty valueOf isPrototypeOf prototype proto then".split(" ");
    const onClient = keys.filter((k) => k !== "constructor" && k !== "prototype");
    const r = await at("ObjectNames");
    expect(r.served).toEqual(each(keys, (k) => k));
    expect(r.serverOk).toEqual({ ...each(keys, 1), ...each(onClient, 2) });
    expect(r.onClient).toEqual(onClient);
    expect(r.clientOk).toEqual({ ...each(keys, 0), ...each(onClient, 1) });
  });

  it("serves a method keyed by a number", async () => {
    expect((await at("Numbered")).served).toEqual({ 1: "1" });
  });

  it("wraps a service without methods, which grpc-js refuses to serve with or without us", async () => {
    const ours = (await import(pathToFileURL(join(gen, "names/v1/names_grpc_prom.ts")).href)) as Record<
      string,
      unknown
    >;
    const pb = (await import(pathToFileURL(join(gen, "names/v1/names.ts")).href)) as Record<string, unknown>;
    const instrument = ours.instrumentNothingServer as (i: object, m: ServerMetrics) => object;
    const wrapped = instrument({}, new ServerMetrics({ registry: new Registry() }));
    expect(wrapped).toEqual({});
    const server = new Server();
    expect(() => server.addService(pb.NothingService as never, wrapped as never)).toThrow(
      "Cannot add an empty service to a server",
    );
  });
});

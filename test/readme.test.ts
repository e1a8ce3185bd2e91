/**
 * The README's "Use it" steps, followed literally, as a new user would copy
 * them (issue 11): each block marked `<!-- readme-test: NAME -->` is run or
 * written as it stands, in two fresh projects outside the repo (ESM and
 * CommonJS) that install the package from its `npm pack` tarball. The only
 * changes: ours is the tarball and every other package is pinned to the
 * repo's locked version (so CI is deterministic), and the server's fixed
 * ports are free ones. Then the README's server and client run under Node
 * 20, 22 and 24, with buf and, where it is installed, protoc; a project
 * beside the ESM one, on its node_modules, takes the README's Node 24
 * type-stripping path; last, each project is pruned to a production install
 * and run again.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { grpcCodeNames } from "../runtime/index.js";
import { key } from "./support/exposition.js";
import { repo } from "./support/plugin.js";
import {
  block,
  freePorts,
  type Greeting,
  greet,
  killChildren,
  nodeBinary,
  type Ports,
  packTarball,
  pinnedInstall,
  readmeBlocks,
  replaceExactly,
  run,
  serverSeries,
  withPorts,
} from "./support/readme.js";

const readme = readmeBlocks(readFileSync(join(repo, "README.md"), "utf8"));

const greeterProto = `syntax = "proto3";

package greeter.v1;

service Greeter {
  rpc SayHello (HelloRequest) returns (HelloReply);
}

message HelloRequest {
  string name = 1;
}

message HelloReply {
  string message = 1;
}
`;

type Kind = "esm" | "cjs";
const kinds: readonly Kind[] = ["esm", "cjs"];
const packageJson = (kind: Kind) => ({
  name: `readme-test-${kind}`,
  private: true,
  ...(kind === "esm" && { type: "module" }),
});
/** majors are the Node versions the README's server and client run under: the supported range's ends and middle. */
const majors = [20, 22, 24] as const;

let root: string | undefined;
const dir = (name: string) => join(root!, name);
/** setup holds each project's outcome of install, generate and compile: undefined when all went well. */
const setup = new Map<Kind, Error | undefined>();
const ports = new Map<string, Ports>();
const nodes = new Map<number, string | Error>();

function node(major: number): string {
  const n = nodes.get(major);
  if (n instanceof Error || n === undefined) throw n ?? new Error(`no Node ${major}`);
  return n;
}

function ready(kind: Kind): void {
  expect(setup.get(kind)?.message, `the ${kind} project's setup failed`).toBeUndefined();
}

/** writeSources writes the README's server and client blocks into dir/src, with free ports and `edit` applied. */
function writeSources(d: string, p: Ports, edit: (source: string) => string = (s) => s): void {
  writeFileSync(join(d, "src", "server.ts"), edit(withPorts(block(readme, "server"), p, { grpc: 1, metrics: 1 })));
  writeFileSync(join(d, "src", "client.ts"), edit(withPorts(block(readme, "client"), p, { grpc: 1, metrics: 0 })));
}

/** prepare follows the README in a fresh project: install, proto, buf.gen.yaml, tsconfig, server, client, generate, compile. */
async function prepare(kind: Kind, tarball: string): Promise<void> {
  const d = dir(kind);
  mkdirSync(join(d, "proto"), { recursive: true });
  mkdirSync(join(d, "src"));
  writeFileSync(join(d, "package.json"), JSON.stringify(packageJson(kind), null, 2));
  for (const args of pinnedInstall(block(readme, "install"), tarball)) await run(d, "npm", args, 240_000);
  writeFileSync(join(d, "proto", "greeter.proto"), greeterProto);
  writeFileSync(join(d, "buf.gen.yaml"), block(readme, `buf.gen.yaml ${kind}`));
  writeFileSync(join(d, "tsconfig.json"), block(readme, `tsconfig ${kind}`));
  writeSources(d, ports.get(kind)!);
  await run(d, "npx", ["buf", "generate"], 60_000);
  await run(d, "npx", ["tsc", "-p", "."], 180_000);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "grpc-prom-readme-"));
  const [esm, cjs, strip] = await freePorts(6).then((p) => [0, 2, 4].map((i) => ({ grpc: p[i]!, metrics: p[i + 1]! })));
  ports.set("esm", esm!).set("cjs", cjs!).set("esm-strip", strip!);
  const installNodes = Promise.all(
    majors.map((m) =>
      nodeBinary(m).then(
        (bin) => nodes.set(m, bin),
        (err: Error) => nodes.set(m, err),
      ),
    ),
  );
  try {
    const tarball = await packTarball(root);
    // Both projects at once: installing and compiling are most of this test's time.
    const outcomes = await Promise.allSettled(kinds.map((k) => prepare(k, tarball)));
    kinds.forEach((k, i) => {
      const o = outcomes[i]!;
      setup.set(k, o.status === "rejected" ? (o.reason as Error) : undefined);
    });
  } finally {
    await installNodes;
  }
}, 420_000);

afterEach(killChildren);

afterAll(() => {
  killChildren();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

const sayHello = { grpc_method: "SayHello", grpc_service: "greeter.v1.Greeter", grpc_type: "unary" };
/** oneCall is every server series after one OK call of SayHello: each label set present, each value exact. */
const oneCall: Record<string, number> = {
  [key("grpc_server_started_total", sayHello)]: 1,
  ...Object.fromEntries(
    grpcCodeNames.map((c) => [key("grpc_server_handled_total", { ...sayHello, grpc_code: c }), c === "OK" ? 1 : 0]),
  ),
  [key("grpc_server_msg_received_total", sayHello)]: 1,
  [key("grpc_server_msg_sent_total", sayHello)]: 1,
  [key("grpc_server_handling_seconds_count", sayHello)]: 1,
};

/** expectOneGreeting checks one run of the README's server and client: the client's output, and the server's series. */
function expectOneGreeting(g: Greeting): void {
  expect(g.client).toEqual({ stdout: "Hello, you\n", stderr: "", code: 0 });
  expect(g.serverStderr).toBe("");
  expect(g.serverRanToTheEnd, "the server exited before it was killed").toBe(true);
  expect(serverSeries(g.metrics)).toEqual(oneCall);
}

const compiled = { server: "dist/server.js", client: "dist/client.js" };

it("follows every block the README marks, and only those", () => {
  expect([...readme.keys()].sort()).toEqual(
    [
      "buf.gen.yaml cjs",
      "buf.gen.yaml esm",
      "client",
      "install",
      "protoc",
      "server",
      "tsconfig cjs",
      "tsconfig esm",
    ].sort(),
  );
});

describe.each(kinds)("the README's steps in a fresh %s project", (kind) => {
  it("install, buf generate and a strict tsc -p . pass as written", () => {
    ready(kind);
    expect(existsSync(join(dir(kind), "src", "gen", "greeter_grpc_prom.ts"))).toBe(true);
    expect(existsSync(join(dir(kind), "dist", "server.js"))).toBe(true);
  });

  it.each(majors)(
    "node dist/server.js and dist/client.js under Node %i: Hello, you, and exact server series",
    async (major) => {
      ready(kind);
      expectOneGreeting(await greet(dir(kind), node(major), compiled, ports.get(kind)!));
    },
    60_000,
  );
});

/** protoc is the protoc on PATH, if any. */
const protoc = (process.env.PATH ?? "")
  .split(delimiter)
  .map((d) => join(d, "protoc"))
  .find((p) => p.startsWith("/") && existsSync(p));
if (protoc === undefined) {
  console.log("README protoc test skipped: no protoc on PATH (.ci/run installs Debian's protobuf-compiler)");
}

describe.runIf(protoc !== undefined)("the README's protoc block, in the fresh cjs project", () => {
  it("writes what buf wrote, byte for byte, but for the compiler ts-proto names in its header", async () => {
    ready("cjs");
    const d = dir("cjs");
    const fromBuf = join(root!, "cjs-gen-from-buf");
    renameSync(join(d, "src", "gen"), fromBuf);
    await run(d, "sh", ["-e", "-c", block(readme, "protoc")], 60_000);
    const fromProtoc = join(d, "src", "gen");
    expect(readdirSync(fromProtoc).sort()).toEqual(readdirSync(fromBuf).sort());
    expect(readFileSync(join(fromProtoc, "greeter_grpc_prom.ts"), "utf8")).toBe(
      readFileSync(join(fromBuf, "greeter_grpc_prom.ts"), "utf8"),
    );
    // ts-proto's header names the compiler that ran it, from the request; buf names none.
    const a = readFileSync(join(fromBuf, "greeter.ts"), "utf8").split("\n");
    const b = readFileSync(join(fromProtoc, "greeter.ts"), "utf8").split("\n");
    expect(b.length).toBe(a.length);
    const differ = a.flatMap((line, i) => (line === b[i] ? [] : [[line, b[i]]]));
    expect(differ).toHaveLength(1);
    expect(differ[0]![0]).toBe("//   protoc               unknown");
    expect(differ[0]![1]).toMatch(/^\/\/ {3}protoc {15}v\d+\.\d+\.\d+$/);
  }, 60_000);
});

/**
 * typeStripping makes a project beside the ESM one, sharing its
 * node_modules, that follows the README's Node 24 sentence: the ESM
 * buf.gen.yaml with `importSuffix=.ts` and `import_extension=ts`, the ESM
 * tsconfig with `allowImportingTsExtensions` and `noEmit`, and the server and
 * client importing the generated files by their `.ts` names.
 */
function typeStrippingProject(name: string): string {
  const d = dir(name);
  mkdirSync(join(d, "proto"), { recursive: true });
  mkdirSync(join(d, "src"));
  writeFileSync(join(d, "package.json"), JSON.stringify(packageJson("esm"), null, 2));
  symlinkSync(join(dir("esm"), "node_modules"), join(d, "node_modules"), "dir");
  let bufGen = replaceExactly(block(readme, "buf.gen.yaml esm"), "importSuffix=.js", "importSuffix=.ts", 1);
  bufGen = replaceExactly(bufGen, "import_extension=js", "import_extension=ts", 1);
  writeFileSync(join(d, "buf.gen.yaml"), bufGen);
  const tsconfig = JSON.parse(block(readme, "tsconfig esm")) as { compilerOptions: object };
  tsconfig.compilerOptions = { ...tsconfig.compilerOptions, allowImportingTsExtensions: true, noEmit: true };
  writeFileSync(join(d, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  return d;
}

describe("the README's Node 24 type stripping, in a project beside the fresh esm one", () => {
  it("type-checks with tsc, then node src/server.ts and src/client.ts under Node 24: Hello, you, and exact series", async () => {
    ready("esm");
    const d = typeStrippingProject("esm-strip");
    writeFileSync(join(d, "proto", "greeter.proto"), greeterProto);
    const p = ports.get("esm-strip")!;
    writeSources(d, p, (s) => s.replace(/"\.\/gen\/(greeter(?:_grpc_prom)?)\.js"/g, '"./gen/$1.ts"'));
    expect(readFileSync(join(d, "src", "server.ts"), "utf8")).toContain(`from "./gen/greeter_grpc_prom.ts"`);
    await run(d, "npx", ["buf", "generate"], 60_000);
    await run(d, "npx", ["tsc", "-p", "."], 180_000);
    expect(existsSync(join(d, "dist")), "noEmit: tsc wrote dist/").toBe(false);
    expectOneGreeting(await greet(d, node(24), { server: "src/server.ts", client: "src/client.ts" }, p));
  }, 240_000);

  it("needs ts-proto's enumsAsLiterals=true for a proto enum, as the README says", async () => {
    ready("esm");
    const d = typeStrippingProject("esm-enum");
    writeFileSync(
      join(d, "proto", "mood.proto"),
      `syntax = "proto3";\n\npackage greeter.v1;\n\nenum Mood {\n  MOOD_UNSPECIFIED = 0;\n  MOOD_HAPPY = 1;\n}\n`,
    );
    writeFileSync(
      join(d, "src", "mood.ts"),
      `import { Mood } from "./gen/mood.ts";\n\nconsole.log(Mood.MOOD_HAPPY);\n`,
    );
    await run(d, "npx", ["buf", "generate"], 60_000);
    const refused = await run(d, node(24), ["src/mood.ts"], 20_000).then(
      () => "ran",
      (err: Error) => err.message,
    );
    expect(refused).toContain("ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX");
    const bufGen = readFileSync(join(d, "buf.gen.yaml"), "utf8");
    writeFileSync(
      join(d, "buf.gen.yaml"),
      replaceExactly(bufGen, "importSuffix=.ts", "importSuffix=.ts, enumsAsLiterals=true", 1),
    );
    rmSync(join(d, "src", "gen"), { recursive: true });
    await run(d, "npx", ["buf", "generate"], 60_000);
    expect(await run(d, node(24), ["src/mood.ts"], 20_000)).toEqual({ stdout: "1\n", stderr: "" });
  }, 120_000);
});

describe.each(kinds)("a production install of the fresh %s project", (kind) => {
  it("npm prune --omit=dev drops the build tools, and dist/ still runs: no ERR_MODULE_NOT_FOUND", async () => {
    ready(kind);
    const d = dir(kind);
    await run(d, "npm", ["prune", "--omit=dev"], 120_000);
    for (const dev of ["typescript", "ts-proto", "@bufbuild/buf"]) {
      expect(existsSync(join(d, "node_modules", dev)), `${dev} is still installed`).toBe(false);
    }
    expectOneGreeting(await greet(d, node(20), compiled, ports.get(kind)!));
  }, 180_000);

  if (kind === "esm") {
    it("and the type-stripped sources beside it still run under Node 24", async () => {
      expect(
        existsSync(join(dir("esm-strip"), "src", "gen", "greeter.ts")),
        "the type-stripping test did not run",
      ).toBe(true);
      const d = dir("esm-strip");
      expectOneGreeting(
        await greet(d, node(24), { server: "src/server.ts", client: "src/client.ts" }, ports.get("esm-strip")!),
      );
    }, 60_000);
  }
});

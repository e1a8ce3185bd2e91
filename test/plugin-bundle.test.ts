import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { repo } from "./support/plugin.js";

// A user's project: its own package.json (no "sideEffects"), the generated
// files copied in, packages left to the bundler's externals.
const dir = mkdtempSync(join(tmpdir(), "grpc-prom-bundle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
copyFileSync(join(repo, "testdata", "gen", "test.ts"), join(dir, "test.ts"));
const generated = readFileSync(join(repo, "testdata", "gen", "test_grpc_prom.ts"), "utf8");
writeFileSync(
  join(dir, "server.ts"),
  'import { instrumentTestServiceServer } from "./test_grpc_prom.js";\nexport { instrumentTestServiceServer };\n',
);

/** bundle bundles server.ts, minified and tree-shaken, beside the generated file as given. */
async function bundle(ours: string): Promise<string> {
  writeFileSync(join(dir, "test_grpc_prom.ts"), ours);
  const out = await build({
    entryPoints: [join(dir, "server.ts")],
    bundle: true,
    minify: true,
    treeShaking: true,
    format: "esm",
    platform: "node",
    packages: "external",
    write: false,
    logLevel: "silent",
  });
  return out.outputFiles[0]!.text;
}

/** runtimeCalls counts, by the runtime's export names, the calls the bundle makes to what it imports from the runtime. */
function runtimeCalls(code: string): Record<string, number> {
  const names = /import\{([^}]*)\}from"protoc-gen-grpc-prom\/runtime"/.exec(code)?.[1] ?? "";
  const out: Record<string, number> = {};
  for (const spec of names.split(",")) {
    const [name, local = name] = spec.split(" as ");
    const escaped = local!.replace(/[$]/g, "\\$");
    out[name!] = code.match(new RegExp(`(?<![\\w$.])${escaped}\\(`, "g"))?.length ?? 0;
  }
  return out;
}

describe("a bundle that uses only instrumentXServer", () => {
  it("leaves out the InstrumentedXClient call, marked pure", async () => {
    expect(generated).toContain("= /*@__PURE__*/ instrumentClient(TestServiceClient, TestServiceMethods);");
    const code = await bundle(generated);
    expect(runtimeCalls(code)).toMatchObject({ instrumentServer: 1 });
    expect(runtimeCalls(code).instrumentClient ?? 0).toBe(0);
  });

  it("keeps it without the mark (the check above can see a call)", async () => {
    const code = await bundle(generated.replaceAll("/*@__PURE__*/ ", ""));
    expect(runtimeCalls(code)).toMatchObject({ instrumentServer: 1, instrumentClient: 1 });
  });
});

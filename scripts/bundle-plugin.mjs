// Bundles the plugin into one file, dist/plugin/bin.js, so that it starts
// fast and installs without its build-time dependencies (npm run build).
import { build } from "esbuild";

const notice =
  "// protoc-gen-grpc-prom: bundles @bufbuild/protobuf (Apache-2.0 and BSD-3-Clause), @bufbuild/protoplugin " +
  "(Apache-2.0), case-anything (MIT), yaml (ISC) and @grafana/grafana-foundation-sdk (Apache-2.0); their notices " +
  "are in THIRD_PARTY_NOTICES.md.";
// The bundle is an ES module; the CommonJS packages in it (yaml) require Node's built-ins, which an
// ES module has no `require` for: give them one.
const requireShim =
  'import { createRequire as bundleRequire } from "node:module"; const require = bundleRequire(import.meta.url);';

await build({
  entryPoints: ["plugin/bin.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile: "dist/plugin/bin.js",
  // protoplugin would load the TypeScript compiler for targets this plugin refuses (see no-typescript.ts).
  alias: { typescript: "./plugin/no-typescript.ts", "@typescript/vfs": "./plugin/no-typescript.ts" },
  banner: { js: `${notice}\n${requireShim}` },
  logLevel: "warning",
});

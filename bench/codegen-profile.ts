// Where our plugin's time goes, and what a fix would save:
//   tsx bench/codegen-profile.ts [--quick] [--rounds N]
//
// 1. A CPU profile (node --cpu-prof) of the built plugin on buf's request for
//    the full proto set of bench/codegen.ts, self time summed by package and
//    by function.
// 2. The plugin process alone on buf's request, for a small set (one file,
//    one service of 10 methods: a typical project) and the full set (200
//    services), alternating ts-proto, ours as built, and a prototype of the
//    proposed fix: ours bundled by esbuild with `typescript` and
//    `@typescript/vfs` (imported by @bufbuild/protoplugin for its JS/d.ts
//    transpiler, which target=ts never runs) replaced by empty stubs. The
//    prototype is made in the temp dir; plugin/ is not changed. Its output is
//    checked byte for byte against ours as built first.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import {
  type Contender,
  captureRequests,
  fullSet,
  ourBin,
  type ProtoSet,
  repo,
  runPlugin,
  tsProtoBin,
  writeProtos,
} from "./codegen.js";
import { alternate, type Figure, figure, spread } from "./figures.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const roundsAt = args.indexOf("--rounds");
const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : quick ? 1 : 5;

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** component names where a script comes from: a package, our plugin, or Node itself. */
function component(url: string): string {
  if (url === "") return "(V8: program, GC, idle)";
  if (url.startsWith("node:")) return "node: internals";
  const path = url.replace(/^file:\/\//, "");
  const nm = path.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = path.slice(nm + "/node_modules/".length).split("/");
    const pkg = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    return path.slice(0, nm).includes("/node_modules/") ? `${pkg} (nested)` : pkg;
  }
  return relative(repo, path).includes("plugin") ? "our plugin" : path;
}

/** profile runs the plugin under --cpu-prof on a request and sums self time by component and by function. */
function profile(bin: string, request: string, dir: string) {
  const profDir = join(dir, "prof");
  mkdirSync(profDir, { recursive: true });
  const run = spawnSync("node", ["--cpu-prof", "--cpu-prof-dir", profDir, "--cpu-prof-interval", "200", bin], {
    input: readFileSync(request),
    maxBuffer: 1 << 28,
  });
  if (run.status !== 0) throw new Error(`profile: plugin failed: ${run.stderr}`);
  const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"))!;
  const p = JSON.parse(readFileSync(join(profDir, file), "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const byComponent = new Map<string, number>();
  const byFunction = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const us = p.timeDeltas[i] ?? 0;
    const c = f.url === "" ? `(V8: ${f.functionName.replace(/[()]/g, "")})` : component(f.url);
    byComponent.set(c, (byComponent.get(c) ?? 0) + us);
    const fn = `${f.functionName || "(anonymous)"} ${f.url
      .split("/node_modules/")
      .at(-1)!
      .replace(/^file:\/\//, "")}:${f.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  });
  const total = (p.endTime - p.startTime) / 1000;
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 100) / 10,
        share: `${((us / 1000 / total) * 100).toFixed(1)}%`,
      }));
  return { total, components: top(byComponent, 12), functions: top(byFunction, 15) };
}

/** importTime is how long `import(specifier)` takes, resolved from the plugin's directory, in a fresh process. */
function importTime(specifier: string, from: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(specifier)});process.stdout.write(String(performance.now()-t))`;
  const out = execFileSync("node", ["--input-type=module", "-e", script], { cwd: from, encoding: "utf8" });
  return Number(out);
}

/** bundlePrototype bundles our plugin with typescript and @typescript/vfs stubbed out: the proposed fix, in dir. */
function bundlePrototype(dir: string): string {
  const out = join(dir, "bundle");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "no-typescript.mjs"), "export default {};\n");
  writeFileSync(
    join(out, "no-typescript-vfs.mjs"),
    "export const createDefaultMapFromNodeModules = undefined, createSystem = undefined, createVirtualCompilerHost = undefined;\n",
  );
  const bin = join(out, "bin.mjs");
  execFileSync(
    join(repo, "node_modules", ".bin", "esbuild"),
    [
      join(repo, "plugin", "bin.ts"),
      "--bundle",
      "--platform=node",
      "--format=esm",
      "--target=node20",
      `--outfile=${bin}`,
      `--alias:typescript=${join(out, "no-typescript.mjs")}`,
      `--alias:@typescript/vfs=${join(out, "no-typescript-vfs.mjs")}`,
      "--log-level=warning",
    ],
    { cwd: repo, stdio: "pipe" },
  );
  return bin;
}

const small: ProtoSet = { files: 1, servicesPerFile: 1, methodsPerService: 10 };
const dir = mkdtempSync(join(tmpdir(), "grpc-prom-codegen-profile-"));
const t0 = performance.now();
try {
  const ours = ourBin(dir);
  const prototype = bundlePrototype(dir);
  const contenders: Contender[] = [
    { name: "ts-proto", command: ["node", tsProtoBin], opt: ["outputServices=grpc-js"] },
    { name: "ours", command: ["node", ours.bin], opt: ["target=ts"] },
  ];
  const requests = new Map<ProtoSet, string[]>();
  for (const [name, set] of [
    ["small", small],
    ["full", fullSet],
  ] as const) {
    const d = join(dir, name);
    writeProtos(join(d, "proto"), set);
    requests.set(set, captureRequests(d, join(d, "proto"), contenders));
  }
  const fullRequest = requests.get(fullSet)![1]!;

  // The prototype must generate exactly what ours as built generates.
  const output = (bin: string) =>
    spawnSync("node", [bin], { input: readFileSync(fullRequest), maxBuffer: 1 << 28 }).stdout;
  if (!output(ours.bin).equals(output(prototype))) throw new Error("profile: the prototype's output differs from ours");

  const p = profile(ours.bin, fullRequest, dir);
  console.log(`CPU profile of ours (${ours.from}) on the full set: ${p.total.toFixed(0)} ms in the profile`);
  console.log("self time by package:");
  console.table(p.components);
  console.log("self time by function:");
  console.table(p.functions);
  const pluginDir = join(ours.bin, "..");
  console.log(
    `import("typescript") from protoplugin's directory, fresh process: ${importTime("typescript", join(repo, "node_modules", "@bufbuild", "protoplugin")).toFixed(0)} ms; ` +
      `import("@bufbuild/protoplugin") from the plugin's: ${importTime("@bufbuild/protoplugin", pluginDir).toFixed(0)} ms`,
  );

  const figures: Figure[] = [];
  for (const [set, [reqTs, reqOurs]] of requests) {
    const what = `plugin process alone, ${set.files * set.servicesPerFile} service(s) × ${set.methodsPerService} methods`;
    const s = await alternate(rounds, {
      "ts-proto": () => runPlugin(contenders[0]!.command, reqTs!),
      ours: () => runPlugin(contenders[1]!.command, reqOurs!),
      prototype: () => runPlugin(["node", prototype], reqOurs!),
    });
    const ts = spread(s["ts-proto"]);
    figures.push(figure(what, "ts-proto", "ms", ts));
    figures.push(figure(what, `ours (${ours.from})`, "ms", spread(s.ours), { name: "ts-proto", spread: ts }));
    figures.push(
      figure(what, "ours bundled, typescript stubbed (proposed fix)", "ms", spread(s.prototype), {
        name: "ts-proto",
        spread: ts,
      }),
    );
  }
  const n = (x: number) => (Number.isInteger(x) ? x : Number(x.toPrecision(4)));
  console.table(
    figures.map((f) => ({
      measure: f.measure,
      contender: f.contender,
      unit: f.unit,
      median: n(f.median),
      min: n(f.min),
      max: n(f.max),
      ratio: f.ratio === undefined ? "" : `${f.ratio.toFixed(3)} vs ${f.reference}`,
    })),
  );
  console.log(`codegen profile: ${rounds} round(s), ${((performance.now() - t0) / 1000).toFixed(1)} s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

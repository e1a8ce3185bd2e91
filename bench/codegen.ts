// Code generation: our plugin against ts-proto on one large proto set, written
// at run time into a temp dir: 200 services of 10 methods (the four call
// types in turn, with comments) in 20 files, three messages per file.
//
// Two measures, each alternating the contenders over rounds:
//   - wall time of `buf generate` with each plugin alone, as users run it
//     (ts-proto from node_modules; ours as built: dist/plugin/bin.js);
//   - the plugin process alone, on the CodeGeneratorRequest buf sends it
//     (captured once by a stand-in plugin), its output thrown away: the
//     same work without buf's compile, which both pay alike.

import { execFile, execFileSync, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { alternate, type Figure, figure, spread } from "./figures.js";

/** CodegenOptions are the suite's common options. */
export interface CodegenOptions {
  readonly rounds: number;
  readonly quick: boolean;
}

/** ProtoSet sizes the generated proto set. */
export interface ProtoSet {
  readonly files: number;
  readonly servicesPerFile: number;
  readonly methodsPerService: number;
}

export const fullSet: ProtoSet = { files: 20, servicesPerFile: 10, methodsPerService: 10 };
const quickSet: ProtoSet = { files: 2, servicesPerFile: 10, methodsPerService: 10 };

export const repo = fileURLToPath(new URL("../", import.meta.url));
export const buf = join(repo, "node_modules", ".bin", "buf");
export const tsProtoBin = join(repo, "node_modules", "ts-proto", "protoc-gen-ts_proto");
const distBin = join(repo, "dist", "plugin", "bin.js");

/** Contender is one plugin: how buf runs it, and the options it is given. */
export interface Contender {
  readonly name: string;
  readonly command: readonly string[];
  readonly opt: readonly string[];
}

const pad = (n: number) => String(n).padStart(2, "0");
const kinds = [
  ["", ""],
  ["", "stream "],
  ["stream ", ""],
  ["stream ", "stream "],
] as const;

/** writeProtos writes the proto set under dir, one package, one directory, and returns the file names. */
export function writeProtos(dir: string, set: ProtoSet): string[] {
  const pkgDir = join(dir, "bench", "codegen", "v1");
  mkdirSync(pkgDir, { recursive: true });
  const names: string[] = [];
  for (let f = 0; f < set.files; f++) {
    const F = `File${pad(f)}`;
    const lines = [
      'syntax = "proto3";',
      "",
      "package bench.codegen.v1;",
      "",
      `// ${F}Request asks for items.`,
      `message ${F}Request {`,
      "  string id = 1;",
      "  int64 count = 2;",
      "  repeated string tags = 3;",
      `  ${F}Item item = 4;`,
      "  map<string, string> attributes = 5;",
      "}",
      "",
      `// ${F}Item is one item.`,
      `message ${F}Item {`,
      "  string name = 1;",
      "  double value = 2;",
      "  bool enabled = 3;",
      "  bytes payload = 4;",
      "}",
      "",
      `// ${F}Response carries items.`,
      `message ${F}Response {`,
      `  repeated ${F}Item items = 1;`,
      "  string next_page_token = 2;",
      "}",
    ];
    for (let s = 0; s < set.servicesPerFile; s++) {
      lines.push(
        "",
        `// Service${pad(f)}${pad(s)} is service ${s} of file ${f}.`,
        `service Service${pad(f)}${pad(s)} {`,
      );
      for (let m = 0; m < set.methodsPerService; m++) {
        const [req, res] = kinds[m % kinds.length]!;
        lines.push(
          `  // GetItems${pad(m)} is method ${m}.`,
          `  rpc GetItems${pad(m)}(${req}${F}Request) returns (${res}${F}Response);`,
        );
      }
      lines.push("}");
    }
    const name = `file_${pad(f)}.proto`;
    writeFileSync(join(pkgDir, name), `${lines.join("\n")}\n`);
    names.push(`bench/codegen/v1/${name}`);
  }
  return names;
}

/** template is a buf.gen.yaml running the given plugins, each into its own directory under dir. */
export function template(
  protoDir: string,
  plugins: readonly { command: readonly string[]; out: string; opt: readonly string[] }[],
) {
  const lines = ["version: v2", "clean: true", "inputs:", `  - directory: ${JSON.stringify(protoDir)}`, "plugins:"];
  for (const p of plugins) {
    lines.push(
      `  - local: [${p.command.map((c) => JSON.stringify(c)).join(", ")}]`,
      `    out: ${JSON.stringify(p.out)}`,
      `    opt: [${p.opt.map((o) => JSON.stringify(o)).join(", ")}]`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * ourBin returns the built plugin users run, dist/plugin/bin.js (one bundle,
 * see the build script), and fails when it is missing or older than any
 * plugin/*.ts: `npm run bench` builds first.
 */
export function ourBin(): { bin: string; from: string } {
  const stale = readdirSync(join(repo, "plugin"))
    .filter((f) => f.endsWith(".ts"))
    .some((f) => !existsSync(distBin) || statSync(distBin).mtimeMs < statSync(join(repo, "plugin", f)).mtimeMs);
  if (stale) throw new Error("dist/plugin/bin.js is missing or older than plugin/: run `npm run build` first");
  return { bin: distBin, from: "dist/plugin/bin.js" };
}

/** captureRequests has buf send each contender's request to a stand-in plugin that saves it, and returns the paths. */
export function captureRequests(dir: string, protoDir: string, contenders: readonly Contender[]): string[] {
  const capture = join(dir, "capture.mjs");
  writeFileSync(
    capture,
    `import { readFileSync, writeFileSync } from "node:fs";\nwriteFileSync(process.argv[2], readFileSync(0));\n`,
  );
  const paths = contenders.map((_, i) => join(dir, `request-${i}.bin`));
  const plugins = contenders.map((c, i) => ({
    command: ["node", capture, paths[i]!],
    out: join(dir, `capture-out-${i}`),
    opt: c.opt,
  }));
  const tpl = join(dir, "buf.gen.capture.yaml");
  writeFileSync(tpl, template(protoDir, plugins));
  execFileSync(buf, ["generate", "--template", tpl], { cwd: dir, stdio: "pipe", timeout: 300_000 });
  return paths;
}

/** runPlugin runs a plugin process on a saved request, output discarded, and returns its wall time in ms. */
export function runPlugin(command: readonly string[], request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const stdin = openSync(request, "r");
    const t0 = performance.now();
    const p = spawn(command[0]!, command.slice(1), { stdio: [stdin, "ignore", "pipe"] });
    let stderr = "";
    p.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    p.on("error", reject);
    p.on("close", (code) => {
      const ms = performance.now() - t0;
      closeSync(stdin);
      if (code === 0) resolve(ms);
      else reject(new Error(`${command.join(" ")} exited ${code}: ${stderr}`));
    });
  });
}

/** filesUnder counts the files under dir, and their bytes. */
function filesUnder(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    files++;
    bytes += statSync(join(e.parentPath, e.name)).size;
  }
  return { files, bytes };
}

/**
 * runCodegen measures buf generate with each plugin alone, and each plugin
 * process alone on buf's request, ours against ts-proto, alternating.
 */
export async function runCodegen(options: CodegenOptions): Promise<Figure[]> {
  const rounds = Math.max(1, options.rounds);
  const set = options.quick ? quickSet : fullSet;
  const dir = mkdtempSync(join(tmpdir(), "grpc-prom-codegen-"));
  try {
    const protoDir = join(dir, "proto");
    writeProtos(protoDir, set);
    const ours = ourBin();
    const contenders: Contender[] = [
      { name: "ts-proto", command: ["node", tsProtoBin], opt: ["outputServices=grpc-js"] },
      { name: "ours", command: ["node", ours.bin], opt: ["target=ts"] },
    ];
    const templates = contenders.map((c) => {
      const tpl = join(dir, `buf.gen.${c.name}.yaml`);
      writeFileSync(tpl, template(protoDir, [{ command: c.command, out: join(dir, `out-${c.name}`), opt: c.opt }]));
      return tpl;
    });
    const generate = async (tpl: string) => {
      const t0 = performance.now();
      await promisify(execFile)(buf, ["generate", "--template", tpl], { cwd: dir, timeout: 300_000 });
      return performance.now() - t0;
    };
    // One untimed run each: buf's cache, the disk cache, and a check that both generate.
    for (const tpl of templates) await generate(tpl);
    const outputs = contenders.map((c) => filesUnder(join(dir, `out-${c.name}`)));
    if (outputs[0]!.files !== set.files || outputs[1]!.files !== set.files) {
      throw new Error(`codegen: expected ${set.files} files from each plugin, got ${outputs.map((o) => o.files)}`);
    }

    const services = set.files * set.servicesPerFile;
    const what = `${services} services × ${set.methodsPerService} methods in ${set.files} files`;
    const [tsProto, ourC] = [contenders[0]!, contenders[1]!];
    const oursName = `ours (${ours.from})`;
    const out: Figure[] = [];

    const bufSamples = await alternate(rounds, {
      "ts-proto": () => generate(templates[0]!),
      ours: () => generate(templates[1]!),
    });
    const bufTs = spread(bufSamples["ts-proto"]);
    const bufOurs = spread(bufSamples.ours);
    out.push(figure(`buf generate, ${what}`, "ts-proto", "ms", bufTs));
    out.push(
      figure(
        `buf generate, ${what}`,
        oursName,
        "ms",
        bufOurs,
        { name: "ts-proto", spread: bufTs },
        {
          text: "ours/ts-proto ≤ 1",
          met: bufOurs.median / bufTs.median <= 1,
        },
      ),
    );

    const [reqTs, reqOurs] = captureRequests(dir, protoDir, contenders);
    const procSamples = await alternate(rounds, {
      "ts-proto": () => runPlugin(tsProto.command, reqTs!),
      ours: () => runPlugin(ourC.command, reqOurs!),
    });
    const procTs = spread(procSamples["ts-proto"]);
    const procOurs = spread(procSamples.ours);
    out.push(figure(`plugin process alone on buf's request, ${what}`, "ts-proto", "ms", procTs));
    out.push(
      figure(`plugin process alone on buf's request, ${what}`, oursName, "ms", procOurs, {
        name: "ts-proto",
        spread: procTs,
      }),
    );

    for (const [i, c] of contenders.entries()) {
      const o = outputs[i]!;
      out.push(
        figure(`output, ${what}`, `${c.name} (${o.files} files)`, "bytes", {
          median: o.bytes,
          min: o.bytes,
          max: o.bytes,
        }),
      );
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
